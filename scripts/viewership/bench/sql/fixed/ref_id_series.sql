{#- REF_ID_SERIES: strict UNION fallback guarded by NOT EXISTS (red line #2), equality joins. -#}
{% call apply('REF_ID_SERIES') %}
        select v.id, e.ref_id, e.content_provider, e.series_code, e.asset_series, t.asset_title
        from bench_ref.staging as v
        inner join bucket_ids as b on b.id = v.id
        inner join bench_ref.episode_keyed as e
            on e.ref_id = v.ref_id and e.series_key = lower(v.internal_series)
        inner join bench_ref.title_keys as t on t.ref_id = e.ref_id and t.title_key = v.title_key

        union

        select v.id, e.ref_id, e.content_provider, e.series_code, e.asset_series, r.asset_title
        from bench_ref.staging as v
        inner join bucket_ids as b on b.id = v.id
        inner join bench_ref.episode_keyed as e
            on e.ref_id = v.ref_id and e.series_key = lower(v.internal_series)
        inner join bench_ref.ref_titles as r on r.ref_id = e.ref_id
        where not exists (
            select 1
            from bench_ref.title_keys as t3
            where t3.ref_id = e.ref_id and t3.title_key = v.title_key
        )
{% endcall %}
