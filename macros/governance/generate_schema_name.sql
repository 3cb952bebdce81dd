{#-
    +schema in dbt_project.yml names a logical location (bronze, silver,
    gold, snapshots); the environment map gives its physical schema. Stored
    test failures (dbt_test__audit) keep dbt's default naming.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif node.resource_type == 'test' -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- else -%}
        {{ env_schema(custom_schema_name | trim) }}
    {%- endif -%}
{%- endmacro %}
