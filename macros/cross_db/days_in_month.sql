{#-
    Number of days (28..31) of month `month` (1..12) of year `year`, by pure
    integer arithmetic (Gregorian leap years), so a date can be validated
    before it is built: portable and never raises.
-#}
{% macro days_in_month(year, month) -%}
    case
        when {{ month }} = 2
            then
                case
                    when
                        (mod({{ year }}, 4) = 0 and mod({{ year }}, 100) <> 0)
                        or mod({{ year }}, 400) = 0
                        then 29
                    else 28
                end
        when {{ month }} in (4, 6, 9, 11) then 30
        else 31
    end
{%- endmacro %}
