{#-
    Safe text -> numeric(38, 6) cast, identical on every adapter (never
    raises; NULL when the text is not a number). After trim it accepts:
      plain decimals  `-12`, `+3.5`, `.25`, `7.`
      thousands       `1,234,567.89` (groups of exactly 3 digits)
      a leading `$`   `$1,915.36`, `-$5`
      scientific      `1.5e-05`, `2E+3` (read through double precision)
    and rejects anything else (`1,5`, `12 345`, `N/A`, `NaN`, `1174:47:24`)
    and values that do not fit numeric(38, 6) (more than 31 integer digits,
    exponents beyond two digits).
    Blank text is NULL. Callers tell "blank" from "not a number" with
    `nullif(trim(x), '') is not null and parse_numeric_text(x) is null`.
-#}
{% macro parse_numeric_text(expr) -%}
    {%- set t = "trim(" ~ expr ~ ")" -%}
    {%- set stripped = "replace(replace(" ~ t ~ ", '$', ''), ',', '')" -%}
    case
        when
            {{ regexp_full_match(t, '[-+]?[$]?([0-9]+([.][0-9]*)?|[.][0-9]+)|[-+]?[$]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]*)?') }}
            then
                case
                    when {{ regexp_full_match(stripped, '[-+]?[0-9]{0,31}([.][0-9]*)?') }}
                        then cast({{ stripped }} as numeric(38, 6))
                end
        when
            {{ regexp_full_match(t, '[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)[eE][-+]?[0-9]{1,2}') }}
            then
                case
                    when abs(cast({{ t }} as double precision)) < 1e32
                        then cast(cast({{ t }} as double precision) as numeric(38, 6))
                end
    end
{%- endmacro %}

{#- Safe text -> integer: `42`, `-7`, `2025.0`; NULL otherwise. -#}
{% macro parse_integer_text(expr) -%}
    {%- set t = "trim(" ~ expr ~ ")" -%}
    case
        when {{ regexp_full_match(t, '[-+]?[0-9]{1,9}([.]0+)?') }}
            then cast({{ dbt.split_part(t, "'.'", 1) }} as integer)
    end
{%- endmacro %}

{#-
    Integer-like text made canonical, kept as text: `1,001` -> `1001`,
    `12.0` -> `12`, ` 7 ` -> `7`; other text is only trimmed (`S01` stays);
    blank -> NULL. Used for episode/season numbers, which matching compares
    as text after testing `^[0-9]+$`.
-#}
{% macro normalize_integer_text(expr) -%}
    {%- set t = "trim(" ~ expr ~ ")" -%}
    case
        when {{ regexp_full_match(t, '[0-9]{1,3}(,[0-9]{3})+([.]0+)?|[0-9]+([.]0+)?') }}
            then {{ dbt.split_part("replace(" ~ t ~ ", ',', '')", "'.'", 1) }}
        else nullif({{ t }}, '')
    end
{%- endmacro %}
