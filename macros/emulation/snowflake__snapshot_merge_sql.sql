{#-
    Emulation only: the snapshot MERGE has the same ambiguity as the
    incremental one under fakesnow (unqualified insert values). The emulated
    statement is dbt's default snapshot MERGE with the inserted values
    qualified by the source alias, sent without an explicit transaction
    (see below). Real Snowflake: dbt-snowflake's macro unchanged.
-#}
{% macro snowflake__snapshot_merge_sql(target, source, insert_cols) -%}
    {%- if not is_snowflake_emulation() -%}
        {{ return(dbt.snowflake__snapshot_merge_sql(target, source, insert_cols)) }}
    {%- endif -%}

    {%- set columns = config.get('snapshot_table_column_names')
        or get_snapshot_table_column_names() -%}
    {%- set source_values = [] -%}
    {%- for column_name in insert_cols -%}
        {%- do source_values.append('DBT_INTERNAL_SOURCE.' ~ column_name) -%}
    {%- endfor -%}

    {%- set dml -%}
    merge into {{ target.render() }} as DBT_INTERNAL_DEST
    using {{ source }} as DBT_INTERNAL_SOURCE
    on DBT_INTERNAL_SOURCE.{{ columns.dbt_scd_id }} = DBT_INTERNAL_DEST.{{ columns.dbt_scd_id }}

    when matched
    {%- if config.get('dbt_valid_to_current') %}
        {%- set dest_valid_to = ('DBT_INTERNAL_DEST.' ~ columns.dbt_valid_to) | trim %}
        {%- set valid_to_current = config.get('dbt_valid_to_current') | trim %}
        and ({{ equals(dest_valid_to, valid_to_current) }} or {{ dest_valid_to }} is null)
    {%- else %}
        and DBT_INTERNAL_DEST.{{ columns.dbt_valid_to }} is null
    {%- endif %}
        and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete')
        then update
        set {{ columns.dbt_valid_to }} = DBT_INTERNAL_SOURCE.{{ columns.dbt_valid_to }}

    when not matched
        and DBT_INTERNAL_SOURCE.dbt_change_type = 'insert'
        then insert ({{ insert_cols | join(', ') }})
        values ({{ source_values | join(', ') }})
    {%- endset -%}

    {#- No explicit BEGIN/COMMIT around it: fakesnow stages a MERGE through a temporary table, and DuckDB
        lets one transaction write to one database only. A single MERGE is atomic on its own. -#}
    {{ return(dml) }}
{%- endmacro %}
