-- Metric sums per file are conserved within 0.01 % (DOMAIN §8.4): for every
-- normalized file, sum(metric) = sum in fct_episode_details + sum in
-- fct_viewership_unmatched. Viewership metrics sit on one row per record,
-- revenue on Revenue rows. Returns the failing (file, metric) pairs.
{%- set metrics = [
    ('tot_hov', 'hours'), ('tot_mov', 'minutes'),
    ('tot_impressions', 'tot_impressions'), ('revenue', 'revenue_amount'),
] %}
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
        {%- for source, target in metrics %}
        sum({{ source }}) as {{ source }}{{ "," if not loop.last }}
        {%- endfor %}
    from normalized
    group by platform, filename

),

accounted as (

    select
        platform,
        filename,
        {%- for source, target in metrics %}
        {{ target }} as {{ source }}{{ "," if not loop.last }}
        {%- endfor %}
    from episode_details

    union all

    select
        platform,
        filename,
        {%- for source, target in metrics %}
        {{ source }}{{ "," if not loop.last }}
        {%- endfor %}
    from unmatched

),

accounted_sums as (

    select
        platform,
        filename,
        {%- for source, target in metrics %}
        sum({{ source }}) as {{ source }}{{ "," if not loop.last }}
        {%- endfor %}
    from accounted
    group by platform, filename

),

compared as (

    {%- for source, target in metrics %}
    select
        normalized_sums.platform,
        normalized_sums.filename,
        '{{ source }}' as metric,
        coalesce(normalized_sums.{{ source }}, 0) as normalized_sum,
        coalesce(accounted_sums.{{ source }}, 0) as accounted_sum
    from normalized_sums
    left join accounted_sums
        on
            normalized_sums.platform = accounted_sums.platform
            and normalized_sums.filename = accounted_sums.filename
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select *
from compared
where
    abs(normalized_sum - accounted_sum)
    > 0.0001 * abs(normalized_sum) + 0.000001
