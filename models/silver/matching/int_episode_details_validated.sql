{#-
    Matched records expanded to episode_details labels and validated
    (DOMAIN §6.2-6.3), still phase '2': one row per matched record and label.

    Labels (decision): data_type Viewership -> Viewership; Revenue -> Revenue;
    Viewership_Revenue -> Viewership, plus Revenue when the record has a
    non-zero revenue (a combined file's row without revenue has no revenue
    line; the legacy instead deleted such rows, [BUG] §6.1).
    Viewership metrics (hours, minutes, sessions, views, impressions...)
    belong to the record's primary label row (Viewership when present), so
    every sum over episode_details counts a record once.

    Validation, first failing rule in the legacy order:
      Revenue:    deal_parent, revenue not null, revenue > 0, year, quarter,
                  year_month_day
      Viewership: deal_parent (required by the insert, §6.3), tot_hov,
                  tot_mov, year, quarter (week/day are NOT required)
    A record is valid only when every label row is valid; invalid records go
    to fct_viewership_unmatched as failed_validation_<rule>, never lost.

    Narrow (issue 18): one row per record and label with the record key, the
    label, the validity and revenue (the validated amount), not the record's
    other columns again: fct_episode_details joins them from
    int_viewership_matched (measured at 1M rows on DuckDB: this model
    15.0 -> 3.3 s, fct_episode_details 15.9 -> 10.3 s, same rows).
-#}

with

matched as (

    select * from {{ ref('int_viewership_matched') }}
    {{ records_since_last_run() }}

),

completed_matching as (

    {#- RL-4: the final insert reads only rows that completed matching. -#}
    select *
    from matched
    where phase = '2'

),

checked as (

    {#- Rules per label, evaluated once per record (no window needed). -#}
    select
        *,
        coalesce(
            lower(data_type) in ('viewership', 'viewership_revenue'), false
        ) as has_viewership_label,
        coalesce(
            lower(data_type) = 'revenue'
            or (
                lower(data_type) = 'viewership_revenue'
                and revenue is not null
                and revenue <> 0
            ),
            false
        ) as has_revenue_label,
        case
            when deal_parent is null then 'missing_deal_parent'
            when tot_hov is null then 'missing_tot_hov'
            when tot_mov is null then 'missing_tot_mov'
            when year is null then 'missing_year'
            when quarter is null then 'missing_quarter'
        end as viewership_failure,
        case
            when deal_parent is null then 'missing_deal_parent'
            when revenue is null then 'missing_revenue'
            when revenue <= 0 then 'non_positive_revenue'
            when year is null then 'missing_year'
            when quarter is null then 'missing_quarter'
            when year_month_day is null then 'missing_year_month_day'
        end as revenue_failure
    from completed_matching

),

record_checked as (

    select
        *,
        (not has_viewership_label or viewership_failure is null)
        and (not has_revenue_label or revenue_failure is null)
            as is_record_valid
    from checked

),

labeled as (

    select
        viewership_id,
        revenue,
        bronze_loaded_at,
        'Viewership' as label,
        1 as label_order,
        true as is_primary_label,
        viewership_failure as validation_failure,
        is_record_valid
    from record_checked
    where has_viewership_label

    union all

    select
        viewership_id,
        revenue,
        bronze_loaded_at,
        'Revenue' as label,
        2 as label_order,
        not has_viewership_label as is_primary_label,
        revenue_failure as validation_failure,
        is_record_valid
    from record_checked
    where has_revenue_label

),

final as (

    select
        -- ids
        cast(
            cast(viewership_id as {{ dbt.type_string() }}) || ':' || label
            as {{ dbt.type_string() }}
        ) as episode_detail_id,
        viewership_id,

        -- label
        cast(label as {{ dbt.type_string() }}) as label,
        label_order,
        is_primary_label,

        -- validation
        cast(validation_failure as {{ dbt.type_string() }})
            as validation_failure,
        is_record_valid,

        -- validated amount (Revenue rows: the payment)
        revenue,

        -- lineage
        cast('2' as {{ dbt.type_string() }}) as phase,
        bronze_loaded_at
    from labeled

)

select * from final
