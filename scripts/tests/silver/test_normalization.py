"""Silver normalization end to end on DuckDB and PostgreSQL (DOMAIN §4).

One warehouse per engine, shared by the tests of this module: the REAL reference catalog and the REAL
Tubi VOD July file go through the loader (`viewership-load`), a small file of edge-case rows is inserted
with `bulk_insert`, then one `dbt build` of the silver normalization slice (its data tests and the
singular tests included) runs. The tests read the result.

  * the 2025-12-02 regression on tubi_vod_july.csv (monthly, no date column, month July, year 2025):
    all 321 rows keep year 2025, month 7, quarter q3, year_month_day 20250701;
  * nothing is lost: per file, bronze rows = normalized + rejected;
  * edge rows: integer 20250701, 1970-08-23, dated and undated rows in one file, unreadable values;
  * real ref_ids that are substrings of others (SH-0410 / SH-04100) and the Tubi deal;
  * the dbt unit tests of the normalization models.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from scripts.tests.harness import PARTNER_FILES, REFERENCE_DIR, Warehouse, warehouse_for
from viewership.schema import UPLOAD

JULY = "tubi_vod_july.csv"
EDGE = "silver_edge_cases.csv"
SILVER_SLICE = ("--select", "+int_viewership_normalized", "+int_viewership_rejected", "tests/silver",
                "--indirect-selection", "cautious")

# source_row_number -> upload values of the edge-case file (platform Tubi, year 2025 unless given).
EDGE_ROWS: dict[int, dict[str, str | None]] = {
    1: {"date": "20250701"},                                       # integer YYYYMMDD, never 1970
    2: {"date": "1970-08-23"},                                     # epoch placeholder -> quarantine
    3: {"date": None, "month": "AUGUST"},                          # undated row in a dated file
    4: {"date": "2025-09-15 10:30:00", "month": "July"},          # real date wins, conflict flagged
    5: {"date": "the first of July"},                              # unreadable -> quarantine
    6: {"date": "2025-07-02", "tot_mov": "n/a"},                   # non-numeric metric -> quarantine
    7: {"date": "7/1/25", "tot_mov": "90"},                        # M/D/YY; hours from minutes
    8: {"date": "2025-07-03", "platform_content_id": "SW-17111"},  # exact ref_id
    9: {"date": "2025-07-03", "platform_content_id": "tubi SH-04100 hd"},  # whole token, not SH-0410
}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def silver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """Reference + Tubi July through the loader, edge rows by bulk_insert, one silver build."""
    with warehouse_for(request.param, tmp_path_factory.mktemp(f"silver_{request.param}")) as wh:
        wh.run_module("viewership.loader", "--reference", str(REFERENCE_DIR))
        wh.run_module("viewership.loader", "-t", "tubi_vod_revenue", "--year", "2025", "--month", "July",
                      str(PARTNER_FILES / JULY))
        columns = ["filename", "source_row_number", "platform", "domain", "data_type", "platform_partner_name",
                   "year", "month", "quarter", "date", "tot_mov", "platform_content_id"]
        rows = []
        for number, values in EDGE_ROWS.items():
            row = {"filename": EDGE, "source_row_number": number, "platform": "Tubi",
                   "domain": "Distribution Partners", "data_type": "Viewership", "platform_partner_name": "Tubi",
                   "year": "2025", "month": None, "quarter": "q1", "date": None, "tot_mov": None,
                   "platform_content_id": None, **values}
            rows.append([row[c] for c in columns])
        with wh.connect() as db, db.transaction():
            db.bulk_insert(UPLOAD, columns, rows)
        wh.dbt("build", *SILVER_SLICE, "--exclude-resource-type", "unit_test")
        yield wh


def _query(wh: Warehouse, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run SQL whose values are bound: each `{p}` becomes the engine's placeholder."""
    with wh.connect() as db:
        return db.query(sql.format(p=db.param), params)


def _edge(wh: Warehouse, columns: str) -> dict[int, tuple[Any, ...]]:
    rows = _query(wh, f"select source_row_number, {columns} from silver.int_viewership_normalized "
                  "where filename = {p}", EDGE)
    return {int(r[0]): tuple(r[1:]) for r in rows}


