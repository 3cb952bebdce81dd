{#-
    A timestamp with time zone (bronze_loaded_at) as a timestamp without
    time zone, in UTC. Silver keeps its record stamps in this form so that
    the incremental watermark (macros/incremental/records_since_last_run.sql)
    compares like with like whatever the session's time zone is.
-#}
{% macro utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('utc_timestamp')(expression)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expression) -%}
    {{ exceptions.raise_compiler_error("utc_timestamp: no " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__utc_timestamp(expression) -%}
    cast(timezone('UTC', {{ expression }}) as timestamp)
{%- endmacro %}

{% macro postgres__utc_timestamp(expression) -%}
    cast(({{ expression }}) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro snowflake__utc_timestamp(expression) -%}
    cast(convert_timezone('UTC', {{ expression }}) as timestamp_ntz)
{%- endmacro %}
