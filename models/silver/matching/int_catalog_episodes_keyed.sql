{#-
    Catalog episodes with their matching keys, one row per ref_id
    (DOMAIN §2.2): ref_id_key (upper-cased, so ref_ids compare the same way
    everywhere), season_key/episode_key (digits without leading zeros) and
    the ref_id's own primary title (asset_title of REF_ID_SERIES fallback and
    SERIES_SEASON_EPISODE pass 1, which match without a title).
-#}
{{
    config(
        materialized='table',
        post_hook="{{ analyze_relation(this) }}",
    )
}}

with

episodes as (

    select * from {{ ref('stg_catalog__episodes') }}

),

metadata as (

    select * from {{ ref('stg_catalog__metadata') }}

),

primary_titles as (

    select
        upper(ref_id) as ref_id_key,
        min(trim(title)) as primary_title
    from metadata
    where ref_id is not null and trim(title) <> ''
    group by 1

),

final as (

    select
        -- ids
        episodes.ref_id,
        episodes.series_id,

        -- match keys
        cast(upper(episodes.ref_id) as {{ dbt.type_string() }}) as ref_id_key,
        cast(
            {{ numeric_text_key('episodes.season_number') }}
            as {{ dbt.type_string() }}
        ) as season_key,
        cast(
            {{ numeric_text_key('episodes.episode_number') }}
            as {{ dbt.type_string() }}
        ) as episode_key,

        -- attributes
        episodes.season_number,
        episodes.episode_number,
        cast(primary_titles.primary_title as {{ dbt.type_string() }})
            as primary_title
    from episodes
    left join primary_titles
        on upper(episodes.ref_id) = primary_titles.ref_id_key
    where episodes.ref_id is not null

)

select * from final
