{#-
    Emulation only: fakesnow rewrites MERGE as a full outer join of target
    and source, so dbt's unqualified `insert (...) values ("COL")` becomes
    ambiguous. The emulated MERGE is dbt's default one with the inserted
    values qualified by the source alias (same semantics), sent without an
    explicit transaction (see below). Without a unique_key (plain insert)
    and on real Snowflake, dbt-snowflake's macro runs unchanged.
-#}
{% macro snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) -%}
    {%- if not is_snowflake_emulation() or not unique_key -%}
        {{ return(dbt.snowflake__get_merge_sql(
            target, source_sql, unique_key, dest_columns, incremental_predicates
        )) }}
    {%- endif -%}

    {%- set predicates = [] if incremental_predicates is none else [] + incremental_predicates -%}
    {%- set dest_column_names = dest_columns | map(attribute='name') | list -%}
    {%- set dest_cols_csv = get_quoted_csv(dest_column_names) -%}
    {%- set source_values = [] -%}
    {%- for column_name in dest_column_names -%}
        {%- do source_values.append('DBT_INTERNAL_SOURCE.' ~ adapter.quote(column_name)) -%}
    {%- endfor -%}
    {%- set update_columns = get_merge_update_columns(
        config.get('merge_update_columns'), config.get('merge_exclude_columns'), dest_columns
    ) -%}
    {%- set sql_header = config.get('sql_header', none) -%}

    {%- if unique_key is sequence and unique_key is not mapping and unique_key is not string -%}
        {%- for key in unique_key -%}
            {%- do predicates.append('DBT_INTERNAL_SOURCE.' ~ key ~ ' = DBT_INTERNAL_DEST.' ~ key) -%}
        {%- endfor -%}
    {%- else -%}
        {%- do predicates.append(get_merge_unique_key_match(
            'DBT_INTERNAL_SOURCE.' ~ unique_key, 'DBT_INTERNAL_DEST.' ~ unique_key
        )) -%}
    {%- endif -%}

    {%- set dml -%}
    {{ sql_header if sql_header is not none }}

    merge into {{ target }} as DBT_INTERNAL_DEST
        using {{ source_sql }} as DBT_INTERNAL_SOURCE
        on {{ "(" ~ predicates | join(") and (") ~ ")" }}

    when matched then update set
        {% for column_name in update_columns -%}
            {{ column_name }} = DBT_INTERNAL_SOURCE.{{ column_name }}
            {%- if not loop.last %}, {%- endif %}
        {%- endfor %}

    when not matched then insert
        ({{ dest_cols_csv }})
    values
        ({{ source_values | join(', ') }})
    {%- endset -%}

    {#- No explicit BEGIN/COMMIT around it: fakesnow stages a MERGE through a temporary table, and DuckDB
        lets one transaction write to one database only. A single MERGE is atomic on its own. -#}
    {{ return(dml) }}
{%- endmacro %}
