{#-
    Fixed procedural port: the catalog keyed ONCE so every bucket joins by equality (PERFORMANCE.md).
    - title_keys: long form, one row per (ref_id, normalized title or clean_title); has_title = a
      metadata row with a non-blank title carries the key (FULL_DATA requires one);
    - ref_titles: one asset title per ref_id (the buckets that join metadata by ref_id only);
    - series_keyed: active series with their primary title computed once;
    - episode_keyed: episodes of active series, denormalized with their series.
-#}
create table bench_ref.title_keys as
with
titles as (
    select ref_id, {{ norm('title') }} as title_key, title from {{ src.metadata }}
    union all
    select ref_id, {{ norm('clean_title') }} as title_key, title from {{ src.metadata }}
)
select
    ref_id,
    title_key,
    coalesce(min(case when {{ nb('title') }} then title end), min(title)) as asset_title,
    max(case when {{ nb('title') }} then 1 else 0 end) = 1 as has_title,
    lower(split_part(ref_id, '-', 1)) as ref_prefix
from titles
where title_key is not null
group by ref_id, title_key;

create table bench_ref.ref_titles as
select ref_id, min(title) as asset_title
from {{ src.metadata }}
group by ref_id;

create table bench_ref.series_keyed as
select
    id,
    content_provider,
    series_code,
    {{ primary_title('titles') }} as asset_series,
    lower({{ primary_title('titles') }}) as series_key,
    lower(series_code) as code_key
from {{ src.series }}
where lower(status) = 'active';

create table bench_ref.episode_keyed as
select
    e.ref_id,
    e.series_id,
    e.episode,
    e.season,
    s.content_provider,
    s.series_code,
    s.asset_series,
    s.series_key
from {{ src.episode }} as e
inner join bench_ref.series_keyed as s on s.id = e.series_id;

{% if dialect == 'postgres' -%}
analyze bench_ref.title_keys;

analyze bench_ref.ref_titles;

analyze bench_ref.series_keyed;

analyze bench_ref.episode_keyed;
{%- endif %}
