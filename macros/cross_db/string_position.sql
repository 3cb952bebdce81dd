{#-
    1-based position of the first occurrence of `needle` in `haystack` as a
    LITERAL string (no pattern characters: `%`, `_`, `.` mean themselves),
    0 when absent, NULL when either side is NULL. Case-sensitive: lower() both
    sides for a case-insensitive test. Replaces Snowflake CONTAINS/LIKE '%x%'.
-#}
{% macro string_position(needle, haystack) -%}
    {{ return(adapter.dispatch('string_position')(needle, haystack)) }}
{%- endmacro %}

{% macro default__string_position(needle, haystack) -%}
    {{ exceptions.raise_compiler_error("string_position: no " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__string_position(needle, haystack) -%}
    strpos({{ haystack }}, {{ needle }})
{%- endmacro %}

{% macro postgres__string_position(needle, haystack) -%}
    strpos({{ haystack }}, {{ needle }})
{%- endmacro %}

{% macro snowflake__string_position(needle, haystack) -%}
    position({{ needle }}, {{ haystack }})
{%- endmacro %}
