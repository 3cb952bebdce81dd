{#-
    Bucket 2 REF_ID_SERIES (DOMAIN §5.3.2). RED LINE RL-2: this model's SQL
    must stay a strict, title-checked branch UNION a fallback branch without
    the title check, guarded by NOT EXISTS (no metadata title of that ref_id
    matches the record's title), so a record is never produced by both
    branches. The fallback is what matches platform titles that differ from
    catalog titles (Tubi "S03:E140 - You Waited 17 Years for This!"): without
    it, Tubi July went from 321 matched to 0 (2025-12-02).

    Both branches: the catalog episode of the record's ref_id, in an active
    series whose primary title equals internal_series (case-insensitive).
    asset_title: the matched title (strict) or the ref_id's own primary
    title (fallback).
-#}
with

{{ match_bucket_imports(['episodes', 'series', 'title_keys']) }},

eligible as (

    select
        viewership_id,
        bronze_loaded_at,
        ref_id_key,
        series_key,
        title_key
    from match_keys
    where qualifies_ref_id_series

),

candidates as (

    -- strict branch: a metadata title of the ref_id equals the record's title
    select
        eligible.viewership_id,
        eligible.bronze_loaded_at,
        episodes.ref_id,
        episodes.series_id,
        title_keys.asset_title,
        title_keys.is_primary_title as is_primary_title_match,
        cast('strict' as {{ dbt.type_string() }}) as branch,
        1 as branch_priority
    from eligible
    inner join episodes
        on eligible.ref_id_key = episodes.ref_id_key
    inner join series
        on
            episodes.series_id = series.series_id
            and eligible.series_key = series.series_key
            and series.is_series_active
    inner join title_keys
        on
            eligible.ref_id_key = title_keys.ref_id_key
            and eligible.title_key = title_keys.title_key

    union

    -- fallback branch: no title check, only when no title of the ref_id matches
    select
        eligible.viewership_id,
        eligible.bronze_loaded_at,
        episodes.ref_id,
        episodes.series_id,
        episodes.primary_title as asset_title,
        false as is_primary_title_match,
        cast('fallback' as {{ dbt.type_string() }}) as branch,
        2 as branch_priority
    from eligible
    inner join episodes
        on eligible.ref_id_key = episodes.ref_id_key
    inner join series
        on
            episodes.series_id = series.series_id
            and eligible.series_key = series.series_key
            and series.is_series_active
    where not exists (
        select 1
        from title_keys as matching_titles
        where
            matching_titles.ref_id_key = eligible.ref_id_key
            and matching_titles.title_key = eligible.title_key
    )

),

{{ match_bucket_final('REF_ID_SERIES', 2, branch_from_candidates=true) }}

select * from final
