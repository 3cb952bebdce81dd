{#- Shared Jinja macros of the reference implementations (DOMAIN §5.1-5.2). -#}

{#- Legacy title normalization, evaluated where it is written (per row, per pair in a join). -#}
{% macro norm(x) -%}
lower(regexp_replace(trim({{ x }}), '[^A-Za-z0-9]', '', 'g'))
{%- endmacro %}

{#- "non-blank" = NOT NULL and TRIM <> '' -#}
{% macro nb(x) -%}
({{ x }} is not null and trim({{ x }}) <> '')
{%- endmacro %}

{% macro blank(x) -%}
({{ x }} is null or trim({{ x }}) = '')
{%- endmacro %}

{#- "numeric" = matches ^[0-9]+$ -#}
{% macro numeric(x) -%}
{%- if dialect == 'duckdb' -%}
coalesce(regexp_full_match({{ x }}, '[0-9]+'), false)
{%- else -%}
coalesce({{ x }} ~ '^[0-9]+$', false)
{%- endif -%}
{%- endmacro %}

{#- EXTRACT_PRIMARY_TITLE(titles) (DOMAIN §4.6): the first '-en' part without its suffix, else the first
    part without a 2-letter lower-case suffix. -#}
{% macro primary_title(x) -%}
case when {{ x }} is null or trim({{ x }}) = '' then null else coalesce(
{%- if dialect == 'duckdb' %}
    nullif(regexp_extract({{ x }}, '(?:^|,)\s*([^,]*)-en\s*(?:,|$)', 1), ''),
{%- else %}
    (regexp_match({{ x }}, '(?:^|,)\s*([^,]*)-en\s*(?:,|$)'))[1],
{%- endif %}
    regexp_replace(trim(split_part({{ x }}, ',', 1)), '^(.+)-[a-z]{2}$', '\1')
) end
{%- endmacro %}

{#- The bucket-table predicates of DOMAIN §5.1 (what the legacy actually used), over staging alias `v`. -#}
{% macro bucket_predicate(bucket) -%}
{%- if bucket == 'FULL_DATA' -%}
{{ nb('v.ref_id') }} and {{ nb('v.internal_series') }} and {{ nb('v.episode_number') }}
    and {{ nb('v.season_number') }} and {{ numeric('v.episode_number') }} and {{ numeric('v.season_number') }}
    and {{ nb('v.platform_content_name') }}
{%- elif bucket == 'REF_ID_SERIES' -%}
{{ nb('v.ref_id') }} and {{ nb('v.internal_series') }} and {{ nb('v.platform_content_name') }}
{%- elif bucket == 'REF_ID_ONLY' -%}
{{ nb('v.ref_id') }} and {{ blank('v.internal_series') }} and {{ nb('v.platform_content_name') }}
{%- elif bucket == 'SERIES_SEASON_EPISODE' -%}
{{ nb('v.internal_series') }} and {{ nb('v.episode_number') }} and {{ nb('v.season_number') }}
    and {{ numeric('v.episode_number') }} and {{ numeric('v.season_number') }}
{%- elif bucket == 'SERIES_ONLY' -%}
{{ nb('v.internal_series') }} and {{ blank('v.ref_id') }}
    and ({{ blank('v.episode_number') }} or {{ blank('v.season_number') }}
         or not {{ numeric('v.episode_number') }} or not {{ numeric('v.season_number') }})
    and {{ nb('v.platform_content_name') }}
{%- elif bucket == 'TITLE_ONLY' -%}
{{ nb('v.platform_content_name') }} and {{ blank('v.ref_id') }} and {{ blank('v.internal_series') }}
{%- endif -%}
{%- endmacro %}

{#- Pre-check predicates of DOMAIN §5.1 (only used for the early return). -#}
{% macro precheck_predicate(bucket) -%}
{%- if bucket == 'FULL_DATA' -%}
{{ nb('v.ref_id') }} and {{ nb('v.internal_series') }} and {{ nb('v.episode_number') }}
    and {{ nb('v.season_number') }} and {{ numeric('v.episode_number') }} and {{ numeric('v.season_number') }}
{%- elif bucket == 'REF_ID_SERIES' -%}
{{ nb('v.ref_id') }} and {{ nb('v.internal_series') }}
{%- elif bucket == 'REF_ID_ONLY' -%}
{{ nb('v.ref_id') }} and {{ blank('v.internal_series') }}
{%- elif bucket == 'SERIES_SEASON_EPISODE' -%}
{{ nb('v.internal_series') }} and {{ nb('v.episode_number') }} and {{ nb('v.season_number') }}
    and {{ numeric('v.episode_number') }} and {{ numeric('v.season_number') }} and {{ blank('v.ref_id') }}
{%- elif bucket == 'SERIES_ONLY' -%}
{{ nb('v.internal_series') }} and {{ blank('v.ref_id') }}
    and ({{ blank('v.episode_number') }} or {{ blank('v.season_number') }}
         or not {{ numeric('v.episode_number') }} or not {{ numeric('v.season_number') }})
{%- elif bucket == 'TITLE_ONLY' -%}
{{ nb('v.platform_content_name') }} and {{ blank('v.ref_id') }} and {{ blank('v.internal_series') }}
{%- endif -%}
{%- endmacro %}

{#- The SET list every bucket writes; `extra` adds ref_id for the buckets that set it. -#}
{% macro set_match(bucket, sets_ref_id=false) -%}
    {%- if sets_ref_id %}
    ref_id = src.ref_id,
    {%- endif %}
    content_provider = src.content_provider,
    series_code = src.series_code,
    asset_series = src.asset_series,
    asset_title = src.asset_title,
    match_bucket = '{{ bucket }}'
{%- endmacro %}

{#- Shared WHERE of every bucket UPDATE (DOMAIN §5.2). -#}
{% macro update_guard() -%}
    staging.id = src.id
    and staging.processed is null
    and staging.content_provider is null
    and staging.platform = {{ p }}
{%- endmacro %}
