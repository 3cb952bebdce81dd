{#-
    Bucket 1 FULL_DATA (DOMAIN §5.3.1): the catalog episode of the record's
    ref_id with the same season and episode, in an active series, whose
    metadata (keyed on THAT ref_id: [BUG] fixed, the legacy joined any
    metadata row) has the record's title. Emits candidates only; the winner
    is chosen in int_viewership_matched.
-#}
with

{{ match_bucket_imports(['episodes', 'series', 'title_keys']) }},

eligible as (

    select
        viewership_id,
        bronze_loaded_at,
        ref_id_key,
        title_key,
        season_key,
        episode_key
    from match_keys
    where qualifies_full_data

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
        on
            eligible.ref_id_key = episodes.ref_id_key
            and eligible.season_key = episodes.season_key
            and eligible.episode_key = episodes.episode_key
    inner join series
        on
            episodes.series_id = series.series_id
            and series.is_series_active
    inner join title_keys
        on
            eligible.ref_id_key = title_keys.ref_id_key
            and eligible.title_key = title_keys.title_key

),

{{ match_bucket_final('FULL_DATA', 1) }}

select * from final
