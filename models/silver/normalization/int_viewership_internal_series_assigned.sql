{#-
    Step 3 of normalization (DOMAIN §4.5): internal series, decided for each
    record from its OWN values only (fixes [BUG] §4.5/§10.10: the legacy
    steps were not platform-scoped and rewrote rows of other files).

      1. platform_series match (wins): the dictionary `entry` equal to
         platform_series after lower-casing and deleting everything except
         ASCII letters, digits and spaces (`[^A-Za-z0-9 ]`, global).
      2. title extraction, only for records without (1): the dictionary
         `entry` or `series` contained in platform_content_name as a LITERAL,
         case-insensitive (string position, not LIKE: `%`/`_` are ordinary
         characters); the longest contained text wins.
    Ties are broken by series name (alphabetical) so reruns agree.

    Cost: (1) is an equality join on a normalized key. (2) compares each
    DISTINCT content name still unresolved with each dictionary text (a few
    dozen): linear in distinct titles, not in records.
-#}
{{ config(post_hook="{{ analyze_relation(this) }}") }}

with

parsed as (

    select * from {{ ref('int_viewership_parsed') }}
    {{ records_since_last_run() }}

),

dictionary as (

    select * from {{ ref('stg_dictionary__internal_series') }}

),

accepted as (

    select
        viewership_id,
        platform_series,
        platform_content_name,
        bronze_loaded_at
    from parsed
    where reject_reason is null

),

dictionary_entries as (

    select
        entry,
        series,
        lower({{ regexp_replace_all('entry', '[^A-Za-z0-9 ]', '') }})
            as entry_key
    from dictionary
    where entry is not null and series is not null

),

series_by_entry_key as (

    select
        entry_key,
        min(series) as internal_series
    from dictionary_entries
    group by 1

),

platform_series_keys as (

    select distinct
        platform_series,
        lower({{ regexp_replace_all('platform_series', '[^A-Za-z0-9 ]', '') }})
            as entry_key
    from accepted
    where platform_series is not null

),

platform_series_matches as (

    select
        platform_series_keys.platform_series,
        series_by_entry_key.internal_series
    from platform_series_keys
    inner join series_by_entry_key
        on platform_series_keys.entry_key = series_by_entry_key.entry_key

),

with_series_match as (

    select
        accepted.viewership_id,
        accepted.platform_content_name,
        accepted.bronze_loaded_at,
        platform_series_matches.internal_series
    from accepted
    left join platform_series_matches
        on accepted.platform_series = platform_series_matches.platform_series

),

dictionary_needles as (

    select distinct
        lower(needle) as needle,
        series
    from (
        select
            entry as needle,
            series
        from dictionary_entries
        union all
        select
            series as needle,
            series
        from dictionary_entries
    ) as needles

),

unresolved_titles as (

    select distinct
        platform_content_name,
        lower(platform_content_name) as content_name_lower
    from with_series_match
    where internal_series is null and platform_content_name is not null

),

title_candidates as (

    select
        unresolved_titles.platform_content_name,
        dictionary_needles.series,
        row_number() over (
            partition by unresolved_titles.platform_content_name
            order by
                length(dictionary_needles.needle) desc,
                dictionary_needles.series asc
        ) as candidate_rank
    from unresolved_titles
    inner join dictionary_needles
        on
            {{ string_position(
                'dictionary_needles.needle',
                'unresolved_titles.content_name_lower',
            ) }} > 0

),

title_matches as (

    select
        platform_content_name,
        series as internal_series
    from title_candidates
    where candidate_rank = 1

),

final as (

    select
        with_series_match.viewership_id,
        cast(
            coalesce(
                with_series_match.internal_series,
                title_matches.internal_series
            )
            as varchar
        ) as internal_series,
        cast(
            case
                when with_series_match.internal_series is not null
                    then 'platform_series'
                when title_matches.internal_series is not null
                    then 'content_name'
            end as varchar
        ) as internal_series_source,
        with_series_match.bronze_loaded_at
    from with_series_match
    left join title_matches
        on
            with_series_match.internal_series is null
            and with_series_match.platform_content_name
            = title_matches.platform_content_name

)

select * from final
