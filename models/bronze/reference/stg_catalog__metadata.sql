with

source as (

    select * from {{ source('catalog', 'metadata') }}

),

final as (

    select
        cast(nullif(trim(ref_id), '') as {{ dbt.type_string() }}) as ref_id,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(clean_title as {{ dbt.type_string() }}) as clean_title
    from source

)

select * from final
