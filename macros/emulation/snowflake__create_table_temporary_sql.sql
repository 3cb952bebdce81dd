{#-
    Emulation only: DuckDB (under fakesnow) keeps temporary objects in its
    temp catalog and refuses `create temporary table "DB"."SCHEMA"."x"`.
    On the emulation the scratch relation (incremental __dbt_tmp, snapshot
    staging, unit-test probe) becomes an ordinary table at the same name;
    dbt drops it afterwards as it would the temporary one. Real Snowflake
    gets dbt-snowflake's macro unchanged.
-#}
{% macro snowflake__create_table_temporary_sql(relation, compiled_code) -%}
    {%- if not is_snowflake_emulation() -%}
        {{ return(dbt.snowflake__create_table_temporary_sql(relation, compiled_code)) }}
    {%- endif -%}

    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced -%}
        {{- get_assert_columns_equivalent(compiled_code) -}}
        {%- set compiled_code = get_select_subquery(compiled_code) -%}
    {%- endif -%}

    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}

    create or replace table {{ relation }}
        {%- if contract_config.enforced %}
        {{ get_table_columns_and_constraints() }}
        {%- endif %}
    as (
        {{ compiled_code }}
    )
    ;
{%- endmacro %}
