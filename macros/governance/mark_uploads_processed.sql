{#-
    Post-hook of the bronze move model: mark upload rows processed once they
    are safely in bronze. The id semi-join means a row that is not in bronze
    is never marked; rows already marked are left alone. Runs in the model's
    transaction where the adapter has one.
-#}
{% macro mark_uploads_processed() -%}
    update {{ source('upload', 'platform_viewership') }}
    set processed = true
    where
        (processed is null or processed = false)
        and id in (select viewership_id from {{ this }})
{%- endmacro %}
