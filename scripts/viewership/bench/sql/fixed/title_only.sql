{#- TITLE_ONLY: any catalog title, its episode and active series. Sets ref_id. -#}
{% call apply('TITLE_ONLY', sets_ref_id=true) %}
        select v.id, e.ref_id, e.content_provider, e.series_code, e.asset_series, t.asset_title
        from bench_ref.staging as v
        inner join bucket_ids as b on b.id = v.id
        inner join bench_ref.title_keys as t on t.title_key = v.title_key
        inner join bench_ref.episode_keyed as e on e.ref_id = t.ref_id
{% endcall %}
