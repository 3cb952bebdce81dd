with

source as (

    select * from {{ source('catalog', 'series') }}

),

final as (

    select
        cast(nullif(trim(id), '') as bigint) as series_id,
        cast(titles as {{ dbt.type_string() }}) as titles,
        cast(nullif(trim(content_provider), '') as {{ dbt.type_string() }})
            as content_provider,
        cast(nullif(trim(series_code), '') as {{ dbt.type_string() }})
            as series_code,
        cast(nullif(trim(status), '') as {{ dbt.type_string() }}) as status,
        coalesce(lower(trim(status)) = 'active', false) as is_active
    from source

)

select * from final
