{#-
    Keyword placed between `name as` and `(` of a CTE that must be computed
    once: `dated as {{ materialized_cte() }} (`.
    PostgreSQL (12+) inlines a CTE referenced once, so a chain of CTEs that
    each reuse a large parsed expression several times is flattened into one
    exponentially large expression: int_viewership_parsed took 140 s to PLAN
    on an empty table. `materialized` keeps each step a computed relation.
    DuckDB and Snowflake plan the same chain in milliseconds: no keyword.
-#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}
