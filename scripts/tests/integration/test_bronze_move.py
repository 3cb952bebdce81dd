"""Bronze move-to-staging (RL-1): copies each pending upload row exactly once, with phase '0'.

One scenario per engine (DuckDB, PostgreSQL) so the dbt runs are shared by the assertions:
  run 1: file A (pending rows, a processed=TRUE row, a processed=FALSE row, a phase-set row)
  run 2: nothing new -> identical bronze (idempotent)
  run 3: file B uploaded -> picked up; file A still copied once
"""

from __future__ import annotations

from typing import Any

from scripts.tests.harness import Warehouse
from viewership import schema

BRONZE = "stg_upload__platform_viewership"
COLUMNS = ("platform", "filename", "platform_content_name", "tot_hov", "source_row_number", "processed", "phase")


def _upload(wh: Warehouse, rows: list[tuple[Any, ...]]) -> None:
    with wh.connect() as database:
        database.ensure_tables()
        with database.transaction():
            database.bulk_insert(schema.UPLOAD, COLUMNS, rows)


def _bronze(wh: Warehouse) -> list[tuple[Any, ...]]:
    return wh.query(
        f"select viewership_id, filename, platform_content_name, tot_hov_raw, phase from bronze.{BRONZE} "
        "order by viewership_id"
    )


def test_bronze_copies_pending_rows_once_and_marks_them(warehouse: Warehouse) -> None:
    evil = "x'; drop table upload.platform_viewership; --.csv"
    _upload(warehouse, [
        ("Tubi", evil, "S01:E01 - Pilot", "1.5", 1, None, None),
        ("Tubi", evil, None, "", 2, None, ""),  # NULL title, blank metric: kept as is
        ("Tubi", evil, "already processed", "9", 3, True, None),  # RL-1: never copied
        ("Tubi", evil, "explicitly unprocessed", "2", 4, False, None),  # processed = FALSE is pending
        ("Tubi", evil, "phase already set", "3", 5, None, "2"),  # RL-1: phase must be NULL or ''
    ])
    warehouse.dbt("run", "--select", BRONZE)
    first = _bronze(warehouse)
    titles = [r[2] for r in first]
    assert titles == ["S01:E01 - Pilot", None, "explicitly unprocessed"], first
    assert {r[1] for r in first} == {evil}, "the filename is data, stored verbatim"
    assert {r[4] for r in first} == {"0"}, "bronze rows carry phase '0'"
    assert [r[3] for r in first] == ["1.5", "", "2"], "metrics stay raw text until silver"

    marked = warehouse.query(
        "select source_row_number, processed from upload.platform_viewership order by source_row_number"
    )
    assert marked == [(1, True), (2, True), (3, True), (4, True), (5, None)], (
        "copied rows are marked processed; the row that was not copied is left unmarked"
    )

    warehouse.dbt("run", "--select", BRONZE)
    assert _bronze(warehouse) == first, "a second run copies nothing twice"

    _upload(warehouse, [("Roku", "roku_b.csv", "New file row", "4", 1, None, None)])
    # Simulate a crash between the copy and the marking: an already-copied row reset to unprocessed
    # must still not be copied twice (the incremental anti-join, not only the flag, guards it).
    with warehouse.connect() as database, database.transaction():
        database.execute("update upload.platform_viewership set processed = null where source_row_number = 1")
    warehouse.dbt("run", "--select", BRONZE)
    third = _bronze(warehouse)
    assert len(third) == 4 and third[:3] == first, third
    assert third[3][1:] == ("roku_b.csv", "New file row", "4", "0")
    dupes = warehouse.scalar(
        f"select count(*) - count(distinct viewership_id) from bronze.{BRONZE}"
    )
    assert dupes == 0
