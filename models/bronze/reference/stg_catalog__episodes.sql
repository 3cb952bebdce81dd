with

source as (

    select * from {{ source('catalog', 'episode') }}

),

final as (

    select
        cast(nullif(trim(ref_id), '') as {{ dbt.type_string() }}) as ref_id,
        cast(nullif(trim(series_id), '') as bigint) as series_id,
        cast(nullif(trim(season), '') as {{ dbt.type_string() }})
            as season_number,
        cast(nullif(trim(episode), '') as {{ dbt.type_string() }})
            as episode_number
    from source

)

select * from final
