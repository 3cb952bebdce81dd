-- Every daily row's parts come from its own date: full_date is MM/DD/YYYY,
-- week is the Monday on or before it (within 6 days), and year, month, day
-- and year_month_day agree with it. Returns the rows where they do not.

with

normalized as (

    select * from {{ ref('int_viewership_normalized') }}

),

final as (

    select
        viewership_id,
        date_day,
        full_date,
        week,
        year,
        month,
        day,
        year_month_day
    from normalized
    where
        date_grain = 'daily'
        and not coalesce(
            year = cast(extract(year from date_day) as integer)
            and month = cast(extract(month from date_day) as integer)
            and day = cast(extract(day from date_day) as integer)
            and full_date
            = lpad(cast(month as varchar), 2, '0') || '/'
            || lpad(cast(day as varchar), 2, '0') || '/'
            || cast(year as varchar)
            and week <= date_day
            and {{ dbt.datediff('week', 'date_day', 'day') }}
            between 0 and 6,
            false
        )

)

select * from final
