{#-
    Normalization output (phase '1', red line RL-4): every bronze row that
    could be normalized, with dates (int_viewership_parsed), deal
    (int_viewership_deals_assigned), internal series
    (int_viewership_internal_series_assigned) and ref_id
    (int_viewership_ref_ids_assigned). The other bronze rows are in
    int_viewership_rejected. Columns and types: the contract in
    _normalization__models.yml (CONTRACTS.md).
-#}
{{ config(post_hook="{{ analyze_relation(this) }}") }}
{%- set metrics = [
    'tot_hov', 'tot_mov', 'tot_sessions', 'sessions', 'views',
    'unique_viewers', 'tot_completions', 'tot_impressions',
    'channel_adpool_impressions', 'avg_duration_per_session',
    'avg_duration_per_viewer', 'avg_session_count', 'duration',
    'revenue', 'channel_adpool_revenue',
] -%}
{%- set attributes = [
    'city', 'country', 'device_id', 'device_name', 'device_type', 'language',
    'viewership_type', 'episode_number', 'season_number',
] -%}

with

parsed as (

    select * from {{ ref('int_viewership_parsed') }}
    {{ records_since_last_run() }}

),

deals as (

    select * from {{ ref('int_viewership_deals_assigned') }}
    {{ records_since_last_run() }}

),

internal_series as (

    select * from {{ ref('int_viewership_internal_series_assigned') }}
    {{ records_since_last_run() }}

),

ref_ids as (

    select * from {{ ref('int_viewership_ref_ids_assigned') }}
    {{ records_since_last_run() }}

),

accepted as (

    select *
    from parsed
    where reject_reason is null

),

final as (

    select
        -- ids
        cast(accepted.viewership_id as bigint) as viewership_id,
        cast(accepted.filename as varchar) as filename,
        cast(accepted.source_row_number as bigint) as source_row_number,
        cast(accepted.platform as varchar) as platform,
        cast(accepted.domain as varchar) as domain,
        cast(accepted.data_type as varchar) as data_type,

        -- raw identity
        cast(accepted.platform_partner_name as varchar)
            as platform_partner_name,
        cast(accepted.platform_channel_name as varchar)
            as platform_channel_name,
        cast(accepted.platform_territory as varchar) as platform_territory,
        cast(accepted.platform_content_name as varchar)
            as platform_content_name,
        cast(accepted.platform_content_id as varchar) as platform_content_id,
        cast(accepted.platform_series as varchar) as platform_series,

        -- deal
        cast(deals.deal_parent as bigint) as deal_parent,
        cast(coalesce(deals.deal_candidate_count, 0) as integer)
            as deal_candidate_count,
        cast(deals.partner as varchar) as partner,
        cast(deals.channel as varchar) as channel,
        cast(deals.channel_id as integer) as channel_id,
        cast(deals.territory as varchar) as territory,
        cast(deals.territory_id as integer) as territory_id,

        -- dates
        cast(accepted.date_day as date) as date_day,
        cast(accepted.full_date as varchar) as full_date,
        cast(accepted.week as date) as week,
        cast(accepted.day as integer) as day,
        cast(accepted.month as integer) as month,
        cast(accepted.quarter as varchar) as quarter,
        cast(accepted.year as integer) as year,
        cast(accepted.year_month_day as varchar) as year_month_day,
        cast(accepted.date_grain as varchar) as date_grain,
        cast(accepted.has_date_conflict as boolean) as has_date_conflict,
        cast(accepted.start_time as timestamp) as start_time,
        cast(accepted.end_time as timestamp) as end_time,

        -- metrics
        {%- for metric in metrics %}
        cast(accepted.{{ metric }} as numeric(38, 6)) as {{ metric }},
        {%- endfor %}

        -- attributes
        {%- for attribute in attributes %}
        cast(accepted.{{ attribute }} as varchar) as {{ attribute }},
        {%- endfor %}

        -- matching keys
        cast(internal_series.internal_series as varchar) as internal_series,
        cast(ref_ids.ref_id as varchar) as ref_id,

        -- lineage
        cast(accepted.uploaded_at as timestamp) as uploaded_at,
        cast(accepted.bronze_loaded_at as timestamp) as bronze_loaded_at,
        cast('1' as varchar) as phase
    from accepted
    left join deals
        on accepted.viewership_id = deals.viewership_id
    left join internal_series
        on accepted.viewership_id = internal_series.viewership_id
    left join ref_ids
        on accepted.viewership_id = ref_ids.viewership_id

)

select * from final
