"""Shared pytest fixtures: `warehouse` is parametrized over DuckDB and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.tests.harness import Warehouse, warehouse_for


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    """A fresh, empty database on each engine (PostgreSQL: created here, dropped afterwards)."""
    with warehouse_for(request.param, tmp_path) as wh:
        yield wh


@pytest.fixture
def duckdb_wh(tmp_path: Path) -> Iterator[Warehouse]:
    with warehouse_for("duckdb", tmp_path) as wh:
        yield wh

