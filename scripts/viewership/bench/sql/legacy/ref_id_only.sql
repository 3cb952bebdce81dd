{#- REF_ID_ONLY (DOMAIN §5.3.3): episode by ref_id, any metadata row with the title (not keyed on
    ref_id [BUG kept]). -#}
update bench_ref.staging
set
{{- set_match('REF_ID_ONLY') }}
from (
    select
        v.id,
        s.content_provider,
        s.series_code,
        {{ primary_title('s.titles') }} as asset_series,
        m.title as asset_title
    from bench_ref.staging as v
    inner join bucket_ids as b on b.id = v.id
    inner join {{ src.episode }} as e on e.ref_id = v.ref_id
    inner join {{ src.series }} as s on s.id = e.series_id and lower(s.status) = 'active'
    inner join {{ src.metadata }} as m
        on ({{ norm('m.title') }} = {{ norm('v.platform_content_name') }}
            or {{ norm('m.clean_title') }} = {{ norm('v.platform_content_name') }})
) as src
where {{ update_guard() }}
