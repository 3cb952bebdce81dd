{#-
    Every normalized record that is not in episode_details, with why
    (replaces record_reprocessing_batch_logs, conflicts and flagged_metadata,
    DOMAIN §5.4). One row per record. Per file:
    bronze records = episode_details records + these + rejected records.

    unmatched_reason:
      - no bucket candidate: the first qualified bucket's failure
        (inactive_series, title_mismatch, unknown_ref_id, series_mismatch,
        no_catalog_episode, unknown_series), no_identifiers when the record
        qualified for no bucket, duplicate_upload for a re-uploaded row;
      - matched but not insertable: failed_validation_<rule> (§6.2);
      - matched and valid but not inserted because its source row is already
        in episode_details: duplicate_of_episode_detail.
    A record in episode_details is never here, even if a later catalog change
    would no longer match it (episode_details is append-only history).
-#}
{%- set metrics = [
    'tot_hov', 'tot_mov', 'tot_sessions', 'views', 'unique_viewers',
    'tot_completions', 'tot_impressions', 'revenue',
] -%}
{%- set bucket_failures = [
    'full_data_failure', 'ref_id_series_failure', 'ref_id_only_failure',
    'series_season_episode_failure', 'series_only_failure',
    'title_only_failure',
] -%}

with

normalized as (

    select * from {{ ref('int_viewership_normalized') }}

),

matched as (

    select * from {{ ref('int_viewership_matched') }}

),

diagnostics as (

    select * from {{ ref('int_viewership_match_diagnostics') }}

),

validated as (

    select * from {{ ref('int_episode_details_validated') }}

),

episode_details as (

    select * from {{ ref('fct_episode_details') }}

),

not_in_episode_details as (

    select normalized.*
    from normalized
    where not exists (
        select 1
        from episode_details
        where episode_details.viewership_id = normalized.viewership_id
    )

),

validation_failures as (

    select
        viewership_id,
        validation_failure,
        row_number() over (
            partition by viewership_id
            order by label_order
        ) as failure_rank
    from validated
    where validation_failure is not null

),

first_validation_failures as (

    select
        viewership_id,
        validation_failure
    from validation_failures
    where failure_rank = 1

),

labeled_records as (

    select distinct viewership_id
    from validated

),

final as (

    select
        -- ids
        cast(records.viewership_id as bigint) as viewership_id,
        cast(records.filename as varchar) as filename,
        cast(records.platform as varchar) as platform,
        cast(records.source_row_number as bigint) as source_row_number,
        cast(records.domain as varchar) as domain,
        cast(records.data_type as varchar) as data_type,

        -- identity as supplied / normalized
        cast(records.platform_content_name as varchar)
            as platform_content_name,
        cast(records.platform_series as varchar) as platform_series,
        cast(records.platform_content_id as varchar) as platform_content_id,
        cast(records.internal_series as varchar) as internal_series,
        cast(records.ref_id as varchar) as platform_ref_id,
        cast(records.season_number as varchar) as season_number,
        cast(records.episode_number as varchar) as episode_number,
        cast(records.deal_parent as bigint) as deal_parent,
        cast(records.year as integer) as year,
        cast(records.quarter as varchar) as quarter,
        cast(records.month as integer) as month,
        cast(records.year_month_day as varchar) as year_month_day,

        -- metrics (kept so sums reconcile per file)
        {%- for metric in metrics %}
        cast(records.{{ metric }} as numeric(38, 6)) as {{ metric }},
        {%- endfor %}

        -- matching outcome
        matched.viewership_id is not null as is_asset_matched,
        cast(matched.ref_id as varchar) as matched_ref_id,
        cast(matched.match_bucket as varchar) as match_bucket,
        cast(matched.match_branch as varchar) as match_branch,
        cast(diagnostics.qualified_buckets as varchar) as qualified_buckets,
        {%- for column in bucket_failures %}
        cast(diagnostics.{{ column }} as varchar) as {{ column }},
        {%- endfor %}

        -- why the record is not in episode_details
        cast(
            case
                when diagnostics.viewership_id is not null
                    then diagnostics.match_failure_reason
                when first_validation_failures.viewership_id is not null
                    then
                        'failed_validation_'
                        || first_validation_failures.validation_failure
                when labeled_records.viewership_id is null
                    then 'failed_validation_unknown_data_type'
                else 'duplicate_of_episode_detail'
            end
            as varchar
        ) as unmatched_reason,

        -- lineage
        cast('3' as varchar) as phase
    from not_in_episode_details as records
    left join matched
        on records.viewership_id = matched.viewership_id
    left join diagnostics
        on records.viewership_id = diagnostics.viewership_id
    left join first_validation_failures
        on records.viewership_id = first_validation_failures.viewership_id
    left join labeled_records
        on records.viewership_id = labeled_records.viewership_id

)

select * from final
