{#- SERIES_SEASON_EPISODE: pass 1 (series primary title, case-sensitive, + season/episode), then pass 2
    (title only) on the leftovers. Both set ref_id. -#}
{% call apply('SERIES_SEASON_EPISODE', sets_ref_id=true) %}
        select v.id, e.ref_id, e.content_provider, e.series_code, e.asset_series, r.asset_title
        from bench_ref.staging as v
        inner join bucket_ids as b on b.id = v.id
        inner join bench_ref.episode_keyed as e
            on e.asset_series = v.internal_series
            and e.episode = v.episode_number
            and e.season = v.season_number
        inner join bench_ref.ref_titles as r on r.ref_id = e.ref_id
        where v.platform_content_name is not null
{% endcall %};

{% call apply('SERIES_SEASON_EPISODE', sets_ref_id=true) %}
        select v.id, e.ref_id, e.content_provider, e.series_code, e.asset_series, t.asset_title
        from bench_ref.staging as v
        inner join bucket_ids as b on b.id = v.id
        inner join bench_ref.title_keys as t on t.title_key = v.title_key
        inner join bench_ref.episode_keyed as e on e.ref_id = t.ref_id
        where v.internal_series is not null and v.content_provider is null
{% endcall %}
