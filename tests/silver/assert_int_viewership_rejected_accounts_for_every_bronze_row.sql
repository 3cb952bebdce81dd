-- Nothing is dropped silently: for every file (platform, filename), every
-- bronze row is in int_viewership_normalized or in int_viewership_rejected,
-- exactly once, and neither holds a row that bronze does not. Returns the
-- files whose counts disagree and the rows that are missing or doubled.

with

bronze as (

    select * from {{ ref('stg_upload__platform_viewership') }}

),

normalized as (

    select * from {{ ref('int_viewership_normalized') }}

),

rejected as (

    select * from {{ ref('int_viewership_rejected') }}

),

outputs as (

    select
        viewership_id,
        'normalized' as output_name
    from normalized
    union all
    select
        viewership_id,
        'rejected' as output_name
    from rejected

),

per_row as (

    select
        coalesce(bronze.viewership_id, outputs.viewership_id) as viewership_id,
        bronze.platform,
        bronze.filename,
        count(outputs.viewership_id) as times_output,
        max(case when bronze.viewership_id is null then 1 else 0 end)
            as is_unknown_to_bronze
    from bronze
    full outer join outputs
        on bronze.viewership_id = outputs.viewership_id
    group by 1, 2, 3

),

final as (

    select
        platform,
        filename,
        viewership_id,
        times_output,
        is_unknown_to_bronze
    from per_row
    where times_output <> 1 or is_unknown_to_bronze = 1

)

select * from final
