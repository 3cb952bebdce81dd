"""The synthetic generator is deterministic and covers the cases the pipeline must handle."""

from __future__ import annotations

import duckdb

from viewership import generator


def _rows(seed: int, rows: int = 5_000) -> list[tuple[object, ...]]:
    catalog = generator.build_catalog(500, seed)
    files = generator.plan_files(rows, seed)
    con = duckdb.connect()
    n_active, n_inactive = generator._prepare(con, catalog, files)
    return con.execute(generator.upload_sql(rows, seed, n_active, n_inactive)).fetchall()


def test_same_seed_same_rows_and_other_seed_other_rows() -> None:
    first, second, other = _rows(7), _rows(7), _rows(8)
    assert first == second
    assert first != other
    assert len(first) == 5_000


def test_generated_data_covers_the_hard_cases() -> None:
    rows = _rows(11, 20_000)
    cols = generator.GENERATED_COLUMNS
    records = [dict(zip(cols, r, strict=True)) for r in rows]
    titles = [r["platform_content_name"] or "" for r in records]
    months = {r["month"] for r in records if r["month"] and not r["month"].isdigit()}
    assert any(t.startswith("S0") and ":E" in t for t in titles), "Tubi-style S03:E140 - prefixes"
    assert {m for m in months if m.isupper()} and {m for m in months if m.islower()}, "month names in any case"
    assert any(r["date"] is None and r["month"] is None and r["quarter"] for r in records), "quarterly-only rows"
    assert any(r["date"] == "not a date" for r in records) and any(r["tot_hov"] == "n/a" for r in records)
    assert any(r["platform_content_name"] == "" for r in records), "blank titles"
    assert any((r["platform_content_id"] or "").startswith("ZZ-") for r in records), "unknown ref_ids"
    assert {r["data_type"] for r in records} == {"Viewership", "Revenue", "Viewership_Revenue"}


def test_catalog_has_ref_ids_that_are_substrings_of_others_and_inactive_series() -> None:
    catalog = generator.build_catalog(2_000, 3)
    ref_ids = {e["ref_id"] for e in catalog.episodes}
    assert any(r + "1" in ref_ids for r in ref_ids), "e.g. SW-1711 and SW-17111 both exist"
    assert any(s["status"].lower() == "inactive" for s in catalog.series)
    assert len({e["ref_id"] for e in catalog.episodes}) == len(catalog.episodes), "ref_ids are unique"
