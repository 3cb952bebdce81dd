{#-
    Step 2 of normalization (DOMAIN §4.4): deal, partner, channel and
    territory, once per distinct deal_key (the eight values the rules read),
    then one row per accepted record.

    DECISION (NULL-wildcard rule, [CONFLICT] §4.4): NULL on either side (data
    or deal) is a wildcard; platform and domain must be equal
    (case-insensitive). Among matching ACTIVE deals the most specific wins,
    weights 4 (partner) + 2 (channel) + 1 (territory), counted on the fields
    the deal AND the record both name (a deal field the record leaves NULL
    is a wildcard match, not evidence). Among equally specific deals the one
    that assumes least (fewest fields named by the deal alone) wins, so a
    record without a territory takes the catch-all deal rather than a
    territory-specific one (Pluto US data must not land on the Latin America
    deal). Remaining ties go to the lowest deal_parent and are counted in
    deal_candidate_count (warn-level test). Then, deterministically:
      1. channel fallback (set_channel_generic) for rows still without a
         channel: confess -> Confess by Nosey/16, judge|real -> Judge
         Nosey/10, presented -> Presented by Nosey/17, escandalos -> Nosey
         Escandalos/13, nosey -> Nosey/8. DECISION ([BUG] §10.11): an unknown
         or missing channel name stays NULL instead of becoming Nosey/8.
      2. territory = the deal's internal territory, else the uploaded
         normalized territory, else the raw platform_territory (Freevee deals
         name no territory; its US/UK rows keep theirs). Canonical
         territory: a territory name equal (case-insensitive) to an
         active territories name becomes the longest active name of that id
         (ties: alphabetical), with that id.
      3. normalized-values fallback for rows without a primary deal: the
         normalized partner/channel/territory against the deals' internal_*
         values, same wildcard and specificity rules; at least one of the
         three must be CONFIRMED (named by the record and equal to the
         deal's), so a record the primary step rejected is never given a
         deal on wildcards alone.
    Rows without any deal keep deal_parent NULL (warn-level test).
-#}
{{ config(post_hook="{{ analyze_relation(this) }}") }}

with

parsed as (

    select * from {{ ref('int_viewership_parsed') }}
    {{ records_since_last_run() }}

),

active_deals as (

    select * from {{ ref('stg_dictionary__active_deals') }}

),

territories as (

    select * from {{ ref('stg_dictionary__territories') }}

),

accepted as (

    select
        viewership_id,
        deal_key,
        bronze_loaded_at
    from parsed
    where reject_reason is null

),

deal_keys as (

    {#- One row per distinct key: the rules run on a few hundred keys, not
        on every record. -#}
    select distinct
        deal_key,
        platform,
        domain,
        platform_partner_name,
        platform_channel_name,
        platform_territory,
        uploaded_partner,
        uploaded_channel,
        uploaded_territory
    from parsed
    where reject_reason is null

),

keys_normalized as (

    select
        deal_keys.*,
        upper(platform) as platform_match,
        upper(domain) as domain_match,
        upper(platform_partner_name) as partner_match,
        upper(platform_channel_name) as channel_match,
        upper(platform_territory) as territory_match
    from deal_keys

),

deals_normalized as (

    select
        deal_parent,
        internal_partner,
        internal_channel,
        internal_territory,
        internal_channel_id,
        internal_territory_id,
        upper(platform) as platform_match,
        upper(domain) as domain_match,
        upper(platform_partner_name) as partner_match,
        upper(platform_channel_name) as channel_match,
        upper(platform_territory) as territory_match,
        upper(internal_partner) as internal_partner_match,
        upper(internal_channel) as internal_channel_match,
        upper(internal_territory) as internal_territory_match,
        case when platform_partner_name is not null then 4 else 0 end
        + case when platform_channel_name is not null then 2 else 0 end
        + case when platform_territory is not null then 1 else 0 end
            as raw_specificity,
        case when internal_partner is not null then 4 else 0 end
        + case when internal_channel is not null then 2 else 0 end
        + case when internal_territory is not null then 1 else 0 end
            as internal_specificity
    from active_deals
    where is_active and deal_parent is not null

),

primary_candidates as (

    select
        keys_normalized.deal_key,
        deals_normalized.deal_parent,
        case
            when
                deals_normalized.partner_match is not null
                and keys_normalized.partner_match is not null
                then 4
            else 0
        end
        + case
            when
                deals_normalized.channel_match is not null
                and keys_normalized.channel_match is not null
                then 2
            else 0
        end
        + case
            when
                deals_normalized.territory_match is not null
                and keys_normalized.territory_match is not null
                then 1
            else 0
        end as confirmed_specificity,
        deals_normalized.raw_specificity as specificity
    from keys_normalized
    inner join deals_normalized
        on
            keys_normalized.platform_match = deals_normalized.platform_match
            and keys_normalized.domain_match = deals_normalized.domain_match
    where
        (
            deals_normalized.partner_match is null
            or keys_normalized.partner_match is null
            or deals_normalized.partner_match = keys_normalized.partner_match
        )
        and (
            deals_normalized.channel_match is null
            or keys_normalized.channel_match is null
            or deals_normalized.channel_match = keys_normalized.channel_match
        )
        and (
            deals_normalized.territory_match is null
            or keys_normalized.territory_match is null
            or deals_normalized.territory_match
            = keys_normalized.territory_match
        )

),

primary_winners as (

    {{ best_deal_per_key('primary_candidates', 'deals_normalized') }}

),

after_primary as (

    select
        keys_normalized.deal_key,
        keys_normalized.platform_match,
        keys_normalized.domain_match,
        keys_normalized.platform_channel_name,
        primary_winners.deal_parent,
        coalesce(primary_winners.tied_deals, 0) as deal_candidate_count,
        coalesce(
            primary_winners.internal_partner, keys_normalized.uploaded_partner
        ) as partner,
        coalesce(
            primary_winners.internal_channel, keys_normalized.uploaded_channel
        ) as channel,
        primary_winners.internal_channel_id as channel_id,
        coalesce(
            primary_winners.internal_territory,
            keys_normalized.uploaded_territory,
            keys_normalized.platform_territory
        ) as territory,
        primary_winners.internal_territory_id as territory_id
    from keys_normalized
    left join primary_winners
        on keys_normalized.deal_key = primary_winners.deal_key

),

channel_fallback as (

    {#- set_channel_generic, only where no channel is known. The patterns
        are checked in this order; literal containment, not LIKE. -#}
    {%- set channel_name = 'lower(platform_channel_name)' %}
    select
        after_primary.*,
        case
            when channel is not null then null
            when {{ string_position("'confess'", channel_name) }} > 0
                then 'Confess by Nosey'
            when
                {{ string_position("'judge'", channel_name) }} > 0
                or {{ string_position("'real'", channel_name) }} > 0
                then 'Judge Nosey'
            when {{ string_position("'presented'", channel_name) }} > 0
                then 'Presented by Nosey'
            when {{ string_position("'escandalos'", channel_name) }} > 0
                then 'Nosey Escandalos'
            when {{ string_position("'nosey'", channel_name) }} > 0
                then 'Nosey'
        end as fallback_channel
    from after_primary

),

with_channel as (

    select
        deal_key,
        platform_match,
        domain_match,
        deal_parent,
        deal_candidate_count,
        partner,
        coalesce(channel, fallback_channel) as channel,
        case
            when fallback_channel = 'Confess by Nosey' then 16
            when fallback_channel = 'Judge Nosey' then 10
            when fallback_channel = 'Presented by Nosey' then 17
            when fallback_channel = 'Nosey Escandalos' then 13
            when fallback_channel = 'Nosey' then 8
            else channel_id
        end as channel_id,
        territory,
        territory_id
    from channel_fallback

),

active_territories as (

    select
        territory_id,
        territory_name,
        upper(territory_name) as territory_match
    from territories
    where is_active and territory_id is not null and territory_name is not null

),

territory_ids_by_name as (

    {#- A name of several ids (never expected) resolves to the lowest id. -#}
    select
        territory_match,
        min(territory_id) as territory_id
    from active_territories
    group by 1

),

canonical_territory_names as (

    select
        territory_id,
        territory_name,
        row_number() over (
            partition by territory_id
            order by length(territory_name) desc, territory_name asc
        ) as name_rank
    from active_territories

),

canonical_territories as (

    select
        territory_ids_by_name.territory_match,
        territory_ids_by_name.territory_id,
        canonical_territory_names.territory_name
    from territory_ids_by_name
    inner join canonical_territory_names
        on
            territory_ids_by_name.territory_id
            = canonical_territory_names.territory_id
            and canonical_territory_names.name_rank = 1

),

with_territory as (

    select
        with_channel.deal_key,
        with_channel.platform_match,
        with_channel.domain_match,
        with_channel.deal_parent,
        with_channel.deal_candidate_count,
        with_channel.partner,
        with_channel.channel,
        with_channel.channel_id,
        coalesce(canonical_territories.territory_name, with_channel.territory)
            as territory,
        coalesce(canonical_territories.territory_id, with_channel.territory_id)
            as territory_id
    from with_channel
    left join canonical_territories
        on upper(with_channel.territory) = canonical_territories.territory_match

),

fallback_candidates as (

    select
        with_territory.deal_key,
        deals_normalized.deal_parent,
        case
            when
                deals_normalized.internal_partner_match is not null
                and with_territory.partner is not null
                then 4
            else 0
        end
        + case
            when
                deals_normalized.internal_channel_match is not null
                and with_territory.channel is not null
                then 2
            else 0
        end
        + case
            when
                deals_normalized.internal_territory_match is not null
                and with_territory.territory is not null
                then 1
            else 0
        end as confirmed_specificity,
        deals_normalized.internal_specificity as specificity
    from with_territory
    inner join deals_normalized
        on
            with_territory.platform_match = deals_normalized.platform_match
            and with_territory.domain_match = deals_normalized.domain_match
    where
        with_territory.deal_parent is null
        and (
            deals_normalized.internal_partner_match is null
            or with_territory.partner is null
            or deals_normalized.internal_partner_match
            = upper(with_territory.partner)
        )
        and (
            deals_normalized.internal_channel_match is null
            or with_territory.channel is null
            or deals_normalized.internal_channel_match
            = upper(with_territory.channel)
        )
        and (
            deals_normalized.internal_territory_match is null
            or with_territory.territory is null
            or deals_normalized.internal_territory_match
            = upper(with_territory.territory)
        )

),

fallback_winners as (

    {{ best_deal_per_key(
        'fallback_candidates', 'deals_normalized',
        where='confirmed_specificity > 0'
    ) }}

),

after_fallback as (

    select
        with_territory.deal_key,
        coalesce(with_territory.deal_parent, fallback_winners.deal_parent)
            as deal_parent,
        case
            when with_territory.deal_parent is not null
                then with_territory.deal_candidate_count
            else coalesce(fallback_winners.tied_deals, 0)
        end as deal_candidate_count,
        coalesce(fallback_winners.internal_partner, with_territory.partner)
            as partner,
        coalesce(fallback_winners.internal_channel, with_territory.channel)
            as channel,
        coalesce(
            fallback_winners.internal_channel_id, with_territory.channel_id
        ) as channel_id,
        coalesce(fallback_winners.internal_territory, with_territory.territory)
            as territory,
        coalesce(
            fallback_winners.internal_territory_id, with_territory.territory_id
        ) as territory_id,
        case
            when with_territory.deal_parent is not null then 'primary'
            when fallback_winners.deal_parent is not null
                then 'normalized_values'
        end as deal_match_step
    from with_territory
    left join fallback_winners
        on with_territory.deal_key = fallback_winners.deal_key

),

keys_final as (

    {#- A territory filled in by the fallback deal is made canonical too. -#}
    select
        after_fallback.deal_key,
        after_fallback.deal_parent,
        after_fallback.deal_candidate_count,
        after_fallback.deal_match_step,
        after_fallback.partner,
        after_fallback.channel,
        after_fallback.channel_id,
        coalesce(canonical_territories.territory_name, after_fallback.territory)
            as territory,
        coalesce(
            canonical_territories.territory_id, after_fallback.territory_id
        ) as territory_id
    from after_fallback
    left join canonical_territories
        on
            upper(after_fallback.territory)
            = canonical_territories.territory_match

),

final as (

    select
        accepted.viewership_id,
        cast(keys_final.deal_parent as bigint) as deal_parent,
        cast(keys_final.deal_candidate_count as integer)
            as deal_candidate_count,
        cast(keys_final.deal_match_step as varchar) as deal_match_step,
        cast(keys_final.partner as varchar) as partner,
        cast(keys_final.channel as varchar) as channel,
        cast(keys_final.channel_id as integer) as channel_id,
        cast(keys_final.territory as varchar) as territory,
        cast(keys_final.territory_id as integer) as territory_id,
        accepted.bronze_loaded_at
    from accepted
    inner join keys_final
        on accepted.deal_key = keys_final.deal_key

)

select * from final
