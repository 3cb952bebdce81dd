{#-
    Emulation only: fakesnow answers `describe table DB.SCHEMA.T` from the
    session's current database, so a relation in any other database (all of
    ours: the session sits in the profile database) describes as zero
    columns. Unit-test fixtures, incremental merges and snapshots then fail
    with "relation doesn't exist". The emulation reads the same columns,
    typed as DESCRIBE would print them, from the relation's own database's
    information_schema. Real Snowflake: dbt-snowflake's DESCRIBE, unchanged.
-#}
{% macro snowflake__get_columns_in_relation(relation) -%}
    {%- if not is_snowflake_emulation() -%}
        {{ return(dbt.snowflake__get_columns_in_relation(relation)) }}
    {%- endif -%}

    {%- set sql -%}
    select
        column_name as "name",
        case
            when data_type = 'NUMBER'
                then 'NUMBER(' || numeric_precision || ',' || numeric_scale || ')'
            when data_type = 'TEXT'
                then 'VARCHAR(' || coalesce(character_maximum_length, 16777216) || ')'
            when data_type in ('TIMESTAMP_NTZ', 'TIMESTAMP_TZ', 'TIME')
                then data_type || '(9)'
            when data_type = 'BINARY' then 'BINARY(8388608)'
            else data_type
        end as "type"
    from {{ relation.database }}.information_schema.columns
    where
        upper(table_schema) = upper('{{ relation.schema }}')
        and upper(table_name) = upper('{{ relation.identifier }}')
    order by ordinal_position
    {%- endset -%}

    {%- set columns = [] -%}
    {%- for row in run_query(sql) -%}
        {%- do columns.append(api.Column.from_description(row['name'], row['type'])) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
