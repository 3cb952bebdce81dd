-- Every failed bucket of an unmatched record has a named reason: the
-- diagnostics mirror the bucket joins, so 'unexplained' means they drifted.
with

diagnostics as (

    select * from {{ ref('int_viewership_match_diagnostics') }}

)

select *
from diagnostics
where
    'unexplained' in (
        coalesce(full_data_failure, ''),
        coalesce(ref_id_series_failure, ''),
        coalesce(ref_id_only_failure, ''),
        coalesce(series_season_episode_failure, ''),
        coalesce(series_only_failure, ''),
        coalesce(title_only_failure, '')
    )
