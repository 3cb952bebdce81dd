-- Every episode_details row has a deal_parent. Matched records without one
-- are not lost: they are in fct_viewership_unmatched as
-- failed_validation_missing_deal_parent (the legacy dropped them silently,
-- DOMAIN §6.3). Returns rows violating either half.
with

episode_details as (

    select * from {{ ref('fct_episode_details') }}

),

matched as (

    select * from {{ ref('int_viewership_matched') }}

),

unmatched as (

    select * from {{ ref('fct_viewership_unmatched') }}

),

gold_without_deal as (

    select
        viewership_id,
        'episode_details row without deal_parent' as problem
    from episode_details
    where deal_parent is null

),

unexplained as (

    select
        matched.viewership_id,
        'matched record without deal_parent, not unmatched' as problem
    from matched
    left join unmatched
        on matched.viewership_id = unmatched.viewership_id
    where
        matched.deal_parent is null
        and coalesce(unmatched.unmatched_reason, '')
        not in ('failed_validation_missing_deal_parent', 'duplicate_upload')
        and not exists (
            select 1
            from episode_details
            where episode_details.viewership_id = matched.viewership_id
        )

)

select * from gold_without_deal
union all
select * from unexplained
