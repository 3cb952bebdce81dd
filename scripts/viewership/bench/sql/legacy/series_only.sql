{#- SERIES_ONLY (DOMAIN §5.3.5): series by primary title (case-insensitive); metadata rows with the
    title whose ref_id prefix equals the series code. Sets ref_id. -#}
update bench_ref.staging
set
{{- set_match('SERIES_ONLY', sets_ref_id=true) }}
from (
    select
        v.id,
        m.ref_id,
        s.content_provider,
        s.series_code,
        {{ primary_title('s.titles') }} as asset_series,
        m.title as asset_title
    from bench_ref.staging as v
    inner join bucket_ids as b on b.id = v.id
    inner join {{ src.series }} as s
        on lower({{ primary_title('s.titles') }}) = lower(v.internal_series) and lower(s.status) = 'active'
    inner join {{ src.metadata }} as m
        on ({{ norm('m.title') }} = {{ norm('v.platform_content_name') }}
            or {{ norm('m.clean_title') }} = {{ norm('v.platform_content_name') }})
        and lower(split_part(m.ref_id, '-', 1)) = lower(s.series_code)
) as src
where {{ update_guard() }}
