{#-
    RL-5: dbt grants SELECT on each gold relation (`+grants` in
    dbt_project.yml) but never USAGE on the schema (and, on Snowflake, the
    database) that holds them, without which WEB_APP cannot reach those
    relations. This on-run-end hook grants it, on the gold location only:
    bronze and silver stay unreachable for the app (least privilege).
    Runs only for `dbt run` / `dbt build` (a compile must not need a
    connection); skipped on DuckDB (no grants), on the fakesnow emulation
    (no GRANT support), and when the gold schema does not exist yet.
-#}
{% macro grant_gold_schema_usage(role='WEB_APP') -%}
    {%- if not execute or flags.WHICH not in ['run', 'build']
        or target.type not in ['postgres', 'snowflake']
        or is_snowflake_emulation() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set database = env_database('gold') -%}
    {%- set schema = env_schema('gold') -%}
    {%- if not adapter.check_schema_exists(database, schema) -%}
        {{ return('') }}
    {%- endif -%}
    {%- if target.type == 'snowflake' %}
    grant usage on database {{ database }} to role {{ role }};
    grant usage on schema {{ database }}.{{ schema }} to role {{ role }};
    {%- else %}
    grant usage on schema {{ schema }} to {{ role }};
    {%- endif %}
{%- endmacro %}
