"""Incident replay of 2025-12-02 (RL-2) on the REAL Tubi files with the REAL reference catalog.

Tubi titles carry an `Sxx:Eyy - ` prefix, so the strict REF_ID_SERIES branch (title check) never matches:
every record of an active series must be matched by the REF_ID_SERIES fallback (ref_id + series, guarded by
NOT EXISTS), and the 49 Steve Harvey rows of July (series inactive) must end in fct_viewership_unmatched
with reason inactive_series. Removing the fallback (running the strict branch alone) collapses the match.

One warehouse per engine, shared by the tests of this module (one load + one dbt build per engine):
  1. numbers per file (matched by bucket/branch, unmatched by reason, rejected, conservation);
  2. the strict branch alone (the fallback removed from the compiled model SQL) matches nothing;
  3. a re-run and a re-upload of a file insert nothing twice (last: it adds rows to the warehouse).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from scripts.tests.harness import PARTNER_FILES, REFERENCE_DIR, Warehouse, warehouse_for
from viewership import schema

TUBI_FILES = {  # file -> (month given at upload, rows, Steve Harvey rows, sum of revenue)
    "tubi_vod_july.csv": ("July", 321, 49, Decimal("36247.09")),
    "tubi_vod_october_2025.csv": ("October", 272, 0, Decimal("35832.54")),
    "tubi_vod_nov_2025.csv": ("November", 272, 0, Decimal("34472.03")),
}
OTHER_BUCKETS = (
    "int_match_full_data",
    "int_match_ref_id_only",
    "int_match_series_season_episode",
    "int_match_series_only",
    "int_match_title_only",
)


@pytest.fixture(
    scope="module",
    params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def tubi(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A warehouse with the reference catalog and the three Tubi files loaded and built."""
    with warehouse_for(request.param, tmp_path_factory.mktemp(f"tubi_{request.param}")) as wh:
        wh.run_module("viewership.loader", "--reference", str(REFERENCE_DIR))
        for name, (month, *_rest) in TUBI_FILES.items():
            wh.run_module("viewership.loader", "-t", "tubi_vod_revenue", "--year", "2025", "--month", month,
                          str(PARTNER_FILES / name))
        wh.dbt("build")
        yield wh


def _by_file(wh: Warehouse, sql: str) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for row in wh.query(sql):
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def test_tubi_active_series_match_through_ref_id_series_fallback(tubi: Warehouse) -> None:
    matched = _by_file(tubi, """
        select filename, match_bucket, match_branch, count(*)
        from gold.episode_details
        group by filename, match_bucket, match_branch
        order by filename, match_bucket, match_branch""")
    unmatched = _by_file(tubi, """
        select filename, unmatched_reason, qualified_buckets, platform_series, count(*)
        from gold.fct_viewership_unmatched
        group by filename, unmatched_reason, qualified_buckets, platform_series
        order by filename""")
    rejected = _by_file(tubi, "select filename, count(*) from silver.int_viewership_rejected group by filename")
    for name, (_month, rows, harvey, _revenue) in TUBI_FILES.items():
        active = rows - harvey
        assert matched.get(name) == [("REF_ID_SERIES", "fallback", active)], (
            f"{name}: every active-series row matched by REF_ID_SERIES fallback, got {matched.get(name)}"
        )
        expected_unmatched = [("inactive_series", "REF_ID_SERIES", "Steve Harvey", harvey)] if harvey else None
        assert unmatched.get(name) == expected_unmatched, f"{name}: unmatched {unmatched.get(name)}"
        assert rejected.get(name) is None, f"{name}: no Tubi row is rejected, got {rejected.get(name)}"

    labels = tubi.query("select distinct label, domain, phase from gold.episode_details")
    assert labels == [("Revenue", "Distribution Partners", "3")], labels
    assert tubi.scalar("select count(*) from gold.episode_details where deal_parent is null "
                       "or asset_series is null or content_provider is null or ref_id is null") == 0
    assert tubi.scalar("select count(*) from gold.episode_details "
                       "where asset_series = 'Steve Harvey'") == 0, "an inactive series never matches"

    revenue = dict(tubi.query("""
        select filename, sum(revenue) from (
            select filename, revenue_amount as revenue from gold.episode_details
            union all
            select filename, revenue from gold.fct_viewership_unmatched
        ) as accounted group by filename"""))
    for name, (*_rest, total) in TUBI_FILES.items():
        assert abs(Decimal(revenue[name]) - total) < Decimal("0.01"), f"{name}: revenue {revenue[name]} != {total}"


