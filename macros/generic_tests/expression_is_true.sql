{#-
    Fails for every row where the SQL boolean `expression` is not true
    (false or NULL), optionally only among rows matching `where`. On a column,
    the expression is appended to the column: `expression: ">= 0"`.
    Replaces dbt_utils.expression_is_true.
-#}
{% test expression_is_true(model, expression, column_name=none) %}

{%- set tested = (column_name ~ ' ' ~ expression) if column_name else expression %}

select *
from {{ model }}
where not coalesce({{ tested }}, false)

{% endtest %}
