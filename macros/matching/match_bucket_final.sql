{#-
    The final CTE of a bucket model: its candidates in the shared candidate
    shape (DOMAIN §5.3) with the bucket's name and priority (RED LINE RL-8:
    FULL_DATA 1 ... TITLE_ONLY 6; governance/redlines.yml checks the literal
    in each bucket's compiled SQL). A bucket with a strict and a fallback
    branch passes branch_from_candidates=true and its candidates carry
    branch and branch_priority; a single-branch bucket is 'strict', 1.
-#}
{% macro match_bucket_final(bucket, bucket_priority, branch_from_candidates=false) -%}
final as (

    select
        -- ids
        viewership_id,
        ref_id,
        series_id,

        -- bucket and rank inputs
        cast('{{ bucket }}' as {{ dbt.type_string() }}) as bucket,
        {{ bucket_priority }} as bucket_priority,
        {%- if branch_from_candidates %}
        branch,
        branch_priority,
        {%- else %}
        cast('strict' as {{ dbt.type_string() }}) as branch,
        1 as branch_priority,
        {%- endif %}
        is_primary_title_match,

        -- attributes
        asset_title,

        -- lineage
        bronze_loaded_at
    from candidates

)
{%- endmacro %}
