{#-
    Matching keys of every normalized record, computed ONCE (PERFORMANCE.md),
    and the bucket qualification flags of DOMAIN §5.1 ("bucket-table
    predicate" column; "non-blank" = NOT NULL and TRIM <> '', "numeric" =
    digits only). One row per int_viewership_normalized record.

    Keys use the same case rules as the catalog tables: ref_id upper-cased,
    internal_series lower-cased, title = normalized_title_key().

    Re-upload guard: a record whose source record (platform, filename,
    source_row_number, date_day, year, month) was already uploaded under a
    lower viewership_id is a duplicate upload (the line number alone is not
    unique: wide files give one record per line and date, the quarterly split
    one per line and month);
    it qualifies for no bucket and is reported unmatched as duplicate_upload,
    so the same source row never reaches episode_details twice.
    The source record is kept as one text key (source_record_key) so that an
    incremental run counts the copies already held by this model (earlier
    uploads) and numbers the new records after them.
-#}
{{ config(post_hook="{{ analyze_relation(this) }}") }}

with

normalized as (

    select * from {{ ref('int_viewership_normalized') }}
    {{ records_since_last_run() }}

),

{%- set separator = "chr(31)" %}

source_records as (

    select
        *,
        coalesce(lower(platform), '')
        || {{ separator }} || coalesce(lower(filename), '')
        || {{ separator }} || coalesce(
            cast(source_row_number as {{ dbt.type_string() }}),
            'record ' || cast(viewership_id as {{ dbt.type_string() }})
        )
        || {{ separator }} || coalesce(
            cast(date_day as {{ dbt.type_string() }}), ''
        )
        || {{ separator }} || coalesce(
            cast(year as {{ dbt.type_string() }}), ''
        )
        || {{ separator }} || coalesce(
            cast(month as {{ dbt.type_string() }}), ''
        ) as source_record_key
    from normalized

),

{%- if is_incremental() %}

earlier_copies as (

    {#- Copies of the same source records already in this model (records
        processed by earlier runs and not processed again now). -#}
    select
        source_record_key,
        count(*) as earlier_copy_count
    from {{ this }}
    where
        source_record_key in (select source_record_key from source_records)
        and viewership_id not in (select viewership_id from source_records)
    group by 1

),
{%- endif %}

keyed as (

    select
        source_records.viewership_id,
        source_records.filename,
        source_records.platform,
        source_records.source_row_number,
        source_records.source_record_key,
        source_records.bronze_loaded_at,
        upper({{ blank_to_null('ref_id') }}) as ref_id_key,
        lower({{ blank_to_null('internal_series') }}) as series_key,
        {{ blank_to_null('platform_content_name') }} is not null
            as has_content_name,
        {{ normalized_title_key('platform_content_name') }} as title_key,
        {{ numeric_text_key('season_number') }} as season_key,
        {{ numeric_text_key('episode_number') }} as episode_key,
        row_number() over (
            partition by source_records.source_record_key
            order by source_records.viewership_id
        ) as copy_number_in_run,
        {%- if is_incremental() %}
        coalesce(earlier_copies.earlier_copy_count, 0) as earlier_copy_count
        {%- else %}
        0 as earlier_copy_count
        {%- endif %}
    from source_records
    {% if is_incremental() -%}
    left join earlier_copies
        on source_records.source_record_key = earlier_copies.source_record_key
    {%- endif %}

),

flagged as (

    select
        *,
        copy_number_in_run + earlier_copy_count > 1 as is_duplicate_upload,
        ref_id_key is not null as has_ref_id,
        series_key is not null as has_internal_series,
        (season_key is not null and episode_key is not null)
            as has_numeric_season_episode
    from keyed

),

final as (

    select
        -- ids
        viewership_id,
        cast(filename as {{ dbt.type_string() }}) as filename,
        cast(platform as {{ dbt.type_string() }}) as platform,
        source_row_number,
        cast(source_record_key as {{ dbt.type_string() }})
            as source_record_key,

        -- match keys
        cast(ref_id_key as {{ dbt.type_string() }}) as ref_id_key,
        cast(series_key as {{ dbt.type_string() }}) as series_key,
        cast(title_key as {{ dbt.type_string() }}) as title_key,
        cast(season_key as {{ dbt.type_string() }}) as season_key,
        cast(episode_key as {{ dbt.type_string() }}) as episode_key,

        -- flags
        has_ref_id,
        has_internal_series,
        has_content_name,
        has_numeric_season_episode,
        is_duplicate_upload,

        -- bucket qualification (DOMAIN §5.1)
        (
            not is_duplicate_upload
            and has_ref_id
            and has_internal_series
            and has_numeric_season_episode
            and has_content_name
        ) as qualifies_full_data,
        (
            not is_duplicate_upload
            and has_ref_id
            and has_internal_series
            and has_content_name
        ) as qualifies_ref_id_series,
        (
            not is_duplicate_upload
            and has_ref_id
            and not has_internal_series
            and has_content_name
        ) as qualifies_ref_id_only,
        {#- ref_id is NOT required to be blank here (§5.1): leftovers of
            FULL_DATA / REF_ID_SERIES re-enter this bucket. -#}
        (
            not is_duplicate_upload
            and has_internal_series
            and has_numeric_season_episode
        ) as qualifies_series_season_episode,
        (
            not is_duplicate_upload
            and has_internal_series
            and not has_ref_id
            and not has_numeric_season_episode
            and has_content_name
        ) as qualifies_series_only,
        (
            not is_duplicate_upload
            and has_content_name
            and not has_ref_id
            and not has_internal_series
        ) as qualifies_title_only,

        -- lineage
        bronze_loaded_at
    from flagged

)

select * from final
