{#-
    Catalog titles normalized ONCE (PERFORMANCE.md): one row per catalog
    ref_id and distinct title key, from metadata.title and
    metadata.clean_title (DOMAIN §5.2). Buckets join records to this table by
    equality on (ref_id_key, title_key) or title_key, never by an OR over
    function calls.
    - asset_title: the display title for that key (the metadata row's title,
      or its clean_title when the title is blank; lowest when several).
    - is_primary_title: the key is the ref_id's own primary title (its lowest
      non-blank metadata title); used as the first tie-break of the winner.
    - ref_id_prefix_key: the ref_id text before its first '-', upper-cased,
      compared with the series code by SERIES_ONLY (§5.3).
-#}
{{
    config(
        materialized='table',
        post_hook="{{ analyze_relation(this) }}",
    )
}}

with

metadata as (

    select * from {{ ref('stg_catalog__metadata') }}

),

titles as (

    select
        upper(ref_id) as ref_id_key,
        ref_id,
        coalesce(nullif(trim(title), ''), clean_title) as display_title,
        {{ normalized_title_key('title') }} as title_key
    from metadata
    where ref_id is not null

    union all

    select
        upper(ref_id) as ref_id_key,
        ref_id,
        coalesce(nullif(trim(title), ''), clean_title) as display_title,
        {{ normalized_title_key('clean_title') }} as title_key
    from metadata
    where ref_id is not null

),

primary_titles as (

    select
        upper(ref_id) as ref_id_key,
        {{ normalized_title_key('min(trim(title))') }} as primary_title_key
    from metadata
    where ref_id is not null and trim(title) <> ''
    group by 1

),

keyed as (

    select
        ref_id_key,
        title_key,
        min(ref_id) as ref_id,
        min(display_title) as asset_title
    from titles
    where title_key is not null
    group by 1, 2

),

final as (

    select
        -- ids
        cast(
            keyed.ref_id_key || '|' || keyed.title_key
            as {{ dbt.type_string() }}
        ) as ref_title_key_id,
        cast(keyed.ref_id as {{ dbt.type_string() }}) as ref_id,

        -- match keys
        cast(keyed.ref_id_key as {{ dbt.type_string() }}) as ref_id_key,
        cast(keyed.title_key as {{ dbt.type_string() }}) as title_key,
        cast(
            upper({{ dbt.split_part('keyed.ref_id', "'-'", 1) }})
            as {{ dbt.type_string() }}
        ) as ref_id_prefix_key,

        -- attributes
        cast(keyed.asset_title as {{ dbt.type_string() }}) as asset_title,
        coalesce(keyed.title_key = primary_titles.primary_title_key, false)
            as is_primary_title
    from keyed
    left join primary_titles
        on keyed.ref_id_key = primary_titles.ref_id_key

)

select * from final
