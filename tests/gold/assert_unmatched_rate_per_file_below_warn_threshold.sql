-- Unmatched rate per file must not exceed var('unmatched_rate_warn')
-- (severity warn); the rate is defined in macros/matching/unmatched_rate_per_file.sql.
{{ config(severity='warn') }}
with

rates as (

    {{ unmatched_rate_per_file() | indent(4) }}

)

select *
from rates
where unmatched_rate > {{ var('unmatched_rate_warn') }}
