{#-
    Bucket 5 SERIES_ONLY (DOMAIN §5.3.5), sets ref_id: the active series whose
    primary title equals internal_series (case-insensitive), and a catalog
    title equal to the record's title whose ref_id prefix (before the first
    '-') is that series' code (case-insensitive).
-#}
with

{{ match_bucket_imports(['series', 'title_keys']) }},

eligible as (

    select
        viewership_id,
        bronze_loaded_at,
        series_key,
        title_key
    from match_keys
    where qualifies_series_only

),

candidates as (

    select
        eligible.viewership_id,
        eligible.bronze_loaded_at,
        title_keys.ref_id,
        series.series_id,
        title_keys.asset_title,
        title_keys.is_primary_title as is_primary_title_match
    from eligible
    inner join series
        on
            eligible.series_key = series.series_key
            and series.is_series_active
    inner join title_keys
        on
            eligible.title_key = title_keys.title_key
            and series.series_code_key = title_keys.ref_id_prefix_key

),

{{ match_bucket_final('SERIES_ONLY', 5) }}

select * from final
