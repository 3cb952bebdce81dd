{#-
    episode_details version 1 (deprecated): the legacy column set of DOMAIN
    §2.4 (viewership insert columns plus processed, tot_impressions, partner),
    as a view over the latest version. New consumers use v2 (latest).
-#}
{{
    config(
        materialized='view',
        alias=env_location('episode_details_table') ~ '_v1',
    )
}}

with

episode_details as (

    select * from {{ ref('fct_episode_details', v=2) }}

),

final as (

    select
        viewership_id,
        ref_id,
        deal_parent,
        platform_content_name,
        platform_series,
        asset_title,
        asset_series,
        content_provider,
        month,
        year_month_day,
        channel,
        channel_id,
        territory,
        territory_id,
        sessions,
        minutes,
        hours,
        year,
        quarter,
        platform,
        viewership_partner,
        domain,
        label,
        filename,
        phase,
        week,
        day,
        unique_viewers,
        platform_content_id,
        views,
        platform_partner_name,
        platform_channel_name,
        platform_territory,
        start_time,
        end_time,
        tot_completions,
        full_date,
        processed,
        tot_impressions,
        partner
    from episode_details

)

select * from final
