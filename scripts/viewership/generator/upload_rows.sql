-- The synthetic upload rows (DuckDB), one per row of range(rows), hashed from the seed.
-- A str.format template filled by viewership.generator.upload.upload_sql (integers and the month-name
-- lists only): rows, seed, n_active, n_inactive, month_name, month_title, split_month.
with
files as (select * from gen_files),
rows_ as (
    select r.range as i, f.*
    from range({rows}) as r
    join files as f on r.range >= f.row_start and r.range < f.row_start + f.n_rows
),
picked as (
    select
        rows_.*,
        i - row_start + 1 as source_row_number,
        hash({seed}, i, 'scenario') % 1000 as scenario,
        hash({seed}, i, 'noise') % 1000 as noise,
        hash({seed}, i, 'metric') % 100000 as m
    from rows_
),
with_episode as (
    select
        p.*,
        case when p.scenario < 20 then ie.ref_id else ae.ref_id end as ref_id,
        case when p.scenario < 20 then ie.season else ae.season end as season,
        case when p.scenario < 20 then ie.episode else ae.episode end as episode,
        case when p.scenario < 20 then ie.title else ae.title end as title,
        case when p.scenario < 20 then ie.series_name else ae.series_name end as series_name
    from picked as p
    left join gen_active_episodes as ae on ae.idx = hash({seed}, p.i, 'ep') % {n_active}
    left join gen_inactive_episodes as ie on ie.idx = hash({seed}, p.i, 'ep') % {n_inactive}
),
shaped as (
    select
        w.*,
        -- a date inside the file's period
        make_date(w.year, w.month, 1 + cast(hash({seed}, w.i, 'day') % 28 as integer)) as day_date,
        -- scenario 0..19: an inactive series (2%); 30..34: an id the catalog does not know;
        -- 40..43: junk cells silver must quarantine
        case when w.scenario between 30 and 34 then 'ZZ-' || cast(9000 + w.scenario as varchar)
             else w.ref_id end as content_ref
    from with_episode as w
)
select
    platform,
    domain,
    data_type,
    partner as platform_partner_name,
    case when profile = 'pluto' then 'VOD' end as platform_channel_name,
    territory as platform_territory,
    case profile
        when 'tubi' then 'S' || lpad(cast(season as varchar), 2, '0') || ':E' || cast(episode as varchar)
                         || ' - ' || title
        when 'xumo' then series_name || ' - Season - ' || cast(season as varchar) || ' - Episode - '
                         || cast(episode as varchar)
        when 'youtube' then case when noise < 985 then title else series_name || ' | ' || title end
        when 'roku' then case when noise < 5 then null when noise < 10 then '' else title end
        else title
    end as platform_content_name,
    case profile
        when 'tubi' then content_ref
        when 'xumo' then content_ref
        when 'roku' then case when noise < 400 then null else content_ref end
    end as platform_content_id,
    case profile
        when 'pluto' then series_name || ' (LAS)'
        when 'amagi' then series_name
        when 'tubi' then series_name
        when 'roku' then case when noise % 50 = 7 then upper(series_name) else series_name end
    end as platform_series,
    case
        when grain = 'daily' and scenario = 40 then 'not a date'
        when grain = 'daily' and scenario = 41 then '1970-08-23'
        when grain = 'daily' and profile = 'roku' then strftime(day_date, '%Y-%m-%d')
        when grain = 'daily' and noise % 3 = 0 then strftime(day_date, '%m/%d/%Y')
        when grain = 'daily' and noise % 3 = 1 then strftime(day_date, '%Y%m%d')
        when grain = 'daily' then strftime(day_date, '%Y-%m-%d')
        when grain = 'weekly' then strftime(date_trunc('week', day_date), '%Y-%m-%d')
    end as date,
    case when grain = 'monthly' then
        case noise % 3 when 0 then upper({month_name}) when 1 then {month_name} else {month_title} end
        when grain = 'quarter_split' then {split_month}
        when grain in ('daily', 'weekly') and noise % 4 = 0 then cast(month as varchar)
    end as month,
    'q' || cast(quarter as varchar) as quarter,
    cast(year as varchar) as year,
    case when profile in ('roku', 'youtube', 'xumo', 'amagi') then
        case when scenario = 42 then 'n/a' else cast(round(m / 37.0, 2) as varchar) end end as tot_hov,
    case when profile = 'youtube' then cast(m % 5000 as varchar) end as views,
    case when profile = 'roku' then cast(m % 900 as varchar) end as tot_sessions,
    case when profile = 'tubi' then cast(m * 3 as varchar) end as tot_impressions,
    case when data_type in ('Revenue', 'Viewership_Revenue') then
        case when scenario = 43 then '12..5' else cast(round(m / 1000.0, 2) as varchar) end end as revenue,
    case when profile in ('pluto', 'roku', 'xumo', 'amagi') then cast(episode as varchar) end as episode_number,
    case when profile in ('pluto', 'roku', 'tubi', 'xumo', 'amagi') then cast(season as varchar) end
        as season_number,
    filename,
    source_row_number
from shaped
order by i
