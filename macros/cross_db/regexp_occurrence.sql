{#-
    The `occurrence`-th (1-based) non-overlapping match of `pattern` in
    `expr`, or NULL when there are fewer matches. `occurrence` may be a column.
    PostgreSQL needs version 15+ (regexp_substr).
-#}
{% macro regexp_occurrence(expr, pattern, occurrence) -%}
    {{ return(adapter.dispatch('regexp_occurrence')(expr, pattern, occurrence)) }}
{%- endmacro %}

{% macro default__regexp_occurrence(expr, pattern, occurrence) -%}
    {{ exceptions.raise_compiler_error("regexp_occurrence: no " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__regexp_occurrence(expr, pattern, occurrence) -%}
    regexp_extract_all({{ expr }}, '{{ pattern }}')[{{ occurrence }}]
{%- endmacro %}

{% macro postgres__regexp_occurrence(expr, pattern, occurrence) -%}
    regexp_substr({{ expr }}, '{{ pattern }}', 1, {{ occurrence }})
{%- endmacro %}

{% macro snowflake__regexp_occurrence(expr, pattern, occurrence) -%}
    regexp_substr({{ expr }}, '{{ pattern }}', 1, {{ occurrence }})
{%- endmacro %}
