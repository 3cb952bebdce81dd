{#- FULL_DATA, legacy semantics (title not keyed on ref_id), equality joins. -#}
{% call apply('FULL_DATA') %}
        select v.id, e.ref_id, e.content_provider, e.series_code, e.asset_series, t.asset_title
        from bench_ref.staging as v
        inner join bucket_ids as b on b.id = v.id
        inner join bench_ref.episode_keyed as e
            on e.ref_id = v.ref_id and e.episode = v.episode_number and e.season = v.season_number
        inner join bench_ref.title_keys as t on t.title_key = v.title_key and t.has_title
{% endcall %}
