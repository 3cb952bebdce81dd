{#-
    Incremental scope of the per-record silver models (issue 9).

    Every per-record silver model is incremental (delete+insert on
    viewership_id) and carries its record's bronze_loaded_at. On an
    incremental run a model processes only the input records stamped after
    the newest record it already holds:

        select * from {{ ref('int_viewership_parsed') }}
        {{ records_since_last_run() }}

    renders `where bronze_loaded_at > (select max(...) from <this model>)`
    (nothing on a first run or a --full-refresh). The models reading bronze
    pass input_expression=utc_timestamp('bronze_loaded_at'): silver keeps
    the stamp as a UTC timestamp without time zone. Why this is exact:
      * bronze stamps each record once, when it is copied, and every model of
        one `dbt run` runs after that copy, so a record newer than a model's
        newest row has not been through that model yet;
      * a model that keeps only some records (rejected, the bucket models,
        matched) may hold no row of the last run: its watermark is then
        older and it processes some records again. delete+insert on
        viewership_id replaces their rows with the same rows: more work,
        never a different result;
      * a crash between two models leaves each model's watermark where its
        last committed insert left it: the next run resumes per model.
    Reference data (catalog, dictionary, deals) is read in full on every
    run: a change applies to records processed from then on. To apply it to
    the history too, rebuild silver: `dbt build --full-refresh --select
    silver+` (bronze and episode_details refuse full refreshes).
    One dbt invocation at a time per environment (as for any dbt project):
    two invocations racing between bronze and silver could stamp records
    out of commit order.
-#}
{% macro records_since_last_run(
    column='bronze_loaded_at', input_expression=none
) -%}
    {%- if is_incremental() %}
    where {{ input_expression or column }} > (
        select coalesce(max({{ column }}), {{ scope_floor() }})
        from {{ this }}
    )
    {%- endif %}
{%- endmacro %}

{#- Older than any record: the watermark of an empty model. -#}
{% macro scope_floor() -%}
    cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
{%- endmacro %}
