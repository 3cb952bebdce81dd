"""Every real partner file loads with its template; rows and metric totals equal DOMAIN §9 (long rows for wide
files), on DuckDB and PostgreSQL. The files are loaded once per engine; the tests then read the upload table."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from scripts.tests.harness import PARTNER_FILES, Warehouse
from scripts.tests.loader.conftest import run_cli
from viewership.schema import UPLOAD

# file, template, UI inputs, data rows read, upload rows written, metric totals from DOMAIN §9
FILES: list[tuple[str, str, list[str], int, int, dict[str, str]]] = [
    ("tubi_vod_july.csv", "tubi_vod_revenue", ["--year", "2025", "--month", "July"], 321, 321,
     {"revenue": "36247.09", "tot_impressions": "6996555"}),
    ("tubi_vod_october_2025.csv", "tubi_vod_revenue", ["--year", "2025", "--month", "October"], 272, 272,
     {"revenue": "35832.54", "tot_impressions": "7508869"}),
    ("tubi_vod_nov_2025.csv", "tubi_vod_revenue", ["--year", "2025", "--month", "November"], 272, 272,
     {"revenue": "34472.03", "tot_impressions": "7215365"}),
    ("Nosey - Q4 2025 US Oct.csv", "pluto_us_revenue", ["--year", "2025", "--month", "October"], 1972, 1972,
     {"revenue": "138599.65", "tot_mov": "92131726", "tot_sessions": "3911249"}),
    ("Pluto LatAm Q3 2025 Jully.xlsx - 1.csv", "pluto_latam_revenue", ["--year", "2025", "--quarter", "q3"],
     173, 3 * 173, {"revenue": "2.06"}),
    # DOMAIN §9 (2,955 rows, 182,227.50 hours) left out lines 268 and 806, which carry a Provider Source Id but
    # no title: they are loaded now (6 rows, 283.35 hours) so that they end unmatched with a reason downstream.
    ("Roku Nosey Data CA Oct-Dec.csv", "roku_wide_daily_episode", ["--territory", "Canada"], 931, 2961,
     {"tot_hov": "182510.85"}),
    # DOMAIN §9 gives rows (6, long 292) but no totals for the series-level file.
    ("Roku Confess Nosey Data US Oct-Dec.csv", "roku_wide_daily_series",
     ["--channel", "Confess by Nosey", "--territory", "United States"], 6, 292, {}),
    ("freevee_linear_jan_26.csv", "freevee_linear_daily", [], 155, 155, {"tot_mov": "88858826.93"}),
]
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def loaded(module_wh: Warehouse) -> dict[str, dict[str, Any]]:
    """Load every real file once; the --json summary per file."""
    summaries: dict[str, dict[str, Any]] = {}
    for name, template, inputs, *_ in FILES:
        result = run_cli(module_wh, str(PARTNER_FILES / name), "--template", template, "--json", *inputs)
        assert result.exit_code == 0, result.output
        summaries[name] = json.loads(result.stdout)
    return summaries


def db_totals(wh: Warehouse, filename: str, metrics: list[str]) -> tuple[int, dict[str, Decimal]]:
    with wh.connect() as db:
        table = db.table_ref(UPLOAD)
        sums = ", ".join(f"sum(cast({m} as numeric(38, 10)))" for m in metrics) or "0"
        row = db.query(f"select count(*), {sums} from {table} where filename = {db.param}", [filename])[0]
    return int(row[0]), {m: Decimal(str(v)).quantize(CENT) for m, v in zip(metrics, row[1:], strict=False)}


def test_every_partner_file_has_a_case() -> None:
    assert sorted(p.name for p in PARTNER_FILES.iterdir()) == sorted(f[0] for f in FILES)


@pytest.mark.parametrize(("name", "template", "inputs", "rows_read", "rows_written", "totals"), FILES,
                         ids=[f[0] for f in FILES])
def test_file_loads_with_domain_figures(
    module_wh: Warehouse, loaded: dict[str, dict[str, Any]], name: str, template: str, inputs: list[str],
    rows_read: int, rows_written: int, totals: dict[str, str],
) -> None:
    summary = loaded[name]
    assert summary["status"] == "ok"
    assert (summary["rows_read"], summary["rows_written"]) == (rows_read, rows_written)
    for metric, expected in totals.items():
        assert Decimal(str(summary["metric_totals"][metric])).quantize(CENT) == Decimal(expected).quantize(CENT)
    count, sums = db_totals(module_wh, name, list(totals))
    assert count == rows_written
    assert sums == {m: Decimal(v).quantize(CENT) for m, v in totals.items()}
    with module_wh.connect() as db:
        states = db.query(
            f"select distinct processed, phase, data_type, platform from {db.table_ref(UPLOAD)} "
            f"where filename = {db.param}", [name])
    assert states == [(None, None, summary["data_type"], summary["platform"])]


def test_roku_wide_file_keeps_rows_without_provider_id(module_wh: Warehouse, loaded: dict[str, Any]) -> None:
    name = "Roku Nosey Data CA Oct-Dec.csv"
    # Line 374 has no identifier at all (no series, title, season, episode or id): skipped, with its numbers.
    assert loaded[name]["rows_skipped"] == {"blank_title": 1}
    assert loaded[name]["skipped_detail"] == {"blank_title": {
        "source_rows": 1, "rows_not_written": 25,
        "metric_totals": {"tot_completions": 163.0, "tot_hov": 218.41, "tot_sessions": 631.0, "views": 468.0}}}
    assert loaded[name]["date_format"].startswith("DD-MM-YYYY")
    assert _q(module_wh, "select count(distinct source_row_number), min(date), max(date) "
              "from upload.platform_viewership where filename = ?", name) == [(931 - 1, "2025-10-01", "2025-12-31")]
    # DOMAIN §9: 486 source rows lack a Provider Source Id; one of them (line 374) is the skipped row.
    assert _q(module_wh, "select count(distinct source_row_number) from upload.platform_viewership "
              "where filename = ? and platform_content_id is null", name) == [(485,)]
    # Lines 268 and 806: an id but no title -- loaded, not skipped.
    assert _q(module_wh, "select source_row_number, platform_content_id, count(*) from upload.platform_viewership "
              "where filename = ? and platform_content_name is null and platform_series is null "
              "group by source_row_number, platform_content_id order by 1", name) == [
        (268, "US-70110553-25999-18720", 1), (806, "US-39236688-22468484-22455086", 5)]


def _q(wh: Warehouse, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return wh.query(sql.replace("?", "%s") if wh.engine == "postgres" else sql, list(params))


def test_pluto_us_banner_blanks_and_separators(module_wh: Warehouse, loaded: dict[str, Any]) -> None:
    name = "Nosey - Q4 2025 US Oct.csv"
    assert (loaded[name]["header_line"], loaded[name]["banner_rows"]) == (5, 4)
    # 8 rows with blank TVMs/Sessions stay NULL (the legacy app wrote 0.0)
    assert _q(module_wh, "select count(*) from upload.platform_viewership where filename = ? "
              "and tot_mov is null and tot_sessions is null", name) == [(8,)]
    eps = _q(module_wh, "select episode_number from upload.platform_viewership where filename = ? "
             "and episode_number in ('1001', '1734', '1722') order by 1", name)
    assert [e[0] for e in eps] == ["1001", "1722", "1734"]
    assert _q(module_wh, "select count(*) from upload.platform_viewership where filename = ? and "
              "year = '2025' and quarter = 'q4' and month = 'October'", name) == [(1972,)]


def test_pluto_latam_quarterly_split_conserves_every_row(module_wh: Warehouse, loaded: dict[str, Any]) -> None:
    name = "Pluto LatAm Q3 2025 Jully.xlsx - 1.csv"
    months = _q(module_wh, "select month, count(*) from upload.platform_viewership where filename = ? "
                "group by month order by month", name)
    assert months == [("August", 173), ("July", 173), ("September", 173)]
    per_row = _q(module_wh, "select source_row_number, sum(cast(revenue as numeric(38, 10))) from "
                 "upload.platform_viewership where filename = ? group by source_row_number", name)
    assert len(per_row) == 173
    assert sum(Decimal(str(v)) for _, v in per_row) == Decimal("2.06")
    # ` $ -   ` (dash = zero) is kept as 0, not filtered: 53 source rows x 3 months
    assert _q(module_wh, "select count(*) from upload.platform_viewership where filename = ? "
              "and revenue = '0'", name) == [(53 * 3,)]
    assert _q(module_wh, "select distinct platform_territory, quarter from upload.platform_viewership "
              "where filename = ?", name) == [("Latin America", "q3")]


def test_freevee_daily_dates_and_territories(module_wh: Warehouse, loaded: dict[str, Any]) -> None:
    name = "freevee_linear_jan_26.csv"
    assert loaded[name]["encoding"] == "utf-8-sig"
    assert _q(module_wh, "select count(distinct date), min(date), max(date) from upload.platform_viewership "
              "where filename = ?", name) == [(31, "2026-01-01", "2026-01-31")]
    assert [r[0] for r in _q(module_wh, "select distinct platform_territory from upload.platform_viewership "
                             "where filename = ? order by 1", name)] == ["UK", "US"]


def test_confess_series_file_keeps_blank_series_row(module_wh: Warehouse, loaded: dict[str, Any]) -> None:
    name = "Roku Confess Nosey Data US Oct-Dec.csv"
    series = _q(module_wh, "select platform_series, count(*) from upload.platform_viewership where filename = ? "
                "group by platform_series order by 1", name)
    names = [s for s, _ in series]
    assert None in names and "Antiques Roadshow" in names and len(names) == 6
    assert _q(module_wh, "select distinct platform_channel_name, platform_territory from "
              "upload.platform_viewership where filename = ?", name) == [("Confess by Nosey", "United States")]
