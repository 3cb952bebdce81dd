"""Per-upload rollback: one file leaves every layer in one transaction, is audited, and can come back."""

from __future__ import annotations

import pytest

from scripts.tests.harness import Warehouse
from viewership import rollback, schema

COLUMNS = ("platform", "filename", "platform_content_name", "tot_hov", "source_row_number")


def _load(wh: Warehouse, filename: str, n: int, platform: str = "Tubi") -> None:
    with wh.connect() as database:
        database.ensure_tables()
        with database.transaction():
            database.bulk_insert(schema.UPLOAD, COLUMNS,
                                 [(platform, filename, f"title {i}", str(i), i) for i in range(1, n + 1)])


def _counts(wh: Warehouse, filename: str) -> tuple[int, int]:
    upload = wh.scalar("select count(*) from upload.platform_viewership where filename = " +
                       ("?" if wh.engine == "duckdb" else "%s"), [filename])
    bronze = wh.scalar("select count(*) from bronze.stg_upload__platform_viewership where filename = " +
                       ("?" if wh.engine == "duckdb" else "%s"), [filename])
    return int(upload), int(bronze)


def test_rollback_removes_one_file_everywhere_and_allows_a_reload(warehouse: Warehouse) -> None:
    target_file = "Tubi O'Brien; drop table x.csv"  # quotes and semicolons are data
    _load(warehouse, target_file, 3)
    _load(warehouse, "other.csv", 2)
    _load(warehouse, target_file, 1, platform="Roku")  # same name, other platform: untouched
    warehouse.dbt("run", "--select", "stg_upload__platform_viewership")
    assert _counts(warehouse, target_file) == (4, 4)

    with warehouse.connect() as database:
        result = rollback.rollback_upload(database, "Tubi", target_file, who="tester")
    assert result.rows_per_relation["upload.platform_viewership"] == 3
    assert result.rows_per_relation["bronze.stg_upload__platform_viewership"] == 3
    assert _counts(warehouse, target_file) == (1, 1), "only the Roku rows of that name remain"
    assert _counts(warehouse, "other.csv") == (2, 2)
    audit = warehouse.query("select rolled_back_by, platform, filename, rows_removed from audit.upload_rollbacks")
    assert audit == [("tester", "Tubi", target_file, 6)]

    _load(warehouse, target_file, 3)
    warehouse.dbt("run", "--select", "stg_upload__platform_viewership")
    assert _counts(warehouse, target_file) == (4, 4), "the rolled-back file loads and builds again"


def test_rollback_of_an_unknown_file_changes_nothing(duckdb_wh: Warehouse) -> None:
    _load(duckdb_wh, "known.csv", 2)
    with duckdb_wh.connect() as database, pytest.raises(rollback.NothingToRollback):
        rollback.rollback_upload(database, "Tubi", "unknown.csv", who="tester")
    assert duckdb_wh.scalar("select count(*) from upload.platform_viewership") == 2
    tables = duckdb_wh.query("select table_name from information_schema.tables where table_schema = 'audit'")
    assert tables in ([], [("upload_rollbacks",)])
    if tables:
        assert duckdb_wh.scalar("select count(*) from audit.upload_rollbacks") == 0
