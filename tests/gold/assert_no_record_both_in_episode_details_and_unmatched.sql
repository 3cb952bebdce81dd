-- A record is either in episode_details or unmatched, never both (the
-- legacy logged conflicts before later buckets matched them, DOMAIN §5.4).
with

episode_details as (

    select * from {{ ref('fct_episode_details') }}

),

unmatched as (

    select * from {{ ref('fct_viewership_unmatched') }}

)

select distinct unmatched.viewership_id
from unmatched
inner join episode_details
    on unmatched.viewership_id = episode_details.viewership_id
