"""Test harness: isolated warehouses (a fresh DuckDB file or a fresh PostgreSQL database per test run)
and dbt invocations against them.

Every test that builds gets its own database, so tests never see each other's rows and can run while
other processes use the PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dbtcommon.dbt import dbt_executable
from viewership import db

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
PARTNER_FILES = FIXTURES / "partner_files"
REFERENCE_DIR = FIXTURES / "reference"
DBT = dbt_executable()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

PG_HOST = os.environ.get("POSTGRES_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("POSTGRES_PORT", "5432"))
PG_USER = os.environ.get("POSTGRES_USER", "postgres")


class DbtError(AssertionError):
    """A dbt command failed; the message carries its output."""


@dataclass
class Warehouse:
    """One isolated database on one target, with dbt and SQL access."""

    target: str  # profile output: dev (DuckDB) or ci (PostgreSQL)
    env: dict[str, str]
    target_path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        return "duckdb" if self.target == "dev" else "postgres"

    def dbt(self, *args: str, expect_ok: bool = True, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        """Run one dbt command against this warehouse; raise DbtError with its output when it fails."""
        cmd = [DBT, *args, "--target", self.target, "--profiles-dir", str(ROOT),
               "--project-dir", str(ROOT), "--target-path", str(self.target_path)]
        proc = subprocess.run(cmd, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if expect_ok and proc.returncode != 0:
            raise DbtError(
                f"dbt {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    @contextmanager
    def connect(self) -> Iterator[db.Database]:
        old = os.environ.copy()
        os.environ.update(self.env)
        try:
            database = db.connect(self.target)
        finally:
            os.environ.clear()
            os.environ.update(old)
        try:
            yield database
        finally:
            database.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connect() as database:
            return database.query(sql, params)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def run_module(self, module: str, *args: str, expect_ok: bool = True,
                   timeout: int = 900) -> subprocess.CompletedProcess[str]:
        """Run `python -m module args` (the project's console commands) against this warehouse."""
        proc = subprocess.run([sys.executable, "-m", module, *args, "--target", self.target],
                              env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if expect_ok and proc.returncode != 0:
            raise AssertionError(f"{module} {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc


def base_env() -> dict[str, str]:
    env = os.environ.copy()
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    env["DBT_PARTIAL_PARSE"] = "False"
    env["VIEWERSHIP_PROJECT_DIR"] = str(ROOT)
    env["DBT_PROFILES_DIR"] = str(ROOT)
    env.pop("DBT_TARGET", None)
    return env


def postgres_admin() -> Any:
    import psycopg2

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5)
    con.autocommit = True
    return con


def postgres_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        postgres_admin().close()
    except Exception as exc:
        return f"PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable: {str(exc).strip()}"
    return None


def require_postgres() -> None:
    """Skip on a laptop without PostgreSQL; fail in CI, where it is required."""
    reason = postgres_available()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the PostgreSQL tests are required)")
    pytest.skip(f"{reason}; set up PostgreSQL or run in CI to include these tests")


@contextmanager
def duckdb_warehouse(tmp: Path) -> Iterator[Warehouse]:
    env = base_env()
    env["DBT_DUCKDB_PATH"] = str(tmp / "warehouse.duckdb")
    yield Warehouse("dev", env, tmp / "target")


@contextmanager
def postgres_warehouse(tmp: Path) -> Iterator[Warehouse]:
    require_postgres()
    name = f"viewership_test_{uuid.uuid4().hex[:12]}"
    admin = postgres_admin()
    try:
        admin.cursor().execute(f'create database "{name}"')
        env = base_env()
        env["POSTGRES_HOST"] = PG_HOST
        env["POSTGRES_PORT"] = str(PG_PORT)
        env["POSTGRES_USER"] = PG_USER
        env["POSTGRES_DATABASE"] = name
        ensure_web_app_role(admin)
        yield Warehouse("ci", env, tmp / "target", {"dbname": name})
    finally:
        cur = admin.cursor()
        cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))
        cur.execute(f'drop database if exists "{name}"')
        admin.close()


def ensure_web_app_role(admin: Any) -> None:
    """Create role WEB_APP (RL-5) so gold grants really run on PostgreSQL.

    dbt renders `grant select on ... to WEB_APP` unquoted, which PostgreSQL folds to `web_app`
    (Snowflake folds unquoted names to upper case, so the same config names WEB_APP there).
    """
    import psycopg2

    cur = admin.cursor()
    cur.execute("select 1 from pg_roles where rolname = 'web_app'")
    if cur.fetchone() is None:
        # another test run may create it at the same moment
        with contextlib.suppress(psycopg2.errors.DuplicateObject, psycopg2.errors.UniqueViolation):
            cur.execute("create role web_app nologin")


@contextmanager
def warehouse_for(engine: str, tmp: Path) -> Iterator[Warehouse]:
    factory = duckdb_warehouse if engine == "duckdb" else postgres_warehouse
    with factory(tmp) as wh:
        yield wh
