{#-
    Bucket 4 SERIES_SEASON_EPISODE (DOMAIN §5.3.4), sets ref_id.
    - strict (legacy pass 1): the active series whose primary title equals
      internal_series (case-insensitive: [BUG] fixed, pass 1 was
      case-sensitive) and its episode with the same season and episode
      numbers. No title needed (§5.1 bucket predicate).
    - fallback (legacy pass 2): any catalog title equal to the record's
      title, its episode and active series. Like the legacy, pass 2 does not
      check that the series equals internal_series. Strict beats fallback in
      the winner (branch_priority), as pass 2 only ran on pass-1 leftovers.
-#}
with

{{ match_bucket_imports(['episodes', 'series', 'title_keys']) }},

eligible as (

    select
        viewership_id,
        bronze_loaded_at,
        series_key,
        title_key,
        season_key,
        episode_key
    from match_keys
    where qualifies_series_season_episode

),

candidates as (

    -- strict branch (pass 1): series + season + episode
    select
        eligible.viewership_id,
        eligible.bronze_loaded_at,
        episodes.ref_id,
        episodes.series_id,
        episodes.primary_title as asset_title,
        false as is_primary_title_match,
        cast('strict' as {{ dbt.type_string() }}) as branch,
        1 as branch_priority
    from eligible
    inner join series
        on
            eligible.series_key = series.series_key
            and series.is_series_active
    inner join episodes
        on
            series.series_id = episodes.series_id
            and eligible.season_key = episodes.season_key
            and eligible.episode_key = episodes.episode_key

    union all

    -- fallback branch (pass 2): title only
    select
        eligible.viewership_id,
        eligible.bronze_loaded_at,
        episodes.ref_id,
        episodes.series_id,
        title_keys.asset_title,
        title_keys.is_primary_title as is_primary_title_match,
        cast('fallback' as {{ dbt.type_string() }}) as branch,
        2 as branch_priority
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

{{ match_bucket_final(
    'SERIES_SEASON_EPISODE', 4, branch_from_candidates=true
) }}

select * from final
