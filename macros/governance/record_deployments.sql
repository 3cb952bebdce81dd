{#- Placeholder until the redline work lands: records nothing yet. -#}
{% macro record_deployments(results) -%}
    {{ return('') }}
{%- endmacro %}
