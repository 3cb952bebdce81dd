{#-
    Post-hook for the matching key tables: PostgreSQL's planner needs fresh
    statistics on a table dbt just created (dbt-postgres does not ANALYZE and
    autovacuum lags), otherwise it guesses row counts and picks nested loops
    (PERFORMANCE.md). DuckDB and Snowflake need nothing.
-#}
{% macro analyze_for_planner() -%}
    {{ return(adapter.dispatch('analyze_for_planner', 'viewership')()) }}
{%- endmacro %}

{% macro default__analyze_for_planner() -%}
    {{ return('') }}
{%- endmacro %}

{% macro postgres__analyze_for_planner() -%}
    analyze {{ this }}
{%- endmacro %}
