{#- FIRST CUT (contract skeleton): naive logic, every contract column typed. -#}
with

bronze as (

    select * from {{ ref('stg_upload__platform_viewership') }}

),

final as (

    select
        -- ids
        cast(viewership_id as bigint) as viewership_id,
        cast(filename as varchar) as filename,
        cast(source_row_number as bigint) as source_row_number,
        cast(platform as varchar) as platform,
        cast(domain as varchar) as domain,
        cast(data_type as varchar) as data_type,

        -- raw identity
        cast(nullif(trim(platform_partner_name), '') as varchar) as platform_partner_name,
        cast(nullif(trim(platform_channel_name), '') as varchar) as platform_channel_name,
        cast(nullif(trim(platform_territory), '') as varchar) as platform_territory,
        cast(nullif(trim(platform_content_name), '') as varchar) as platform_content_name,
        cast(nullif(trim(platform_content_id), '') as varchar) as platform_content_id,
        cast(nullif(trim(platform_series), '') as varchar) as platform_series,

        -- deal
        cast(null as bigint) as deal_parent,
        cast(0 as integer) as deal_candidate_count,
        cast(partner as varchar) as partner,
        cast(channel as varchar) as channel,
        cast(null as integer) as channel_id,
        cast(territory as varchar) as territory,
        cast(null as integer) as territory_id,

        -- dates
        cast(null as date) as date_day,
        cast(null as varchar) as full_date,
        cast(null as date) as week,
        cast(null as integer) as day,
        cast(null as integer) as month,
        cast(lower(quarter_raw) as varchar) as quarter,
        cast(null as integer) as year,
        cast(year_month_day_raw as varchar) as year_month_day,
        cast('monthly' as varchar) as date_grain,
        cast(false as boolean) as has_date_conflict,
        cast(null as timestamp) as start_time,
        cast(null as timestamp) as end_time,

        -- metrics
        {%- for metric in ['tot_hov', 'tot_mov', 'tot_sessions', 'sessions', 'views',
            'unique_viewers', 'tot_completions', 'tot_impressions',
            'channel_adpool_impressions', 'avg_duration_per_session',
            'avg_duration_per_viewer', 'avg_session_count', 'duration',
            'revenue', 'channel_adpool_revenue'] %}
        cast(null as numeric(38, 6)) as {{ metric }},
        {%- endfor %}

        -- attributes
        cast(city as varchar) as city,
        cast(country as varchar) as country,
        cast(device_id as varchar) as device_id,
        cast(device_name as varchar) as device_name,
        cast(device_type as varchar) as device_type,
        cast(language as varchar) as language,
        cast(viewership_type as varchar) as viewership_type,
        cast(episode_number as varchar) as episode_number,
        cast(season_number as varchar) as season_number,

        -- matching keys
        cast(null as varchar) as internal_series,
        cast(ref_id as varchar) as ref_id,

        -- lineage
        cast(uploaded_at as timestamp) as uploaded_at,
        cast('1' as varchar) as phase
    from bronze

)

select * from final
