{#-
    A DATE from integer year, month and day expressions. The caller must have
    validated them (see iso_date_text_to_date): PostgreSQL and DuckDB raise on
    an invalid day, Snowflake silently rolls it over (Feb 30 -> Mar 2).
-#}
{% macro date_from_parts(year, month, day) -%}
    {{ return(adapter.dispatch('date_from_parts')(year, month, day)) }}
{%- endmacro %}

{% macro default__date_from_parts(year, month, day) -%}
    {{ exceptions.raise_compiler_error("date_from_parts: no " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__date_from_parts(year, month, day) -%}
    make_date(cast({{ year }} as bigint), cast({{ month }} as bigint), cast({{ day }} as bigint))
{%- endmacro %}

{% macro postgres__date_from_parts(year, month, day) -%}
    make_date(cast({{ year }} as integer), cast({{ month }} as integer), cast({{ day }} as integer))
{%- endmacro %}

{% macro snowflake__date_from_parts(year, month, day) -%}
    date_from_parts({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}
