-- viewership_id is unique per label: a record is inserted once (the legacy
-- re-inserted on every re-run, DOMAIN §6.3), a Viewership_Revenue record at
-- most once per label.
with

episode_details as (

    select * from {{ ref('fct_episode_details') }}

)

select
    viewership_id,
    label,
    count(*) as row_count
from episode_details
group by 1, 2
having count(*) > 1
