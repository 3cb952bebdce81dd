{#-
    Emulation only: the incremental materialization's temporary view
    (tmp_relation_type 'view') cannot be qualified with a database on DuckDB;
    the emulation creates an ordinary view, which dbt drops after the merge.
-#}
{% macro snowflake__create_view_as_with_temp_flag(relation, sql, is_temporary=False) -%}
    {%- if is_snowflake_emulation() -%}
        {{ return(dbt.snowflake__create_view_as_with_temp_flag(relation, sql, False)) }}
    {%- endif -%}
    {{ return(dbt.snowflake__create_view_as_with_temp_flag(relation, sql, is_temporary)) }}
{%- endmacro %}
