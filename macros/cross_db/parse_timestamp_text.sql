{#-
    Safe text -> timestamp (no time zone), identical on every adapter; NULL
    when unreadable. Two steps, on COLUMN NAMES (see parse_date_text):
      iso  = canonical_date_text(text_col)   -- recognises date + optional time
      ts   = timestamp_from_iso_and_text(iso, text_col)
    The time after a space or `T` is `HH:MM[:SS[.f]]`, 24-hour, or 12-hour
    with ` AM`/` PM` (`12:05 AM` = 00:05); a date alone is midnight. Hours,
    minutes and seconds out of range -> NULL.
-#}
{% macro timestamp_from_iso_and_text(iso, text_col) -%}
    {%- set norm = "replace(trim(" ~ text_col ~ "), 'T', ' ')" -%}
    {%- set time_part = "split_part(" ~ norm ~ ", ' ', 2)" -%}
    {#- canonical_date_text already checked the shape, so the time is
        `H:MM[:SS[.f]]` with an optional AM/PM suffix, spaced or not. -#}
    {%- set time_24 = "replace(replace(upper(" ~ time_part ~ "), 'AM', ''), 'PM', '')" -%}
    {%- set meridiem = "case when upper(right(" ~ norm ~ ", 2)) in ('AM', 'PM') then upper(right("
        ~ norm ~ ", 2)) else '' end" -%}
    {%- set hh = "cast(split_part(" ~ time_24 ~ ", ':', 1) as integer)" -%}
    {%- set mi = "cast(split_part(" ~ time_24 ~ ", ':', 2) as integer)" -%}
    {#- At most 6 fractional digits reach the cast (SQL Server writes 7). -#}
    {%- set ss_text = "substring(coalesce(nullif(split_part(" ~ time_24
        ~ ", ':', 3), ''), '00'), 1, 9)" -%}
    {%- set ss = "cast(split_part(" ~ ss_text ~ ", '.', 1) as integer)" -%}
    {%- set hh24 = "case when " ~ meridiem ~ " = '' then " ~ hh ~ " else mod(" ~ hh
        ~ ", 12) + case when " ~ meridiem ~ " = 'PM' then 12 else 0 end end" -%}
    case
        when {{ iso_date_text_to_date(iso) }} is not null
            then
                case
                    when {{ time_24 }} = ''
                        then cast({{ iso }} || ' 00:00:00' as timestamp)
                    when
                        (
                            ({{ meridiem }} = '' and {{ hh }} <= 23)
                            or ({{ meridiem }} <> '' and {{ hh }} between 1 and 12)
                        )
                        and {{ mi }} <= 59
                        and {{ ss }} <= 59
                        then
                            cast(
                                {{ iso }} || ' '
                                || lpad(cast({{ hh24 }} as varchar), 2, '0') || ':'
                                || lpad(cast({{ mi }} as varchar), 2, '0') || ':'
                                || {{ ss_text }}
                                as timestamp
                            )
                end
    end
{%- endmacro %}

{% macro parse_timestamp_text(expr) -%}
    {{ timestamp_from_iso_and_text(canonical_date_text(expr), expr) }}
{%- endmacro %}
