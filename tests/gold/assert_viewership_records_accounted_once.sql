-- A record is in at most one of fct_episode_details, fct_viewership_unmatched
-- and int_viewership_rejected, and every one of them comes from bronze.
-- (Together with the per-file counts this makes "exactly once".)
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

accounted as (

    select distinct
        viewership_id,
        'episode_details' as outcome
    from episode_details

    union all

    select
        viewership_id,
        'unmatched' as outcome
    from unmatched

    union all

    select distinct
        viewership_id,
        'rejected' as outcome
    from rejected

),

final as (

    select
        accounted.viewership_id,
        count(*) as outcomes,
        max(case when bronze.viewership_id is null then 1 else 0 end)
            as is_unknown_record
    from accounted
    left join bronze
        on accounted.viewership_id = bronze.viewership_id
    group by 1

)

select *
from final
where outcomes > 1 or is_unknown_record = 1
