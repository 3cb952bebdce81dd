{#-
    Monday of the (ISO) week containing the DATE `date_expr`, as a DATE.
    DuckDB and PostgreSQL date_trunc('week') are ISO (Monday). Snowflake's
    depends on the session's WEEK_START, so it is computed from
    DAYOFWEEKISO instead (1 = Monday .. 7 = Sunday).
-#}
{% macro week_start(date_expr) -%}
    {{ return(adapter.dispatch('week_start')(date_expr)) }}
{%- endmacro %}

{% macro default__week_start(date_expr) -%}
    {{ exceptions.raise_compiler_error("week_start: no " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__week_start(date_expr) -%}
    cast(date_trunc('week', {{ date_expr }}) as date)
{%- endmacro %}

{% macro postgres__week_start(date_expr) -%}
    cast(date_trunc('week', {{ date_expr }}) as date)
{%- endmacro %}

{% macro snowflake__week_start(date_expr) -%}
    cast(dateadd(day, 1 - dayofweekiso({{ date_expr }}), {{ date_expr }}) as date)
{%- endmacro %}
