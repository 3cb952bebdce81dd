{#- REF_ID_SERIES (DOMAIN §5.3.2): strict branch UNION fallback guarded by NOT EXISTS (red line #2). -#}
update bench_ref.staging
set
{{- set_match('REF_ID_SERIES') }}
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
    inner join {{ src.metadata }} as m on m.ref_id = e.ref_id
    inner join {{ src.metadata }} as m2
        on m2.ref_id = e.ref_id
        and ({{ norm('m2.title') }} = {{ norm('v.platform_content_name') }}
             or {{ norm('m2.clean_title') }} = {{ norm('v.platform_content_name') }})
    where lower({{ primary_title('s.titles') }}) = lower(v.internal_series)

    union

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
    inner join {{ src.metadata }} as m on m.ref_id = e.ref_id
    where lower({{ primary_title('s.titles') }}) = lower(v.internal_series)
        and not exists (
            select 1
            from {{ src.metadata }} as m3
            where m3.ref_id = e.ref_id
                and ({{ norm('m3.title') }} = {{ norm('v.platform_content_name') }}
                     or {{ norm('m3.clean_title') }} = {{ norm('v.platform_content_name') }})
        )
) as src
where {{ update_guard() }}
