{#-
    Date parsing from text, identical on every adapter (regex-recognised
    formats, validated calendar parts; never raises, never guesses).

    canonical_date_text(expr) -> 'YYYY-MM-DD' text for a recognised format,
    else NULL (not yet checked against the calendar). Recognised, after trim:
      YYYYMMDD (text, or an integer read as text, also `20250701.0`)
      YYYY-MM-DD, YYYY/MM/DD             (1- or 2-digit month and day)
      MM/DD/YYYY, MM-DD-YYYY             (month first, 1 or 2 digits)
      M/D/YY, M-D-YY                     (century: YY > 50 -> 19YY else 20YY)
    each optionally followed by a time `[ T]HH:MM[:SS[.f]][ AM|PM]`, which is
    dropped. Anything else (1970 epoch offsets, day names, `2025-13-01`) is
    not a date.

    iso_date_text_to_date(iso) -> DATE from canonical text, NULL when the
    month is not 1..12 or the day does not exist in that month (2025-02-30).

    parse_date_text(expr) = iso_date_text_to_date(canonical_date_text(expr)).
    Pass COLUMN NAMES, not expressions: each macro repeats its argument
    several times. In a model compute `canonical_date_text(col)` in one CTE
    and `iso_date_text_to_date(iso_col)` in the next, so the compiled SQL
    stays small (parse_date_text nests them and is for one-off use).
-#}
{% macro date_time_suffix_pattern() -%}
    {{- return("([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?( ?[AaPp][Mm])?)?") -}}
{%- endmacro %}

{% macro canonical_date_text(expr) -%}
    {%- set t = "trim(" ~ expr ~ ")" -%}
    {%- set time = date_time_suffix_pattern() -%}
    {#- split_part is native with the same meaning on all three adapters
        (out-of-range part -> ''); dbt.split_part renders DuckDB list
        indexing, which yields NULL instead. -#}
    {%- set d = "replace(split_part(split_part(" ~ t ~ ", ' ', 1), 'T', 1), '/', '-')" -%}
    {%- set p1 = "split_part(" ~ d ~ ", '-', 1)" -%}
    {%- set p2 = "split_part(" ~ d ~ ", '-', 2)" -%}
    {%- set p3 = "split_part(" ~ d ~ ", '-', 3)" -%}
    case
        when {{ regexp_full_match(t, '[0-9]{8}([.]0+)?') }}
            then
                substring({{ t }}, 1, 4) || '-' || substring({{ t }}, 5, 2)
                || '-' || substring({{ t }}, 7, 2)
        when
            {{ regexp_full_match(t, '([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2})' ~ time) }}
            then
                {{ p1 }} || '-' || lpad({{ p2 }}, 2, '0')
                || '-' || lpad({{ p3 }}, 2, '0')
        when
            {{ regexp_full_match(t, '([0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{1,2}-[0-9]{1,2}-[0-9]{4})' ~ time) }}
            then
                {{ p3 }} || '-' || lpad({{ p1 }}, 2, '0')
                || '-' || lpad({{ p2 }}, 2, '0')
        when
            {{ regexp_full_match(t, '([0-9]{1,2}/[0-9]{1,2}/[0-9]{2}|[0-9]{1,2}-[0-9]{1,2}-[0-9]{2})' ~ time) }}
            then
                case when cast({{ p3 }} as integer) > 50 then '19' else '20' end
                || {{ p3 }} || '-' || lpad({{ p1 }}, 2, '0')
                || '-' || lpad({{ p2 }}, 2, '0')
    end
{%- endmacro %}

{% macro iso_date_text_to_date(iso) -%}
    {%- set y = "cast(substring(" ~ iso ~ ", 1, 4) as integer)" -%}
    {%- set m = "cast(substring(" ~ iso ~ ", 6, 2) as integer)" -%}
    {%- set d = "cast(substring(" ~ iso ~ ", 9, 2) as integer)" -%}
    case
        when {{ iso }} is not null
            then
                case
                    when {{ y }} >= 1 and {{ m }} between 1 and 12
                        then
                            case
                                when {{ d }} between 1 and {{ days_in_month(y, m) }}
                                    then {{ date_from_parts(y, m, d) }}
                            end
                end
    end
{%- endmacro %}

{% macro parse_date_text(expr) -%}
    {{ iso_date_text_to_date(canonical_date_text(expr)) }}
{%- endmacro %}
