{#- FULL_DATA (DOMAIN §5.3.1), legacy join conditions: metadata joined on the OR-ed normalized titles,
    NOT keyed on ref_id [BUG kept: this is the faithful reference]. -#}
update bench_ref.staging
set
{{- set_match('FULL_DATA') }}
from (
    select
        v.id,
        s.content_provider,
        s.series_code,
        {{ primary_title('s.titles') }} as asset_series,
        m.title as asset_title
    from bench_ref.staging as v
    inner join bucket_ids as b on b.id = v.id
    inner join {{ src.episode }} as e
        on e.ref_id = v.ref_id and e.episode = v.episode_number and e.season = v.season_number
    inner join {{ src.series }} as s on s.id = e.series_id and lower(s.status) = 'active'
    inner join {{ src.metadata }} as m
        on ({{ norm('m.title') }} = {{ norm('v.platform_content_name') }}
            or {{ norm('m.clean_title') }} = {{ norm('v.platform_content_name') }})
    where m.title is not null and trim(m.title) <> ''
) as src
where {{ update_guard() }}
