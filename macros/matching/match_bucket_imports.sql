{#-
    The import CTEs every bucket model starts with: the records of this run
    (incremental scope, macros/incremental/records_since_last_run.sql) and
    the keyed catalog relations the bucket joins. Each bucket lists the
    catalog relations it reads; its eligible records, its joins and its
    branches stay in its own file.
-#}
{% macro match_bucket_imports(catalog) -%}
{%- set relations = {
    'episodes': 'int_catalog_episodes_keyed',
    'series': 'int_catalog_series_keyed',
    'title_keys': 'int_catalog_title_keys',
} -%}
{%- for name in catalog if name not in relations -%}
    {{ exceptions.raise_compiler_error(
        "match_bucket_imports: unknown catalog relation '" ~ name
        ~ "' (known: " ~ relations.keys() | join(', ') ~ ")") }}
{%- endfor -%}
match_keys as (

    select * from {{ ref('int_viewership_match_keys') }}
    {{ records_since_last_run() }}

),
{%- for name in catalog %}

{{ name }} as (

    select * from {{ ref(relations[name]) }}

){{ "," if not loop.last }}
{%- endfor %}
{%- endmacro %}
