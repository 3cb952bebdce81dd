{#-
    Fails for every row whose `column_name` lies outside [min_value,
    max_value] (bounds optional; `inclusive: false` makes them strict).
    NULLs pass (combine with not_null). Replaces dbt_utils.accepted_range.
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with

model_rows as (

    select {{ column_name }} as tested_value
    from {{ model }}

)

select tested_value
from model_rows
where
    tested_value is not null
    and (
        1 = 0
        {%- if min_value is not none %}
        or tested_value {{ '<' if inclusive else '<=' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or tested_value {{ '>' if inclusive else '>=' }} {{ max_value }}
        {%- endif %}
    )

{% endtest %}
