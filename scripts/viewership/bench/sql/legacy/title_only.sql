{#- TITLE_ONLY (DOMAIN §5.3.6): any metadata row with the title, its episode and active series. Sets
    ref_id. -#}
update bench_ref.staging
set
{{- set_match('TITLE_ONLY', sets_ref_id=true) }}
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
) as src
where {{ update_guard() }}
