{#-
    Move to staging (legacy MOVE_STREAMLIT_DATA_TO_STAGING, DOMAIN §3).

    Copies every upload row that has not been processed and has no phase,
    exactly once, typed and renamed but not normalized, with phase '0'.
    RED LINE RL-1 (absolute): the two predicates in `pending` must stay.
    Without them rows already processed are copied again (2025-12-02).

    After the copy a post-hook marks the copied upload rows processed = TRUE;
    it marks only ids that are already in this table, so a row that did not
    reach bronze is never marked. full_refresh is disabled: bronze holds the
    history and the upload table no longer offers processed rows.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='viewership_id',
        full_refresh=false,
        on_schema_change='fail',
        post_hook="{{ mark_uploads_processed() }}",
    )
}}

with

upload as (

    select * from {{ source('upload', 'platform_viewership') }}

),

pending as (

    select *
    from upload
    where
        (processed is null or processed = false)
        and (phase is null or phase = '')

),

{% if is_incremental() %}

already_copied as (

    select viewership_id from {{ this }}

),

new_rows as (

    select pending.*
    from pending
    where not exists (
        select 1
        from already_copied
        where already_copied.viewership_id = pending.id
    )

),
{% else %}

new_rows as (

    select * from pending

),
{% endif %}

final as (

    select
        -- ids and batch key
        cast(id as bigint) as viewership_id,
        cast(filename as {{ dbt.type_string() }}) as filename,
        cast(source_row_number as bigint) as source_row_number,

        -- upload identity, as supplied
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(domain as {{ dbt.type_string() }}) as domain,
        cast(data_type as {{ dbt.type_string() }}) as data_type,
        cast(platform_partner_name as {{ dbt.type_string() }})
            as platform_partner_name,
        cast(platform_channel_name as {{ dbt.type_string() }})
            as platform_channel_name,
        cast(platform_territory as {{ dbt.type_string() }})
            as platform_territory,
        cast(platform_content_name as {{ dbt.type_string() }})
            as platform_content_name,
        cast(platform_content_id as {{ dbt.type_string() }})
            as platform_content_id,
        cast(platform_series as {{ dbt.type_string() }}) as platform_series,
        cast(partner as {{ dbt.type_string() }}) as partner,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(territory as {{ dbt.type_string() }}) as territory,

        -- dates as uploaded (parsed in silver)
        cast(date as {{ dbt.type_string() }}) as date_raw,
        cast(week as {{ dbt.type_string() }}) as week_raw,
        cast(day as {{ dbt.type_string() }}) as day_raw,
        cast(month as {{ dbt.type_string() }}) as month_raw,
        cast(quarter as {{ dbt.type_string() }}) as quarter_raw,
        cast(year as {{ dbt.type_string() }}) as year_raw,
        cast(year_month_day as {{ dbt.type_string() }}) as year_month_day_raw,
        cast(start_time as {{ dbt.type_string() }}) as start_time_raw,
        cast(end_time as {{ dbt.type_string() }}) as end_time_raw,

        -- metrics as uploaded (parsed in silver, which quarantines junk)
        cast(tot_hov as {{ dbt.type_string() }}) as tot_hov_raw,
        cast(tot_mov as {{ dbt.type_string() }}) as tot_mov_raw,
        cast(tot_sessions as {{ dbt.type_string() }}) as tot_sessions_raw,
        cast(sessions as {{ dbt.type_string() }}) as sessions_raw,
        cast(views as {{ dbt.type_string() }}) as views_raw,
        cast(unique_viewers as {{ dbt.type_string() }}) as unique_viewers_raw,
        cast(tot_completions as {{ dbt.type_string() }}) as tot_completions_raw,
        cast(tot_impressions as {{ dbt.type_string() }}) as tot_impressions_raw,
        cast(channel_adpool_impressions as {{ dbt.type_string() }})
            as channel_adpool_impressions_raw,
        cast(avg_duration_per_session as {{ dbt.type_string() }})
            as avg_duration_per_session_raw,
        cast(avg_duration_per_viewer as {{ dbt.type_string() }})
            as avg_duration_per_viewer_raw,
        cast(avg_session_count as {{ dbt.type_string() }})
            as avg_session_count_raw,
        cast(duration as {{ dbt.type_string() }}) as duration_raw,
        cast(revenue as {{ dbt.type_string() }}) as revenue_raw,
        cast(channel_adpool_revenue as {{ dbt.type_string() }})
            as channel_adpool_revenue_raw,

        -- attributes and identifiers
        cast(city as {{ dbt.type_string() }}) as city,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(device_id as {{ dbt.type_string() }}) as device_id,
        cast(device_name as {{ dbt.type_string() }}) as device_name,
        cast(device_type as {{ dbt.type_string() }}) as device_type,
        cast(language as {{ dbt.type_string() }}) as language,
        cast(viewership_type as {{ dbt.type_string() }}) as viewership_type,
        cast(episode_number as {{ dbt.type_string() }}) as episode_number,
        cast(season_number as {{ dbt.type_string() }}) as season_number,
        cast(ref_id as {{ dbt.type_string() }}) as ref_id,

        -- lineage
        cast(load_timestamp as timestamp) as uploaded_at,
        cast('0' as {{ dbt.type_string() }}) as phase,
        {{ dbt.current_timestamp() }} as bronze_loaded_at
    from new_rows

)

select * from final
