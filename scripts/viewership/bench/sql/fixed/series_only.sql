{#- SERIES_ONLY: series by primary title (case-insensitive), titles whose ref_id prefix is the series
    code. Sets ref_id. -#}
{% call apply('SERIES_ONLY', sets_ref_id=true) %}
        select v.id, t.ref_id, s.content_provider, s.series_code, s.asset_series, t.asset_title
        from bench_ref.staging as v
        inner join bucket_ids as b on b.id = v.id
        inner join bench_ref.series_keyed as s on s.series_key = lower(v.internal_series)
        inner join bench_ref.title_keys as t on t.title_key = v.title_key and t.ref_prefix = s.code_key
{% endcall %}
