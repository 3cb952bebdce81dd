-- Conservation per file (DOMAIN §11): every bronze record of a file is
-- counted in exactly one of fct_episode_details (distinct viewership_id, a
-- record may have two labels), fct_viewership_unmatched or
-- int_viewership_rejected. Returns the files whose counts do not add up.
with

bronze as (

    select * from {{ ref('stg_upload__platform_viewership') }}

),

episode_details as (

    select * from {{ ref('fct_episode_details') }}

),

unmatched as (

    select * from {{ ref('fct_viewership_unmatched') }}

),

rejected as (

    select * from {{ ref('int_viewership_rejected') }}

),

bronze_counts as (

    select
        platform,
        filename,
        count(distinct viewership_id) as bronze_records
    from bronze
    group by 1, 2

),

detail_counts as (

    select
        platform,
        filename,
        count(distinct viewership_id) as detail_records
    from episode_details
    group by 1, 2

),

unmatched_counts as (

    select
        platform,
        filename,
        count(distinct viewership_id) as unmatched_records
    from unmatched
    group by 1, 2

),

rejected_counts as (

    select
        platform,
        filename,
        count(distinct viewership_id) as rejected_records
    from rejected
    group by 1, 2

),

final as (

    select
        bronze_counts.platform,
        bronze_counts.filename,
        bronze_counts.bronze_records,
        coalesce(detail_counts.detail_records, 0) as detail_records,
        coalesce(unmatched_counts.unmatched_records, 0) as unmatched_records,
        coalesce(rejected_counts.rejected_records, 0) as rejected_records
    from bronze_counts
    left join detail_counts
        on
            bronze_counts.platform = detail_counts.platform
            and bronze_counts.filename = detail_counts.filename
    left join unmatched_counts
        on
            bronze_counts.platform = unmatched_counts.platform
            and bronze_counts.filename = unmatched_counts.filename
    left join rejected_counts
        on
            bronze_counts.platform = rejected_counts.platform
            and bronze_counts.filename = rejected_counts.filename

)

select *
from final
where bronze_records <> detail_records + unmatched_records + rejected_records
