{#-
    dbt's is_incremental() asks the warehouse whether the model's relation
    exists. The offline Snowflake compile (no account) cannot ask, so it passes
    --vars '{assume_incremental: true|false}' and this override answers from
    the var; every other run delegates to dbt's own implementation.
-#}
{% macro is_incremental() -%}
    {%- set assumed = var('assume_incremental', none) -%}
    {%- if assumed is not none -%}
        {{ return(model.config.materialized == 'incremental'
                  and (assumed | string | lower) in ['true', '1', 'yes']) }}
    {%- endif -%}
    {#- A unit test without an is_incremental override has no relation (this
        is none): it tests the first-run (full) branch, as dbt's own
        unit-test default does. -#}
    {%- if this is none -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{%- endmacro %}
