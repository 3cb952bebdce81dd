{#- Trimmed text, '' -> NULL ("non-blank" in DOMAIN §5.1 = NOT NULL and TRIM <> ''). -#}
{% macro blank_to_null(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}
