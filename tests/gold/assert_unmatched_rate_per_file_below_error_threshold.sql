-- Unmatched rate per file must not exceed var('unmatched_rate_error')
-- (severity error); the rate is defined in macros/matching/unmatched_rate_per_file.sql.
{{ config(severity='error') }}
with

rates as (

    {{ unmatched_rate_per_file() | indent(4) }}

)

select *
from rates
where unmatched_rate > {{ var('unmatched_rate_error') }}
