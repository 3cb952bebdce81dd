{#-
    +database in dbt_project.yml names a logical location; the environment
    map gives its physical database (the target's own on DuckDB/PostgreSQL).
-#}
{% macro generate_database_name(custom_database_name, node) -%}
    {%- if custom_database_name is none or node.resource_type == 'test' -%}
        {{ target.database }}
    {%- else -%}
        {{ env_database(custom_database_name | trim) }}
    {%- endif -%}
{%- endmacro %}
