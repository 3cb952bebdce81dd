-- Unmatched rate per file must not exceed var('unmatched_rate_warn')
-- (severity warn); the rate is defined in
-- macros/matching/unmatched_rate_per_file.sql. Each failing row names the
-- file, platform, rate and threshold; dbt build prints them (on-run-end hook
-- report_unmatched_rate_failures) and --store-failures keeps them.
{{ config(severity='warn') }}
with

rates as (

    {{ unmatched_rate_per_file() | indent(4) }}

)

select
    platform,
    filename,
    matchable_records,
    unmatched_records,
    unmatched_rate,
    {{ var('unmatched_rate_warn') }} as threshold
from rates
where unmatched_rate > {{ var('unmatched_rate_warn') }}