def test_dec2_regression_monthly_tubi_july_keeps_year_month_quarter(silver: Warehouse) -> None:
    """DOMAIN §4.3 / §8.3 regression (1): 321/321 rows keep the uploaded period; none is quarantined."""
    rows = _query(silver, """
        select year, month, quarter, year_month_day, date_grain, count(*)
        from silver.int_viewership_normalized where filename = {p}
        group by year, month, quarter, year_month_day, date_grain""", JULY)
    assert rows == [(2025, 7, "q3", "20250701", "monthly", 321)], rows
    rejected = _query(silver, "select count(*) from silver.int_viewership_rejected where filename = {p}", JULY)
    assert rejected == [(0,)], rejected


def test_every_bronze_row_is_normalized_or_rejected_exactly_once(silver: Warehouse) -> None:
    counts = silver.query("""
        select b.filename, count(*), count(n.viewership_id), count(r.viewership_id)
        from bronze.stg_upload__platform_viewership as b
        left join silver.int_viewership_normalized as n on n.viewership_id = b.viewership_id
        left join silver.int_viewership_rejected as r on r.viewership_id = b.viewership_id
        group by b.filename order by b.filename""")
    assert counts == [(EDGE, 9, 6, 3), (JULY, 321, 321, 0)], counts


def test_edge_rows_dates_decided_per_row(silver: Warehouse) -> None:
    got = _edge(silver, "date_day, year, month, quarter, year_month_day, date_grain, has_date_conflict")
    assert got[1] == (date(2025, 7, 1), 2025, 7, "q3", "20250701", "daily", True)  # upload said q1
    assert got[3] == (None, 2025, 8, "q3", "20250801", "monthly", True)            # quarter from month
    assert got[4] == (date(2025, 9, 15), 2025, 9, "q3", "20250901", "daily", True)
    assert got[7][:2] == (date(2025, 7, 1), 2025)


def test_edge_rows_quarantined_with_reason_and_raw_value(silver: Warehouse) -> None:
    rows = _query(silver, """
        select source_row_number, reject_reason, reject_column, reject_value, date_raw
        from silver.int_viewership_rejected where filename = {p} order by source_row_number""", EDGE)
    assert rows == [
        (2, "date_before_2000", "date", "1970-08-23", "1970-08-23"),
        (5, "unparseable_date", "date", "the first of July", "the first of July"),
        (6, "non_numeric_metric", "tot_mov", "n/a", "2025-07-02"),
    ], rows


def test_edge_rows_metrics_and_ref_ids(silver: Warehouse) -> None:
    got = _edge(silver, "tot_hov, tot_mov, ref_id")
    assert got[7][:2] == (Decimal("1.5"), Decimal("90"))
    assert got[8][2] == "SW-17111"
    assert got[9][2] == "SH-04100"


def test_real_tubi_ref_ids_deal_and_series(silver: Warehouse) -> None:
    """PARTNER ID holds the ref_id; ids that are substrings of others (SH-0410 in SH-04100) stay apart."""
    mismatched = _query(silver, """
        select count(*) from silver.int_viewership_normalized
        where filename = {p} and (ref_id is null or ref_id <> platform_content_id)""", JULY)
    assert mismatched == [(0,)], mismatched
    pairs = dict(_query(silver, """
        select platform_content_id, ref_id from silver.int_viewership_normalized
        where filename = {p} and platform_content_id in ({p}, {p})""", JULY, "SH-0410", "SH-04100"))
    assert pairs == {"SH-0410": "SH-0410", "SH-04100": "SH-04100"}
    deals = _query(silver, """
        select deal_parent, deal_candidate_count, partner, channel, channel_id, territory, territory_id, count(*)
        from silver.int_viewership_normalized where filename = {p}
        group by deal_parent, deal_candidate_count, partner, channel, channel_id, territory, territory_id""", JULY)
    assert deals == [(101, 1, "Tubi", "Nosey", 8, "United States", 1, 321)], deals
    series = dict(_query(silver, """
        select internal_series, count(*) from silver.int_viewership_normalized
        where filename = {p} group by internal_series""", JULY))
    assert series.get("Steve Harvey") == 49 and None not in series, series


def test_normalization_unit_tests_pass(silver: Warehouse) -> None:
    """The dbt unit tests of every normalization rule, on this engine."""
    silver.dbt("test", "--select", "models/silver/normalization,resource_type:unit_test")
