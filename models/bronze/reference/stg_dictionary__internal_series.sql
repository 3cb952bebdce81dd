with

source as (

    select * from {{ source('dictionary', 'internal_series_dictionary') }}

),

final as (

    select
        cast(nullif(trim(entry), '') as {{ dbt.type_string() }}) as entry,
        cast(nullif(trim(series), '') as {{ dbt.type_string() }}) as series
    from source

)

select * from final
