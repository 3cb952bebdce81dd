{#-
    Why a record has no match: one row per normalized record without a winner
    in int_viewership_matched, with, for each bucket it qualified for
    (DOMAIN §5.1), the reason that bucket produced no candidate (replaces the
    legacy conflicts / flagged_metadata notes, §5.4). NULL = did not qualify.

    Reasons, checked in the order each bucket joins the catalog:
      unknown_ref_id      the record's ref_id is not a catalog episode
      unknown_series      no catalog series (of the ref_id / with that title)
      inactive_series     the series exists but lower(status) <> 'active'
      series_mismatch     REF_ID_SERIES: the ref_id's series is not
                          internal_series
      no_catalog_episode  no episode with that season/episode (and, for
                          SERIES_SEASON_EPISODE, no title match either)
      title_mismatch      no catalog title equals the record's title
      unexplained         none of the above (a test keeps this empty)
    Lookups are aggregated per key first, so every join is an equality join
    that cannot multiply records.
-#}
with

match_keys as (

    select * from {{ ref('int_viewership_match_keys') }}
    {{ records_since_last_run() }}

),

matched as (

    select * from {{ ref('int_viewership_matched') }}

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

unmatched_keys as (

    select match_keys.*
    from match_keys
    where not exists (
        select 1
        from matched
        where matched.viewership_id = match_keys.viewership_id
    )

),

ref_lookup as (

    select
        episodes.ref_id_key,
        min(episodes.season_key) as season_key,
        min(episodes.episode_key) as episode_key,
        max(case when series.series_id is not null then 1 else 0 end)
            as has_series,
        max(case when series.is_series_active then 1 else 0 end)
            as has_active_series,
        min(case when series.is_series_active then series.series_key end)
            as active_series_key
    from episodes
    left join series
        on episodes.series_id = series.series_id
    group by 1

),

series_lookup as (

    select
        series_key,
        max(case when is_series_active then 1 else 0 end) as has_active_series
    from series
    where series_key is not null
    group by 1

),

series_episode_lookup as (

    select distinct
        series.series_key,
        episodes.season_key,
        episodes.episode_key
    from episodes
    inner join series
        on
            episodes.series_id = series.series_id
            and series.is_series_active

),

series_title_lookup as (

    select distinct
        series.series_key,
        title_keys.title_key
    from title_keys
    inner join series
        on
            title_keys.ref_id_prefix_key = series.series_code_key
            and series.is_series_active

),

title_lookup as (

    select
        title_keys.title_key,
        max(case when series.is_series_active then 1 else 0 end)
            as has_active_series
    from title_keys
    inner join episodes
        on title_keys.ref_id_key = episodes.ref_id_key
    inner join series
        on episodes.series_id = series.series_id
    group by 1

),

looked_up as (

    select
        unmatched_keys.*,
        ref_lookup.ref_id_key is not null as is_known_ref_id,
        coalesce(ref_lookup.has_series = 1, false) as has_ref_series,
        coalesce(ref_lookup.has_active_series = 1, false)
            as has_active_ref_series,
        coalesce(
            ref_lookup.active_series_key = unmatched_keys.series_key, false
        ) as is_ref_series_internal_series,
        coalesce(
            ref_lookup.season_key = unmatched_keys.season_key
            and ref_lookup.episode_key = unmatched_keys.episode_key,
            false
        ) as is_ref_season_episode,
        ref_titles.ref_id_key is not null as is_ref_title,
        series_lookup.series_key is not null as is_known_series,
        coalesce(series_lookup.has_active_series = 1, false)
            as is_active_series,
        series_episode_lookup.series_key is not null as is_series_episode,
        series_title_lookup.series_key is not null as is_series_title,
        title_lookup.title_key is not null as is_catalog_title,
        coalesce(title_lookup.has_active_series = 1, false)
            as is_active_catalog_title
    from unmatched_keys
    left join ref_lookup
        on unmatched_keys.ref_id_key = ref_lookup.ref_id_key
    left join title_keys as ref_titles
        on
            unmatched_keys.ref_id_key = ref_titles.ref_id_key
            and unmatched_keys.title_key = ref_titles.title_key
    left join series_lookup
        on unmatched_keys.series_key = series_lookup.series_key
    left join series_episode_lookup
        on
            unmatched_keys.series_key = series_episode_lookup.series_key
            and unmatched_keys.season_key = series_episode_lookup.season_key
            and unmatched_keys.episode_key = series_episode_lookup.episode_key
    left join series_title_lookup
        on
            unmatched_keys.series_key = series_title_lookup.series_key
            and unmatched_keys.title_key = series_title_lookup.title_key
    left join title_lookup
        on unmatched_keys.title_key = title_lookup.title_key

),

reasons as (

    select
        *,
        case
            when not qualifies_full_data then null
            when not is_known_ref_id then 'unknown_ref_id'
            when not has_ref_series then 'unknown_series'
            when not has_active_ref_series then 'inactive_series'
            when not is_ref_season_episode then 'no_catalog_episode'
            when not is_ref_title then 'title_mismatch'
            else 'unexplained'
        end as full_data_failure,
        case
            when not qualifies_ref_id_series then null
            when not is_known_ref_id then 'unknown_ref_id'
            when not has_ref_series then 'unknown_series'
            when not has_active_ref_series then 'inactive_series'
            when not is_ref_series_internal_series then 'series_mismatch'
            else 'unexplained'
        end as ref_id_series_failure,
        case
            when not qualifies_ref_id_only then null
            when not is_known_ref_id then 'unknown_ref_id'
            when not has_ref_series then 'unknown_series'
            when not has_active_ref_series then 'inactive_series'
            when not is_ref_title then 'title_mismatch'
            else 'unexplained'
        end as ref_id_only_failure,
        case
            when not qualifies_series_season_episode then null
            when is_active_catalog_title then 'unexplained'
            when not is_known_series then 'unknown_series'
            when not is_active_series then 'inactive_series'
            when not is_series_episode then 'no_catalog_episode'
            else 'unexplained'
        end as series_season_episode_failure,
        case
            when not qualifies_series_only then null
            when not is_known_series then 'unknown_series'
            when not is_active_series then 'inactive_series'
            when not is_series_title then 'title_mismatch'
            else 'unexplained'
        end as series_only_failure,
        case
            when not qualifies_title_only then null
            when not is_catalog_title then 'title_mismatch'
            when not is_active_catalog_title then 'inactive_series'
            else 'unexplained'
        end as title_only_failure
    from looked_up

),

final as (

    select
        -- ids
        viewership_id,
        filename,
        platform,

        -- qualification
        is_duplicate_upload,
        cast(
            nullif(rtrim(
                case when qualifies_full_data then 'FULL_DATA,' else '' end
                || case
                    when qualifies_ref_id_series
                        then 'REF_ID_SERIES,'
                    else ''
                end
                || case
                    when qualifies_ref_id_only
                        then 'REF_ID_ONLY,'
                    else ''
                end
                || case
                    when qualifies_series_season_episode
                        then 'SERIES_SEASON_EPISODE,'
                    else ''
                end
                || case
                    when qualifies_series_only
                        then 'SERIES_ONLY,'
                    else ''
                end
                || case
                    when qualifies_title_only
                        then 'TITLE_ONLY,'
                    else ''
                end,
                ','
            ), '')
            as {{ dbt.type_string() }}
        ) as qualified_buckets,

        -- failure per bucket (NULL = did not qualify)
        cast(full_data_failure as {{ dbt.type_string() }})
            as full_data_failure,
        cast(ref_id_series_failure as {{ dbt.type_string() }})
            as ref_id_series_failure,
        cast(ref_id_only_failure as {{ dbt.type_string() }})
            as ref_id_only_failure,
        cast(series_season_episode_failure as {{ dbt.type_string() }})
            as series_season_episode_failure,
        cast(series_only_failure as {{ dbt.type_string() }})
            as series_only_failure,
        cast(title_only_failure as {{ dbt.type_string() }})
            as title_only_failure,

        -- first failure in bucket order, or why no bucket applied
        cast(
            case
                when is_duplicate_upload then 'duplicate_upload'
                else coalesce(
                    full_data_failure,
                    ref_id_series_failure,
                    ref_id_only_failure,
                    series_season_episode_failure,
                    series_only_failure,
                    title_only_failure,
                    'no_identifiers'
                )
            end
            as {{ dbt.type_string() }}
        ) as match_failure_reason,

        -- lineage
        bronze_loaded_at
    from reasons

)

select * from final
