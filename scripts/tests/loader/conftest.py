"""Fixtures for the loader tests: one warehouse per engine per module (load once, assert many things)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scripts.tests.harness import Warehouse, warehouse_for
from viewership.loader.cli import main
from viewership.schema import UPLOAD


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_wh(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A fresh database on each engine, shared by the tests of one module."""
    with warehouse_for(request.param, tmp_path_factory.mktemp(request.param)) as wh:
        yield wh


def run_cli(wh: Warehouse | None, *args: str) -> Result:
    """Run viewership-load in-process against a warehouse (None: no target, e.g. --dry-run)."""
    argv = [*args] + (["--target", wh.target] if wh is not None else [])
    return CliRunner().invoke(main, argv, env=wh.env if wh is not None else None, catch_exceptions=False)


def upload_rows(wh: Warehouse, columns: str = "id, filename, source_row_number, processed") -> list[tuple[Any, ...]]:
    """Every upload row (a snapshot to prove that a failed load changed nothing)."""
    with wh.connect() as db:
        exists = db.scalar(
            "select count(*) from information_schema.tables where table_schema = 'upload' "
            "and table_name = 'platform_viewership'"
        )
        if not exists:
            return []
        return db.query(f"select {columns} from {db.table_ref(UPLOAD)} order by id")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
