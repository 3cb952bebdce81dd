{#-
    The deal ranking of int_viewership_deals_assigned, written once for its
    two passes (primary values, then normalized values): per deal_key, the
    candidate with the highest confirmed specificity, then the lowest
    specificity (the deal that assumes least), then the lowest deal_parent;
    tied_deals counts the candidates equal on the first two. Returns the
    body of a CTE: the winner per key with the winning deal's internal
    values from `deals`.

    candidates: CTE with deal_key, deal_parent, confirmed_specificity,
    specificity. deals: CTE with deal_parent and the internal_* columns.
    where: optional filter on the candidates.
-#}
{% macro best_deal_per_key(candidates, deals, where=none) -%}
    select
        ranked.deal_key,
        ranked.deal_parent,
        ranked.tied_deals,
        {{ deals }}.internal_partner,
        {{ deals }}.internal_channel,
        {{ deals }}.internal_channel_id,
        {{ deals }}.internal_territory,
        {{ deals }}.internal_territory_id
    from (
        select
            deal_key,
            deal_parent,
            row_number() over (
                partition by deal_key
                order by
                    confirmed_specificity desc, specificity asc, deal_parent asc
            ) as deal_rank,
            count(*) over (
                partition by deal_key, confirmed_specificity, specificity
            ) as tied_deals
        from {{ candidates }}
        {%- if where %}
        where {{ where }}
        {%- endif %}
    ) as ranked
    inner join {{ deals }}
        on ranked.deal_parent = {{ deals }}.deal_parent
    where ranked.deal_rank = 1
{%- endmacro %}
