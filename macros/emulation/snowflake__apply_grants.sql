{#-
    Emulation only: fakesnow parses neither GRANT nor SHOW GRANTS, and has
    no roles. The emulation renders the GRANT statements dbt would run (so
    the gold grants to WEB_APP, RL-5, are still computed and visible in the
    log as "emulation: skipped ...") and sends none of them. Real Snowflake:
    dbt's own apply_grants (dbt-snowflake has no override of its own).
-#}
{% macro snowflake__apply_grants(relation, grant_config, should_revoke=True) -%}
    {%- if not is_snowflake_emulation() -%}
        {{ return(dbt.default__apply_grants(relation, grant_config, should_revoke)) }}
    {%- endif -%}
    {%- if grant_config -%}
        {%- for statement in get_dcl_statement_list(relation, grant_config, get_grant_sql) -%}
            {{ log('emulation: skipped ' ~ (statement | trim), info=True) }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
