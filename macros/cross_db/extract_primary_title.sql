{#-
    EXTRACT_PRIMARY_TITLE (DOMAIN §4.6) as a portable expression. `titles` is
    a catalog series' comma-separated, language-suffixed list such as
    `Maury-en, Maury-es`. Parts are split on commas and trimmed (spaces); the
    first part ending in `-en` is returned without that suffix; otherwise the
    first part, without a trailing `-xx` two-letter lower-case suffix when it
    has one. NULL or blank input -> NULL. Legacy edge cases kept on purpose:
    a title that itself contains a comma is split; upper-case suffixes (`-EN`)
    are not stripped.
-#}
{% macro extract_primary_title(titles) -%}
    {%- set parts = regexp_replace_all("(',' || " ~ titles ~ " || ',')", " *, *", ",") -%}
    {%- set english = regexp_occurrence(parts, ",[^,]*-en,", 1) -%}
    {%- set first = dbt.split_part(parts, "','", 2) -%}
    case
        when nullif(trim({{ titles }}), '') is null then null
        when {{ string_position("'-en,'", parts) }} > 0
            then nullif(substring({{ english }}, 2, length({{ english }}) - 5), '')
        when {{ regexp_full_match(first, '.+-[a-z]{2}') }}
            then substring({{ first }}, 1, length({{ first }}) - 3)
        else nullif({{ first }}, '')
    end
{%- endmacro %}
