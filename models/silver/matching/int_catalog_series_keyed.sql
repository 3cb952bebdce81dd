{#-
    Catalog series with their matching keys, one row per series (DOMAIN §2.2).
    asset_series is the primary title (EXTRACT_PRIMARY_TITLE, §4.6);
    series_key is its lower-cased text, so every bucket compares series with
    internal_series the same case-insensitive way ([BUG] §5.3: SSE pass 1 was
    case-sensitive). Inactive series are kept (the unmatched diagnostics say
    "inactive_series"); every bucket filters on is_series_active (§5.2).
-#}
{{
    config(
        materialized='table',
        post_hook="{{ analyze_relation(this) }}",
    )
}}

with

series as (

    select * from {{ ref('stg_catalog__series') }}

),

titled as (

    select
        series_id,
        titles,
        {{ extract_primary_title('titles') }} as asset_series,
        content_provider,
        series_code,
        status,
        is_active
    from series

),

final as (

    select
        -- ids
        series_id,

        -- match keys
        cast(lower(trim(asset_series)) as {{ dbt.type_string() }})
            as series_key,
        cast(upper(series_code) as {{ dbt.type_string() }}) as series_code_key,

        -- attributes written on a match
        cast(asset_series as {{ dbt.type_string() }}) as asset_series,
        content_provider,
        series_code,

        -- status
        status as series_status,
        is_active as is_series_active,
        titles as series_titles
    from titled

)

select * from final
