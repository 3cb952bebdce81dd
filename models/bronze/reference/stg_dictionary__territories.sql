with

source as (

    select * from {{ source('dictionary', 'territories') }}

),

final as (

    select
        cast(nullif(trim(id), '') as integer) as territory_id,
        cast(nullif(trim(name), '') as {{ dbt.type_string() }})
            as territory_name,
        coalesce(lower(trim(active)) in ('true', 't', '1', 'yes', 'y'), false)
            as is_active
    from source

)

select * from final