def _strict_branch_only(compiled_sql: str, dialect: str) -> str:
    """The REF_ID_SERIES model with its UNION replaced by the strict (left) branch alone."""
    tree = sqlglot.parse_one(compiled_sql, dialect=dialect)
    unions = list(tree.find_all(exp.Union))
    assert len(unions) == 1, "RL-2: the model has exactly one UNION (strict branch UNION fallback branch)"
    union = unions[0]
    assert union.args.get("distinct") is not False, "RL-2: UNION (distinct), not UNION ALL"
    fallback = union.expression
    guards = [n for n in fallback.find_all(exp.Exists) if isinstance(n.parent, exp.Not)]
    assert guards, "RL-2: the fallback branch is guarded by NOT EXISTS"
    union.replace(union.this)
    return tree.sql(dialect=dialect)


def test_removing_the_fallback_collapses_the_match(tubi: Warehouse) -> None:
    compiled = next(tubi.target_path.glob("compiled/**/int_match_ref_id_series.sql")).read_text()
    strict_only = _strict_branch_only(compiled, tubi.engine)
    others = " union ".join(f"select viewership_id from silver.{m}" for m in OTHER_BUCKETS)

    with_fallback = dict(tubi.query(f"""
        select k.filename, count(distinct c.viewership_id)
        from (select viewership_id from silver.int_match_ref_id_series union {others}) as c
        inner join silver.int_viewership_match_keys as k on k.viewership_id = c.viewership_id
        group by k.filename"""))
    without_fallback = dict(tubi.query(f"""
        select k.filename, count(distinct c.viewership_id)
        from (select viewership_id from ({strict_only}) as strict_only union {others}) as c
        inner join silver.int_viewership_match_keys as k on k.viewership_id = c.viewership_id
        group by k.filename"""))
    for name, (_month, rows, harvey, _revenue) in TUBI_FILES.items():
        assert with_fallback.get(name) == rows - harvey, f"{name}: {with_fallback.get(name)} matchable"
        assert without_fallback.get(name, 0) == 0, (
            f"{name}: without the fallback {without_fallback.get(name)} records would match, expected 0 "
            "(the 2025-12-02 incident: 321 routed, 0 updated)"
        )


def test_dedup_guard_unit_test_runs_once_the_relation_exists(tubi: Warehouse) -> None:
    """The dbt unit tests of incremental runs (fct_episode_details' dedup guard, the match keys' re-upload count)
    need the relation (TOOLCHAIN.md): they run here, after a build."""
    proc = tubi.dbt("test", "--select", "fct_episode_details,test_type:unit",
                    "--select", "int_viewership_match_keys,test_type:unit",
                    "--vars", "{incremental_unit_tests: true}")
    assert "PASS fct_episode_details::episode_details_dedup_guard" in proc.stdout, proc.stdout[-2000:]
    assert "PASS int_viewership_match_keys::match_keys_incremental_run_counts_copies_held" in proc.stdout, (
        proc.stdout[-2000:])


def test_rerun_and_reupload_never_insert_twice(tubi: Warehouse) -> None:
    before = tubi.scalar("select count(*) from gold.episode_details")
    july = "tubi_vod_july.csv"
    columns = ("platform", "domain", "data_type", "platform_partner_name", "platform_content_name",
               "platform_content_id", "platform_series", "season_number", "tot_impressions", "revenue", "year",
               "month", "quarter", "filename", "source_row_number")
    # Re-upload of July behind the loader's back (it refuses a processed filename): same source rows, new ids.
    with tubi.connect() as database:
        rows = database.query(
            f"select {', '.join(columns)} from upload.platform_viewership where filename = {database.param}",
            (july,),
        )
        with database.transaction():
            database.bulk_insert(schema.UPLOAD, columns, rows)
    tubi.dbt("build")  # a re-run of everything, with the re-uploaded copy; the conservation tests run too

    assert tubi.scalar("select count(*) from gold.episode_details") == before, "nothing inserted twice"
    reasons = dict(tubi.query(
        "select unmatched_reason, count(*) from gold.fct_viewership_unmatched "
        "where filename = 'tubi_vod_july.csv' group by unmatched_reason"
    ))
    _month, rows_in_file, harvey, _revenue = TUBI_FILES[july]
    assert reasons == {"inactive_series": harvey, "duplicate_upload": rows_in_file}, reasons
