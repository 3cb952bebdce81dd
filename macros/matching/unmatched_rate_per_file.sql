{#-
    Unmatched rate per (platform, filename), the query behind the warn- and
    error-level singular tests in tests/gold/. Rate = unmatched records that
    qualified for at least one bucket / records of the file that could be
    matched at all: records with nothing to match on (no_identifiers, e.g.
    channel-level Freevee rows) and duplicate uploads count in conservation,
    not in this rate. It exists to catch a matching collapse (Tubi July:
    321 -> 0, RL-2).
-#}
{% macro unmatched_rate_per_file() -%}
with

normalized as (

    select * from {{ ref('int_viewership_normalized') }}

),

unmatched as (

    select * from {{ ref('fct_viewership_unmatched') }}

),

excluded as (

    select viewership_id
    from unmatched
    where unmatched_reason in ('no_identifiers', 'duplicate_upload')

),

file_records as (

    select
        normalized.platform,
        normalized.filename,
        count(*) as matchable_records
    from normalized
    where
        not exists (
            select 1
            from excluded
            where excluded.viewership_id = normalized.viewership_id
        )
    group by 1, 2

),

file_unmatched as (

    select
        platform,
        filename,
        count(*) as unmatched_records
    from unmatched
    where unmatched_reason not in ('no_identifiers', 'duplicate_upload')
    group by 1, 2

),

rates as (

    select
        file_records.platform,
        file_records.filename,
        file_records.matchable_records,
        coalesce(file_unmatched.unmatched_records, 0) as unmatched_records,
        1.0 * coalesce(file_unmatched.unmatched_records, 0)
        / file_records.matchable_records as unmatched_rate
    from file_records
    left join file_unmatched
        on
            file_records.platform = file_unmatched.platform
            and file_records.filename = file_unmatched.filename

)

select * from rates
{%- endmacro %}
