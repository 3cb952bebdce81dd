{#-
    Bucket 6 TITLE_ONLY (DOMAIN §5.3.6), sets ref_id, lowest confidence:
    records with a title but neither ref_id nor internal_series; any catalog
    title equal to the record's title, its episode and active series. Exact
    key equality: there is no fuzzy matching (§5.5). Duplicate titles across
    series are resolved by the winner's deterministic tie-break.
-#}
{{ config(meta={'red_lines': ['RL-8']}) }}
with

match_keys as (

    select * from {{ ref('int_viewership_match_keys') }}
    {{ records_since_last_run() }}

),

episodes as (

    select * from {{ ref('int_catalog_episodes_keyed') }}

),

series as (

    select * from {{ ref('int_catalog_series_keyed') }}

),

title_keys as (

    select * from {{ ref('int_catalog_title_keys') }}

),

eligible as (

    select
        viewership_id,
        bronze_loaded_at,
        title_key
    from match_keys
    where qualifies_title_only

),

candidates as (

    select
        eligible.viewership_id,
        eligible.bronze_loaded_at,
        episodes.ref_id,
        episodes.series_id,
        title_keys.asset_title,
        title_keys.is_primary_title as is_primary_title_match
    from eligible
    inner join title_keys
        on eligible.title_key = title_keys.title_key
    inner join episodes
        on title_keys.ref_id_key = episodes.ref_id_key
    inner join series
        on
            episodes.series_id = series.series_id
            and series.is_series_active

),

final as (

    select
        -- ids
        viewership_id,
        ref_id,
        series_id,

        -- bucket and rank inputs
        cast('TITLE_ONLY' as {{ dbt.type_string() }}) as bucket,
        6 as bucket_priority,
        cast('strict' as {{ dbt.type_string() }}) as branch,
        1 as branch_priority,
        is_primary_title_match,

        -- attributes
        asset_title,

        -- lineage
        bronze_loaded_at
    from candidates

)

select * from final
