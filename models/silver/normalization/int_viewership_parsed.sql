{#-
    Step 1 of normalization (DOMAIN §4.1-4.3): one row per bronze row, every
    value trimmed and parsed, dates decided PER ROW, metrics typed, and the
    first reason (if any) why the row cannot be normalized. Pure SELECT:
    int_viewership_normalized keeps the rows without a reason,
    int_viewership_rejected the others, so no row is lost.

    Date decision per row (fixes the per-file decision, [BUG] §4.3/§10.9):
      * a row whose own `date` parses to year >= 2000 is `daily`: every part
        comes from that date, which wins over uploaded year/month/quarter
        (a disagreement sets has_date_conflict);
      * a row without a date keeps its uploaded year and month (English month
        names, any case, become numbers) -> `monthly`, quarter from
        cast(month as integer), year_month_day/week/day from the 1st;
      * a row with only year + quarter is `quarterly`.
    A date that cannot be read, or reads before 2000 (1970 epoch offsets),
    never becomes a value: the row is quarantined.
-#}
{{
    config(
        post_hook="{{ analyze_relation(this) }}",
    )
}}

{%- set metrics = [
    'tot_hov', 'tot_mov', 'tot_sessions', 'sessions', 'views',
    'unique_viewers', 'tot_completions', 'tot_impressions',
    'channel_adpool_impressions', 'avg_duration_per_session',
    'avg_duration_per_viewer', 'avg_session_count', 'duration',
    'revenue', 'channel_adpool_revenue',
] -%}
{%- set attributes = [
    'city', 'country', 'device_id', 'device_name', 'device_type', 'language',
    'viewership_type',
] -%}
{%- set months = [
    ('january', 'jan'), ('february', 'feb'), ('march', 'mar'),
    ('april', 'apr'), ('may', 'may'), ('june', 'jun'), ('july', 'jul'),
    ('august', 'aug'), ('september', 'sep'), ('october', 'oct'),
    ('november', 'nov'), ('december', 'dec'),
] -%}
{#- A label the pipeline does not model (an O&O register's `Expense`) is
    quarantined, never counted as revenue nor dropped (issue #20). -#}
{%- set known_data_types = "('viewership', 'revenue', 'viewership_revenue')" -%}
{%- set key_separator = "chr(31)" -%}
{%- set null_marker = "chr(30)" -%}

with

bronze as (

    select * from {{ ref('stg_upload__platform_viewership') }}
    {{ records_since_last_run(
        input_expression=utc_timestamp('bronze_loaded_at')
    ) }}

),

trimmed as (

    select
        -- ids
        viewership_id,
        filename,
        source_row_number,
        platform,
        domain,
        data_type,

        -- raw identity ('' -> NULL)
        nullif(trim(platform_partner_name), '') as platform_partner_name,
        nullif(trim(platform_channel_name), '') as platform_channel_name,
        nullif(trim(platform_territory), '') as platform_territory,
        nullif(trim(platform_content_name), '') as platform_content_name,
        nullif(trim(platform_content_id), '') as platform_content_id,
        nullif(trim(platform_series), '') as platform_series,

        -- normalized values supplied by the upload (template / UI)
        nullif(trim(partner), '') as uploaded_partner,
        nullif(trim(channel), '') as uploaded_channel,
        nullif(trim(territory), '') as uploaded_territory,
        nullif(trim(ref_id), '') as uploaded_ref_id,

        -- dates as text
        nullif(trim(date_raw), '') as date_text,
        nullif(trim(year_raw), '') as year_text,
        nullif(trim(month_raw), '') as month_text,
        nullif(trim(quarter_raw), '') as quarter_text,
        nullif(trim(start_time_raw), '') as start_time_text,
        nullif(trim(end_time_raw), '') as end_time_text,

        -- metrics as text
        {%- for metric in metrics %}
        nullif(trim({{ metric }}_raw), '') as {{ metric }}_text,
        {%- endfor %}

        -- attributes
        {%- for attribute in attributes %}
        nullif(trim({{ attribute }}), '') as {{ attribute }},
        {%- endfor %}
        {{ normalize_integer_text('episode_number') }} as episode_number,
        {{ normalize_integer_text('season_number') }} as season_number,

        -- lineage
        uploaded_at,
        {{ utc_timestamp('bronze_loaded_at') }} as bronze_loaded_at
    from bronze

),

recognised as {{ materialized_cte() }} (

    select
        trimmed.*,

        -- dates: recognised format -> canonical YYYY-MM-DD text
        {{ canonical_date_text('date_text') }} as date_iso,
        {{ canonical_date_text('start_time_text') }} as start_time_iso,
        {{ canonical_date_text('end_time_text') }} as end_time_iso,

        -- uploaded period
        case
            when {{ regexp_full_match('year_text', '[0-9]{4}([.]0+)?') }}
                then cast(substring(year_text, 1, 4) as integer)
        end as uploaded_year,
        case lower(month_text)
            {%- for full_name, short_name in months %}
            when '{{ full_name }}' then {{ loop.index }}
            {%- if short_name != full_name %}
            when '{{ short_name }}' then {{ loop.index }}
            {%- endif %}
            {%- endfor %}
            when 'sept' then 9
            else
                case
                    when {{ parse_integer_text('month_text') }} between 1 and 12
                        then {{ parse_integer_text('month_text') }}
                end
        end as uploaded_month,
        case
            when {{ regexp_full_match('lower(quarter_text)', 'q?[1-4]') }}
                then 'q' || right(quarter_text, 1)
        end as uploaded_quarter,

        -- metrics
        {%- for metric in metrics %}
        {{ parse_numeric_text(metric ~ '_text') }} as {{ metric }}_value,
        {%- endfor %}

        -- deal lookup key: the eight values the deal rules read, NULL-safe
        {%- set deal_key_columns = [
            'platform', 'domain', 'platform_partner_name',
            'platform_channel_name', 'platform_territory',
            'uploaded_partner', 'uploaded_channel', 'uploaded_territory',
        ] %}
        {% for column in deal_key_columns -%}
        {%- if not loop.first %}
        || {{ key_separator }} || {% endif -%}
        coalesce({{ column }}, {{ null_marker }})
        {%- endfor %} as deal_key
    from trimmed

),

dated as {{ materialized_cte() }} (

    select
        recognised.*,
        {{ iso_date_text_to_date('date_iso') }} as date_value,
        {{ timestamp_from_iso_and_text('start_time_iso', 'start_time_text') }}
            as start_time,
        {{ timestamp_from_iso_and_text('end_time_iso', 'end_time_text') }}
            as end_time
    from recognised

),

row_dates as {{ materialized_cte() }} (

    {#- The per-row decision: a usable own date (year >= 2000) or none. -#}
    select
        dated.*,
        case
            when cast(extract(year from date_value) as integer) >= 2000
                then date_value
        end as date_day
    from dated

),

periods as {{ materialized_cte() }} (

    select
        row_dates.*,
        case
            when date_day is not null
                then cast(extract(year from date_day) as integer)
            else uploaded_year
        end as period_year,
        case
            when date_day is not null
                then cast(extract(month from date_day) as integer)
            else uploaded_month
        end as period_month
    from row_dates

),

period_parts as {{ materialized_cte() }} (

    select
        periods.*,
        case
            when period_month is null then uploaded_quarter
            when cast(period_month as integer) <= 3 then 'q1'
            when cast(period_month as integer) <= 6 then 'q2'
            when cast(period_month as integer) <= 9 then 'q3'
            else 'q4'
        end as period_quarter,
        case
            when date_day is not null then 'daily'
            when period_month is not null then 'monthly'
            else 'quarterly'
        end as date_grain
    from periods

),

checked as {{ materialized_cte() }} (

    {#- First failing rule wins; the order is the order of the checks. -#}
    select
        period_parts.*,
        case
            when date_text is not null and date_value is null
                then 'unparseable_date'
            when date_value is not null and date_day is null
                then 'date_before_2000'
            when start_time_text is not null and start_time is null
                then 'unparseable_timestamp'
            when end_time_text is not null and end_time is null
                then 'unparseable_timestamp'
            when
                date_day is null and year_text is not null
                and uploaded_year is null
                then 'invalid_year'
            when date_day is null and uploaded_year < 2000
                then 'date_before_2000'
            when date_day is null and uploaded_year is null
                then 'missing_year'
            when
                date_day is null and month_text is not null
                and uploaded_month is null
                then 'invalid_month'
            when
                date_day is null and uploaded_month is null
                and quarter_text is not null and uploaded_quarter is null
                then 'invalid_quarter'
            when
                date_day is null and uploaded_month is null
                and uploaded_quarter is null
                then 'missing_period'
            {%- for metric in metrics %}
            when {{ metric }}_text is not null and {{ metric }}_value is null
                then 'non_numeric_metric'
            {%- endfor %}
            when
                data_type is not null
                and lower(trim(data_type)) not in {{ known_data_types }}
                then 'unsupported_data_type'
        end as reject_reason,
        case
            when date_text is not null and date_value is null then 'date'
            when date_value is not null and date_day is null then 'date'
            when start_time_text is not null and start_time is null
                then 'start_time'
            when end_time_text is not null and end_time is null then 'end_time'
            when
                date_day is null and year_text is not null
                and uploaded_year is null
                then 'year'
            when date_day is null and uploaded_year < 2000 then 'year'
            when date_day is null and uploaded_year is null then 'year'
            when
                date_day is null and month_text is not null
                and uploaded_month is null
                then 'month'
            when
                date_day is null and uploaded_month is null
                and quarter_text is not null and uploaded_quarter is null
                then 'quarter'
            when
                date_day is null and uploaded_month is null
                and uploaded_quarter is null
                then 'quarter'
            {%- for metric in metrics %}
            when {{ metric }}_text is not null and {{ metric }}_value is null
                then '{{ metric }}'
            {%- endfor %}
            when
                data_type is not null
                and lower(trim(data_type)) not in {{ known_data_types }}
                then 'data_type'
        end as reject_column
    from period_parts

),

final as (

    select
        -- ids
        viewership_id,
        filename,
        source_row_number,
        platform,
        domain,
        data_type,

        -- identity
        platform_partner_name,
        platform_channel_name,
        platform_territory,
        platform_content_name,
        platform_content_id,
        platform_series,
        uploaded_partner,
        uploaded_channel,
        uploaded_territory,
        uploaded_ref_id,
        deal_key,

        -- dates
        date_day,
        case
            when date_day is not null
                then
                    lpad(cast(period_month as varchar), 2, '0') || '/'
                    || lpad(cast(extract(day from date_day) as varchar), 2, '0')
                    || '/' || cast(period_year as varchar)
        end as full_date,
        case
            when date_day is not null then {{ week_start('date_day') }}
            when period_month is not null and period_year >= 2000
                then {{ week_start(
                    date_from_parts('period_year', 'period_month', 1)
                ) }}
        end as week,
        case
            when date_day is not null
                then cast(extract(day from date_day) as integer)
            when period_month is not null then 1
        end as day,
        period_month as month,
        period_quarter as quarter,
        period_year as year,
        case
            when period_month is not null
                then
                    cast(period_year as varchar)
                    || lpad(cast(period_month as varchar), 2, '0') || '01'
        end as year_month_day,
        date_grain,
        case
            when date_day is not null
                then
                    coalesce(uploaded_year <> period_year, false)
                    or coalesce(uploaded_month <> period_month, false)
                    or coalesce(uploaded_quarter <> period_quarter, false)
                    or (year_text is not null and uploaded_year is null)
                    or (month_text is not null and uploaded_month is null)
                    or (quarter_text is not null and uploaded_quarter is null)
            else
                coalesce(uploaded_quarter <> period_quarter, false)
                or (quarter_text is not null and uploaded_quarter is null)
        end as has_date_conflict,
        start_time,
        end_time,

        -- metrics (DOMAIN §4.1: hours from minutes, then minutes from hours)
        cast(coalesce(tot_hov_value, tot_mov_value / 60) as numeric(38, 6))
            as tot_hov,
        cast(coalesce(tot_mov_value, tot_hov_value * 60) as numeric(38, 6))
            as tot_mov,
        {%- for metric in metrics if metric not in ('tot_hov', 'tot_mov') %}
        cast({{ metric }}_value as numeric(38, 6)) as {{ metric }},
        {%- endfor %}

        -- attributes
        {%- for attribute in attributes %}
        {{ attribute }},
        {%- endfor %}
        episode_number,
        season_number,

        -- quarantine
        reject_reason,
        reject_column,
        case
            when reject_column = 'date' then date_text
            when reject_column = 'start_time' then start_time_text
            when reject_column = 'end_time' then end_time_text
            when reject_column = 'year' then year_text
            when reject_column = 'month' then month_text
            when reject_column = 'quarter' then quarter_text
            {%- for metric in metrics %}
            when reject_column = '{{ metric }}' then {{ metric }}_text
            {%- endfor %}
            when reject_column = 'data_type' then data_type
        end as reject_value,

        -- lineage
        uploaded_at,
        bronze_loaded_at
    from checked

)

select * from final
