{#-
    A text value as a SQL string literal, for the deployment log
    (record_deployments). Quotes are doubled everywhere; Snowflake also
    treats backslash as an escape character, so it is doubled there.
-#}
{% macro redline_sql_literal(value) -%}
    {{ return(adapter.dispatch('redline_sql_literal', 'viewership')(value)) }}
{%- endmacro %}


{% macro default__redline_sql_literal(value) -%}
    '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}


{% macro snowflake__redline_sql_literal(value) -%}
    '{{ (value | string).replace("\\", "\\\\").replace("'", "''") }}'
{%- endmacro %}
