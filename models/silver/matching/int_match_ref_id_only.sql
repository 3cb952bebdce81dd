{#-
    Bucket 3 REF_ID_ONLY (DOMAIN §5.3.3): records with a ref_id and no
    internal_series; the catalog episode of the ref_id in an active series,
    whose metadata (keyed on that ref_id: [BUG] fixed) has the record's
    title. No fallback (legacy has none).
-#}
with

{{ match_bucket_imports(['episodes', 'series', 'title_keys']) }},

eligible as (

    select
        viewership_id,
        bronze_loaded_at,
        ref_id_key,
        title_key
    from match_keys
    where qualifies_ref_id_only

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
    inner join episodes
        on eligible.ref_id_key = episodes.ref_id_key
    inner join series
        on
            episodes.series_id = series.series_id
            and series.is_series_active
    inner join title_keys
        on
            eligible.ref_id_key = title_keys.ref_id_key
            and eligible.title_key = title_keys.title_key

),

{{ match_bucket_final('REF_ID_ONLY', 3) }}

select * from final
