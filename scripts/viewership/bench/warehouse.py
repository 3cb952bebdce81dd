"""Isolated benchmark databases: DuckDB files under .local/bench/, PostgreSQL databases created and dropped here.

Each dataset is generated once and kept as a snapshot (a copied DuckDB file, or a PostgreSQL template
database); every measured run starts from a restored snapshot so runs do not see each other's state.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbtcommon.dbt import dbt_executable
from viewership.bench.runner import BackendSampler, Measurement, run_measured

PYTHON = sys.executable
DBT = dbt_executable()
PG_HOST = os.environ.get("POSTGRES_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("POSTGRES_PORT", "5432"))
PG_USER = os.environ.get("POSTGRES_USER", "postgres")


def pg_admin() -> Any:
    import psycopg2

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5)
    con.autocommit = True
    return con


def postgres_available() -> str | None:
    try:
        pg_admin().close()
    except Exception as exc:
        return str(exc).strip()
    return None


def _base_env(root: Path) -> dict[str, str]:
    env = os.environ.copy()
    env.update({
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DBT_PARTIAL_PARSE": "False",
        "VIEWERSHIP_PROJECT_DIR": str(root),
        "DBT_PROFILES_DIR": str(root),
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("DBT_TARGET", None)
    return env


@dataclass
class BenchWarehouse:
    """One benchmark database on one engine."""

    engine: str  # duckdb | postgres
    name: str  # dataset label, e.g. "1m"
    root: Path  # dbt project directory
    work: Path  # .local/bench
    env: dict[str, str] = field(default_factory=dict)
    dbname: str = ""
    snapshots: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.env = _base_env(self.root)
        if self.engine == "duckdb":
            self.env["DBT_DUCKDB_PATH"] = str(self.path)
        else:
            self.dbname = f"viewership_bench_{self.name}_{uuid.uuid4().hex[:8]}"
            self.env.update({"POSTGRES_HOST": PG_HOST, "POSTGRES_PORT": str(PG_PORT), "POSTGRES_USER": PG_USER,
                             "POSTGRES_DATABASE": self.dbname})
            admin = pg_admin()
            try:
                admin.cursor().execute(f'create database "{self.dbname}"')
                # Gold grants SELECT to WEB_APP unquoted, which PostgreSQL folds to web_app (as the tests do).
                cur = admin.cursor()
                cur.execute("select 1 from pg_roles where rolname = 'web_app'")
                if cur.fetchone() is None:
                    with contextlib.suppress(Exception):  # created concurrently
                        cur.execute("create role web_app nologin")
            finally:
                admin.close()

    @property
    def target(self) -> str:
        return "dev" if self.engine == "duckdb" else "ci"

    @property
    def path(self) -> Path:
        return self.work / f"{self.name}.duckdb"

    @property
    def target_path(self) -> Path:
        return self.work / f"target_{self.engine}_{self.name}"

    # -- snapshots ---------------------------------------------------------------------------------
    def _snap_name(self, tag: str) -> str:
        return f"{self.dbname}_{tag}"[:63]

    def snapshot(self, tag: str) -> None:
        """Keep the current state as ``tag``."""
        if self.engine == "duckdb":
            for suffix in ("", ".wal"):
                src = Path(str(self.path) + suffix)
                dst = Path(str(self.work / f"{self.name}.{tag}.duckdb") + suffix)
                dst.unlink(missing_ok=True)
                if src.exists():
                    shutil.copyfile(src, dst)
        else:
            admin = pg_admin()
            try:
                cur = admin.cursor()
                self._terminate(cur, self.dbname)
                snap = self._snap_name(tag)
                cur.execute(f'drop database if exists "{snap}"')
                cur.execute(f'create database "{snap}" template "{self.dbname}"')
            finally:
                admin.close()
        if tag not in self.snapshots:
            self.snapshots.append(tag)

    def restore(self, tag: str) -> None:
        """Put the database back to snapshot ``tag``."""
        if self.engine == "duckdb":
            for suffix in ("", ".wal"):
                src = Path(str(self.work / f"{self.name}.{tag}.duckdb") + suffix)
                dst = Path(str(self.path) + suffix)
                dst.unlink(missing_ok=True)
                if src.exists():
                    shutil.copyfile(src, dst)
        else:
            admin = pg_admin()
            try:
                cur = admin.cursor()
                self._terminate(cur, self.dbname)
                cur.execute(f'drop database if exists "{self.dbname}"')
                cur.execute(f'create database "{self.dbname}" template "{self._snap_name(tag)}"')
            finally:
                admin.close()

    @staticmethod
    def _terminate(cur: Any, name: str) -> None:
        cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))

    def drop(self) -> None:
        """Remove the database and every snapshot."""
        if self.engine == "duckdb":
            for f in self.work.glob(f"{self.name}.*duckdb*"):
                f.unlink(missing_ok=True)
            return
        admin = pg_admin()
        try:
            cur = admin.cursor()
            for name in [self.dbname, *(self._snap_name(t) for t in self.snapshots)]:
                self._terminate(cur, name)
                cur.execute(f'drop database if exists "{name}"')
        finally:
            admin.close()

    def size_mb(self) -> float:
        if self.engine == "duckdb":
            return sum(f.stat().st_size for f in self.work.glob(f"{self.name}.duckdb*")) / 2**20
        admin = pg_admin()
        try:
            cur = admin.cursor()
            cur.execute("select pg_database_size(%s)", (self.dbname,))
            return float(cur.fetchone()[0]) / 2**20
        finally:
            admin.close()

    # -- commands ----------------------------------------------------------------------------------
    def sampler(self) -> BackendSampler | None:
        if self.engine != "postgres":
            return None
        dbname = self.dbname

        def pids() -> list[int]:
            admin = pg_admin()
            try:
                cur = admin.cursor()
                cur.execute("select pid from pg_stat_activity where datname = %s", (dbname,))
                return [int(r[0]) for r in cur.fetchall()]
            finally:
                admin.close()

        return BackendSampler(pids)

    def run(self, cmd: list[str], timeout: float = 3600, check: bool = True) -> Measurement:
        return run_measured(cmd, self.env, self.root, timeout=timeout, sampler=self.sampler(), check=check)

    def dbt_cmd(self, *args: str) -> list[str]:
        return [DBT, *args, "--target", self.target, "--profiles-dir", str(self.root),
                "--project-dir", str(self.root), "--target-path", str(self.target_path),
                "--log-path", str(self.target_path / "logs")]

    def dbt(self, *args: str, timeout: float = 3600, check: bool = True) -> Measurement:
        return self.run(self.dbt_cmd(*args), timeout=timeout, check=check)

    def module(self, module: str, *args: str, timeout: float = 3600, check: bool = True) -> Measurement:
        return self.run([PYTHON, "-m", module, *args], timeout=timeout, check=check)

    def generate(self, rows: int, seed: int, catalog_episodes: int, append_files: int | None = None) -> Measurement:
        args = ["--rows", str(rows), "--seed", str(seed), "--catalog-episodes", str(catalog_episodes),
                "--target", self.target, "--out-dir", str(self.work / f"synthetic_{self.name}")]
        if append_files is not None:
            args += ["--append-files", str(append_files)]
        m = self.module("viewership.generator", *args)
        if self.engine == "postgres":
            self.analyze()
        return m

    def analyze(self) -> None:
        """PostgreSQL: statistics for the freshly loaded source tables, as autovacuum would gather after a load.

        Without them the planner assumes one row per table and picks nested loops (PERFORMANCE.md)."""
        import psycopg2

        con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.dbname, connect_timeout=5)
        try:
            con.autocommit = True
            con.cursor().execute("analyze")
        finally:
            con.close()
