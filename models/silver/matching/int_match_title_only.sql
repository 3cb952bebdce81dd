{#-
    Bucket 6 TITLE_ONLY (DOMAIN §5.3.6), sets ref_id, lowest confidence:
    records with a title but neither ref_id nor internal_series; any catalog
    title equal to the record's title, its episode and active series. Exact
    key equality: there is no fuzzy matching (§5.5). Duplicate titles across
    series are resolved by the winner's deterministic tie-break.
-#}
with

{{ match_bucket_imports(['episodes', 'series', 'title_keys']) }},

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

{{ match_bucket_final('TITLE_ONLY', 6) }}

select * from final
