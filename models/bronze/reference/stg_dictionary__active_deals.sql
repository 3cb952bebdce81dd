with

source as (

    select * from {{ source('dictionary', 'active_deals') }}

),

final as (

    select
        -- deal
        cast(nullif(trim(deal_parent), '') as bigint) as deal_parent,
        coalesce(lower(trim(active)) in ('true', 't', '1', 'yes', 'y'), false)
            as is_active,

        -- match keys (NULL = wildcard, see silver deal rules)
        cast(nullif(trim(platform), '') as {{ dbt.type_string() }}) as platform,
        cast(nullif(trim(domain), '') as {{ dbt.type_string() }}) as domain,
        cast(nullif(trim(platform_partner_name), '') as {{ dbt.type_string() }})
            as platform_partner_name,
        cast(nullif(trim(platform_channel_name), '') as {{ dbt.type_string() }})
            as platform_channel_name,
        cast(nullif(trim(platform_territory), '') as {{ dbt.type_string() }})
            as platform_territory,

        -- normalized values
        cast(nullif(trim(internal_partner), '') as {{ dbt.type_string() }})
            as internal_partner,
        cast(nullif(trim(internal_channel), '') as {{ dbt.type_string() }})
            as internal_channel,
        cast(nullif(trim(internal_territory), '') as {{ dbt.type_string() }})
            as internal_territory,
        cast(nullif(trim(internal_channel_id), '') as integer)
            as internal_channel_id,
        cast(nullif(trim(internal_territory_id), '') as integer)
            as internal_territory_id
    from source

)

select * from final
