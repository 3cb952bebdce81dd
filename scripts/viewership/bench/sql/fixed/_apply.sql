{#- One bucket step of the fixed port: its candidates de-duplicated to one row per id (lowest ref_id,
    then title: deterministic), sorted by id, materialized, then ONE UPDATE from it (PERFORMANCE.md:
    a multi-row, unsorted UPDATE source is DuckDB's slow path). -#}
{% macro apply(bucket, sets_ref_id=false) -%}
create temp table bucket_src as
select id, ref_id, content_provider, series_code, asset_series, asset_title
from (
    select
        c.*,
        row_number() over (partition by c.id order by c.ref_id, c.asset_title) as candidate_rank
    from (
{{ caller() }}
    ) as c
) as ranked
where candidate_rank = 1
order by id;

{% if dialect == 'postgres' -%}
analyze bucket_src;

{% endif -%}
update bench_ref.staging
set
{{- set_match(bucket, sets_ref_id) }}
from bucket_src as src
where {{ update_guard() }};

drop table bucket_src
{%- endmacro %}
