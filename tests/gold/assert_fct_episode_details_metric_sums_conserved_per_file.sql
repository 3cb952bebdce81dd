-- Metric sums per file are conserved within 0.01 % (DOMAIN §8.4): for every
-- normalized file, sum(metric) = sum in fct_episode_details + sum in
-- fct_viewership_unmatched. Viewership metrics sit on one row per record,
-- revenue on Revenue rows. Returns the failing (file, metric) pairs.
with

normalized as (

    select * from {{ ref('int_viewership_normalized') }}

),

episode_details as (

    select * from {{ ref('fct_episode_details') }}

),

unmatched as (

    select * from {{ ref('fct_viewership_unmatched') }}

),

normalized_sums as (

    select
        platform,
        filename,
        sum(tot_hov) as tot_hov,
        sum(tot_mov) as tot_mov,
        sum(tot_impressions) as tot_impressions,
        sum(revenue) as revenue
    from normalized
    group by 1, 2

),

accounted as (

    select
        platform,
        filename,
        hours as tot_hov,
        minutes as tot_mov,
        tot_impressions,
        revenue_amount as revenue
    from episode_details

    union all

    select
        platform,
        filename,
        tot_hov,
        tot_mov,
        tot_impressions,
        revenue
    from unmatched

),

accounted_sums as (

    select
        platform,
        filename,
        sum(tot_hov) as tot_hov,
        sum(tot_mov) as tot_mov,
        sum(tot_impressions) as tot_impressions,
        sum(revenue) as revenue
    from accounted
    group by 1, 2

),

compared as (

    {%- for metric in ['tot_hov', 'tot_mov', 'tot_impressions', 'revenue'] %}

    select
        normalized_sums.platform,
        normalized_sums.filename,
        '{{ metric }}' as metric,
        coalesce(normalized_sums.{{ metric }}, 0) as normalized_sum,
        coalesce(accounted_sums.{{ metric }}, 0) as accounted_sum
    from normalized_sums
    left join accounted_sums
        on
            normalized_sums.platform = accounted_sums.platform
            and normalized_sums.filename = accounted_sums.filename
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select *
from compared
where
    abs(normalized_sum - accounted_sum)
    > 0.0001 * abs(normalized_sum) + 0.000001
