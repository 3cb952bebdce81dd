{#-
    The staging copy both references work on (DOMAIN §2.1, §3): one row per upload row, with the
    legacy normalization minimum the matching needs and nothing else:
    - ref_id (§4.7): platform_content_id when it is a catalog episode ref_id (the generator's ids are
      exact; the legacy's substring rule only adds the SW-1711 / SW-17111 [BUG] on top);
    - internal_series (§4.5): step 2, the dictionary entry equal to platform_series after lower-casing and
      deleting everything except ASCII letters, digits and spaces, wins over step 1, the dictionary row
      whose entry or series occurs in platform_content_name (case-insensitive; longest entry wins, ties
      by series). The legacy evaluates step 1 per record with LIKE; the fixed port once per distinct
      content name.
    The fixed port also gets title_key = the normalized content name, computed once here.
    sample_every > 1 keeps every n-th id only (the PostgreSQL legacy sample: ~0.8 s per record there).
    Run once per reference run and timed with it (both references get the same table).
-#}
drop schema if exists bench_ref cascade;

create schema bench_ref;

create table bench_ref.staging as
with
episode_ids as (
    select distinct ref_id from {{ src.episode }} where ref_id is not null and trim(ref_id) <> ''
),
dictionary as (
    select
        lower(regexp_replace(entry, '[^A-Za-z0-9 ]', '', 'g')) as entry_key,
        min(series) as series
    from {{ src.dictionary }}
    where entry is not null
    group by lower(regexp_replace(entry, '[^A-Za-z0-9 ]', '', 'g'))
),
dictionary_texts as (
    select entry, series, lower(entry) as entry_lower, lower(series) as series_lower
    from {{ src.dictionary }}
    where entry is not null and series is not null
),
{%- if with_title_key %}
{#- fixed port: step 1 once per DISTINCT content name -#}
content_names as (
    {#- only the names step 2 leaves unresolved: a platform_series match wins anyway -#}
    select distinct upload.platform_content_name as name, lower(upload.platform_content_name) as name_lower
    from {{ src.upload }} as upload
    left join dictionary
        on dictionary.entry_key = lower(regexp_replace(upload.platform_series, '[^A-Za-z0-9 ]', '', 'g'))
    where upload.platform_content_name is not null and dictionary.series is null
),
title_series as (
    select name, series
    from (
        select
            n.name,
            d.series,
            row_number() over (partition by n.name order by length(d.entry) desc, d.series) as candidate_rank
        from content_names as n
        inner join dictionary_texts as d
            on position(d.entry_lower in n.name_lower) > 0 or position(d.series_lower in n.name_lower) > 0
    ) as ranked
    where candidate_rank = 1
)
{%- else %}
{#- legacy: step 1 per record, unescaped case-insensitive LIKE against every dictionary row -#}
title_series as (
    select id, series
    from (
        select
            u.id,
            d.series,
            row_number() over (partition by u.id order by length(d.entry) desc, d.series) as candidate_rank
        from {{ src.upload }} as u
        inner join dictionary_texts as d
            on lower(u.platform_content_name) like '%' || d.entry_lower || '%'
            or lower(u.platform_content_name) like '%' || d.series_lower || '%'
        where u.platform_content_name is not null
    ) as ranked
    where candidate_rank = 1
)
{%- endif %}
select
    upload.id,
    upload.platform,
    upload.filename,
    upload.platform_content_name,
    upload.platform_content_id,
    upload.platform_series,
    upload.episode_number,
    upload.season_number,
    episode_ids.ref_id,
    coalesce(dictionary.series, title_series.series) as internal_series,
    cast(null as varchar) as content_provider,
    cast(null as varchar) as series_code,
    cast(null as varchar) as asset_series,
    cast(null as varchar) as asset_title,
    cast(null as varchar) as match_bucket,
    cast(null as boolean) as processed{% if with_title_key %},
    {{ norm('upload.platform_content_name') }} as title_key{% endif %}
from {{ src.upload }} as upload
left join episode_ids
    on episode_ids.ref_id = trim(upload.platform_content_id)
left join dictionary
    on dictionary.entry_key = lower(regexp_replace(upload.platform_series, '[^A-Za-z0-9 ]', '', 'g'))
{%- if with_title_key %}
left join title_series
    on title_series.name = upload.platform_content_name
{%- else %}
left join title_series
    on title_series.id = upload.id
{%- endif %}
{%- if sample_every > 1 %}
where upload.id % {{ sample_every | int }} = 0
{%- endif %};

{% if dialect == 'postgres' -%}
alter table bench_ref.staging add primary key (id);

analyze bench_ref.staging;
{%- endif %}

create table bench_ref.batch_logs (id bigint, platform varchar, notes varchar);
