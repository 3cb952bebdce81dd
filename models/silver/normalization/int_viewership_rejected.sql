{#-
    The quarantine: every bronze row that cannot be normalized, with the
    first reason found (int_viewership_parsed, in check order), the column
    and raw value at fault, and all raw values as uploaded. Nothing is
    dropped silently: per file, bronze rows = normalized + rejected
    (tests/silver/assert_int_viewership_rejected_accounts_for_every_bronze_row).

    Reason codes: unparseable_date, date_before_2000, unparseable_timestamp,
    invalid_year, missing_year, invalid_month, invalid_quarter,
    missing_period, non_numeric_metric, unsupported_data_type.
-#}
{{ config(post_hook="{{ analyze_relation(this) }}") }}
with

bronze as (

    select * from {{ ref('stg_upload__platform_viewership') }}
    {{ records_since_last_run(
        input_expression=utc_timestamp('bronze_loaded_at')
    ) }}

),

parsed as (

    select * from {{ ref('int_viewership_parsed') }}
    {{ records_since_last_run() }}

),

reasons as (

    select
        viewership_id,
        reject_reason,
        reject_column,
        reject_value,
        bronze_loaded_at
    from parsed
    where reject_reason is not null

),

final as (

    select
        -- ids
        cast(bronze.viewership_id as bigint) as viewership_id,
        cast(filename as varchar) as filename,
        cast(platform as varchar) as platform,
        cast(source_row_number as bigint) as source_row_number,

        -- why
        cast(reasons.reject_reason as varchar) as reject_reason,
        cast(reasons.reject_column as varchar) as reject_column,
        cast(reasons.reject_value as varchar) as reject_value,

        -- raw values, as uploaded
        cast(domain as varchar) as domain,
        cast(data_type as varchar) as data_type,
        cast(platform_partner_name as varchar) as platform_partner_name,
        cast(platform_channel_name as varchar) as platform_channel_name,
        cast(platform_territory as varchar) as platform_territory,
        cast(platform_content_name as varchar) as platform_content_name,
        cast(platform_content_id as varchar) as platform_content_id,
        cast(platform_series as varchar) as platform_series,
        cast(partner as varchar) as partner,
        cast(channel as varchar) as channel,
        cast(territory as varchar) as territory,
        cast(date_raw as varchar) as date_raw,
        cast(week_raw as varchar) as week_raw,
        cast(day_raw as varchar) as day_raw,
        cast(month_raw as varchar) as month_raw,
        cast(quarter_raw as varchar) as quarter_raw,
        cast(year_raw as varchar) as year_raw,
        cast(year_month_day_raw as varchar) as year_month_day_raw,
        cast(start_time_raw as varchar) as start_time_raw,
        cast(end_time_raw as varchar) as end_time_raw,
        cast(tot_hov_raw as varchar) as tot_hov_raw,
        cast(tot_mov_raw as varchar) as tot_mov_raw,
        cast(tot_sessions_raw as varchar) as tot_sessions_raw,
        cast(sessions_raw as varchar) as sessions_raw,
        cast(views_raw as varchar) as views_raw,
        cast(unique_viewers_raw as varchar) as unique_viewers_raw,
        cast(tot_completions_raw as varchar) as tot_completions_raw,
        cast(tot_impressions_raw as varchar) as tot_impressions_raw,
        cast(channel_adpool_impressions_raw as varchar)
            as channel_adpool_impressions_raw,
        cast(avg_duration_per_session_raw as varchar)
            as avg_duration_per_session_raw,
        cast(avg_duration_per_viewer_raw as varchar)
            as avg_duration_per_viewer_raw,
        cast(avg_session_count_raw as varchar) as avg_session_count_raw,
        cast(duration_raw as varchar) as duration_raw,
        cast(revenue_raw as varchar) as revenue_raw,
        cast(channel_adpool_revenue_raw as varchar)
            as channel_adpool_revenue_raw,
        cast(city as varchar) as city,
        cast(country as varchar) as country,
        cast(device_id as varchar) as device_id,
        cast(device_name as varchar) as device_name,
        cast(device_type as varchar) as device_type,
        cast(language as varchar) as language,
        cast(viewership_type as varchar) as viewership_type,
        cast(episode_number as varchar) as episode_number,
        cast(season_number as varchar) as season_number,
        cast(ref_id as varchar) as ref_id,
        cast(uploaded_at as timestamp) as uploaded_at,
        cast(reasons.bronze_loaded_at as timestamp) as bronze_loaded_at
    from bronze
    inner join reasons
        on bronze.viewership_id = reasons.viewership_id

)

select * from final
