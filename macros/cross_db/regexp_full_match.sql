{#-
    True when the WHOLE of `expr` matches the regular expression `pattern`
    (a Jinja string; write it without backslashes, e.g. `[.]`, `[0-9]`, so it
    reads the same in every adapter's string literal). NULL input -> NULL.
    Snowflake REGEXP_LIKE is implicitly anchored; DuckDB has
    regexp_full_match; PostgreSQL needs explicit anchors around the pattern.
-#}
{% macro regexp_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expr, pattern) -%}
    {{ exceptions.raise_compiler_error("regexp_full_match: no " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__regexp_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_full_match(expr, pattern) -%}
    ({{ expr }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro snowflake__regexp_full_match(expr, pattern) -%}
    regexp_like({{ expr }}, '^({{ pattern }})$')
{%- endmacro %}
