{#-
    Title key for asset matching (DOMAIN §5.2): remove every character that is
    not an ASCII letter or digit (ALL occurrences: regexp_replace_all), then
    lower-case ("Confrontación" -> "confrontacin", "The Show: Episode 1" ->
    "theshowepisode1"). A title with nothing left has no key (NULL), so
    punctuation-only titles never match each other. Computed ONCE per record
    and once per catalog title (PERFORMANCE.md): joins compare keys by
    equality, never an OR over function calls.
-#}
{% macro normalized_title_key(expression) -%}
    nullif(lower({{ regexp_replace_all(expression, '[^A-Za-z0-9]', '') }}), '')
{%- endmacro %}
