{#-
    Season/episode key (DOMAIN §5.1: "numeric" means ^[0-9]+$). Returns the
    digits without leading zeros ('01' -> '1', '0' -> '0') when the trimmed
    text is digits only, else NULL. Portable without regex: translate()
    deletes the digits and a numeric value leaves nothing behind.
    Decision: leading zeros are ignored, so catalog season 1 matches file
    season '01' (the legacy compared raw text and never matched them).
-#}
{% macro numeric_text_key(expression) -%}
    case
        when trim({{ expression }}) <> ''
            and translate(trim({{ expression }}), '0123456789', '') = ''
            then coalesce(nullif(ltrim(trim({{ expression }}), '0'), ''), '0')
    end
{%- endmacro %}
