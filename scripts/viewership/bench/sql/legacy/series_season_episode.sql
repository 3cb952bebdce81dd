{#- SERIES_SEASON_EPISODE (DOMAIN §5.3.4): pass 1 (series primary title = internal_series, case-
    sensitive, + season/episode), then pass 2 on the leftovers (any metadata row with the title; the
    series is not compared). Both set ref_id. No conflict handler. -#}
update bench_ref.staging
set
{{- set_match('SERIES_SEASON_EPISODE', sets_ref_id=true) }}
from (
    select
        v.id,
        e.ref_id,
        s.content_provider,
        s.series_code,
        {{ primary_title('s.titles') }} as asset_series,
        m.title as asset_title
    from bench_ref.staging as v
    inner join bucket_ids as b on b.id = v.id
    inner join {{ src.series }} as s
        on {{ primary_title('s.titles') }} = v.internal_series and lower(s.status) = 'active'
    inner join {{ src.episode }} as e
        on e.series_id = s.id and e.episode = v.episode_number and e.season = v.season_number
    inner join {{ src.metadata }} as m on m.ref_id = e.ref_id
    where v.platform_content_name is not null
) as src
where {{ update_guard() }};

update bench_ref.staging
set
{{- set_match('SERIES_SEASON_EPISODE', sets_ref_id=true) }}
from (
    select
        v.id,
        e.ref_id,
        s.content_provider,
        s.series_code,
        {{ primary_title('s.titles') }} as asset_series,
        m.title as asset_title
    from bench_ref.staging as v
    inner join bucket_ids as b on b.id = v.id
    inner join {{ src.metadata }} as m
        on ({{ norm('m.title') }} = {{ norm('v.platform_content_name') }}
            or {{ norm('m.clean_title') }} = {{ norm('v.platform_content_name') }})
    inner join {{ src.episode }} as e on e.ref_id = m.ref_id
    inner join {{ src.series }} as s on s.id = e.series_id and lower(s.status) = 'active'
    where v.internal_series is not null and v.content_provider is null
) as src
where {{ update_guard() }}
