"""Shared machinery of the reliability suites: cloneable warehouses, fast dbt invocations, kill runs.

* Warehouse states are prepared once per module and checked out per experiment (DuckDB: copy the file;
  PostgreSQL: ``CREATE DATABASE active TEMPLATE state``), so every experiment starts from identical bytes
  and identical upload ids.
* dbt parses once per module: the active warehouse keeps its profile (path / database name) and target
  path, so partial parsing applies to every run after the first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripts.tests.harness import (
    DBT,
    PG_HOST,
    PG_PORT,
    PG_USER,
    ROOT,
    Warehouse,
    base_env,
    ensure_web_app_role,
    postgres_admin,
    require_postgres,
)
from scripts.tests.reliability import killer, snapshot

SUBPROCESS_TIMEOUT = 300  # seconds, any single dbt / loader call of these suites


def fast_env(env: dict[str, str]) -> dict[str, str]:
    out = dict(env)
    out["DBT_PARTIAL_PARSE"] = "True"
    out["PYTHONUNBUFFERED"] = "1"
    return out


def dbt_cmd(wh: Warehouse, *args: str, json_log: bool = False) -> list[str]:
    logs = wh.target_path.parent / "logs"
    flags = killer.json_log_args() if json_log else []
    return [DBT, *flags, *args, "--target", wh.target, "--profiles-dir", str(ROOT), "--project-dir", str(ROOT),
            "--target-path", str(wh.target_path), "--log-path", str(logs)]


def dbt(wh: Warehouse, *args: str, expect_ok: bool = True,
        timeout: int = SUBPROCESS_TIMEOUT) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(dbt_cmd(wh, *args), env=fast_env(wh.env), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if expect_ok and proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n"
                             f"{proc.stderr[-2000:]}")
    return proc


# Unit tests touch no data (they run in the model suites); leaving them out keeps these many builds short.
BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test")


def build(wh: Warehouse, *extra: str) -> subprocess.CompletedProcess[str]:
    """`dbt build`; every model and snapshot must succeed. Failing data tests (owned by the model suites, e.g.
    a per-file unmatched-rate threshold the synthetic data crosses) are reported by those suites, not here,
    as long as they skipped nothing: a skipped model fails this call."""
    proc = dbt(wh, *BUILD_ARGS, *extra, expect_ok=False)
    results = wh.target_path / "run_results.json"
    if not results.is_file():
        raise AssertionError(f"dbt build wrote no run_results.json ({proc.returncode}):\n{proc.stdout[-4000:]}")
    bad = [
        f"{r['unique_id']}: {r['status']} {(r.get('message') or '')[:300]}"
        for r in json.loads(results.read_text(encoding="utf-8"))["results"]
        if r["unique_id"].split(".")[0] in ("model", "snapshot", "seed") and r["status"] != "success"
    ]
    if bad or (proc.returncode != 0 and "Completed with" not in proc.stdout):
        raise AssertionError("dbt build: model(s) failed or were skipped:\n" + "\n".join(bad) +
                             f"\n{proc.stdout[-3000:]}\n{proc.stderr[-1000:]}")
    return proc


def kill_at(wh: Warehouse, point: killer.KillPoint, *args: str) -> killer.KillOutcome:
    # The killed run is `dbt run` (models only: no test node runs before the kill point);
    # the recovery is a full `dbt build`.
    cmd = dbt_cmd(wh, *(args or ("run", "--threads", "1")), json_log=True)
    return killer.run_until(cmd, point, env=fast_env(wh.env), cwd=str(ROOT), timeout=SUBPROCESS_TIMEOUT)


def run_module(wh: Warehouse, module: str, *args: str, expect_ok: bool = True,
               timeout: int = SUBPROCESS_TIMEOUT) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", module, *args, "--target", wh.target], env=wh.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    if expect_ok and proc.returncode != 0:
        raise AssertionError(f"{module} {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def generate(wh: Warehouse, out_dir: Path, rows: int, seed: int, *extra: str) -> None:
    run_module(wh, "viewership.generator", "--rows", str(rows), "--seed", str(seed), "--out-dir", str(out_dir), *extra)


def gold(wh: Warehouse, exclude: frozenset[str] = frozenset()) -> snapshot.LayerSnapshot:
    with wh.connect() as database:
        return snapshot.layer_snapshot(database, "gold", exclude)


def ledger(wh: Warehouse) -> snapshot.Ledger:
    with wh.connect() as database:
        return snapshot.conservation(database)


def assert_gold_sound(wh: Warehouse) -> None:
    """Nothing lost (every upload row is in exactly one outcome), nothing twice (keys unique)."""
    with wh.connect() as database:
        problems = snapshot.conservation(database).violations()
        table = "episode_details"
        for key in (snapshot.EPISODE_DETAILS_KEY, snapshot.EPISODE_DETAILS_SOURCE_KEY):
            dups = snapshot.duplicate_keys(database, "gold", table, key)
            if dups:
                problems.append(f"gold.{table}: {dups} duplicated {key}")
        dups = snapshot.duplicate_keys(database, "gold", "fct_viewership_unmatched", ("viewership_id",))
        if dups:
            problems.append(f"gold.fct_viewership_unmatched: {dups} duplicated viewership_id")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------------
# Saved states and one "active" warehouse
# ---------------------------------------------------------------------------------------------------
class Slots:
    """Saved warehouse states and one active warehouse that experiments check them out into.

    The active warehouse keeps the same DuckDB path / PostgreSQL database name and the same dbt target path
    for the whole module, so dbt's profile never changes and partial parsing skips the parse after the first
    run. Experiments are sequential (one active warehouse at a time).
    """

    def __init__(self, engine: str, root: Path) -> None:
        self.engine = engine
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.prefix = f"viewership_rel_{uuid.uuid4().hex[:10]}"
        self.saved: dict[str, str] = {}
        if engine == "postgres":
            require_postgres()
            admin = postgres_admin()
            try:
                ensure_web_app_role(admin)
            finally:
                admin.close()
            self.active = self._warehouse(f"{self.prefix}_active")
            _create_pg(self.active.extra["dbname"])
        else:
            self.active = self._warehouse(str(root / "active" / "warehouse.duckdb"))
            Path(self.active.env["DBT_DUCKDB_PATH"]).parent.mkdir(parents=True, exist_ok=True)

    def _warehouse(self, name: str) -> Warehouse:
        env = base_env()
        target_path = self.root / "active" / "target"
        if self.engine == "postgres":
            env.update(POSTGRES_HOST=PG_HOST, POSTGRES_PORT=str(PG_PORT), POSTGRES_USER=PG_USER,
                       POSTGRES_DATABASE=name)
            return Warehouse("ci", env, target_path, {"dbname": name})
        env["DBT_DUCKDB_PATH"] = name
        return Warehouse("dev", env, target_path)

    def save(self, name: str) -> None:
        """Remember the active warehouse's current content as state ``name``."""
        if self.engine == "postgres":
            dbname = f"{self.prefix}_{name.lower()}"
            _drop_pg(dbname)
            _create_pg(dbname, template=self.active.extra["dbname"])
            self.saved[name] = dbname
            return
        src = Path(self.active.env["DBT_DUCKDB_PATH"])
        dst = self.root / f"state_{name}.duckdb"
        for suffix in ("", ".wal"):
            Path(str(dst) + suffix).unlink(missing_ok=True)
            if Path(str(src) + suffix).exists():
                shutil.copy2(str(src) + suffix, str(dst) + suffix)
        self.saved[name] = str(dst)

    def checkout(self, name: str) -> Warehouse:
        """Replace the active warehouse's content by saved state ``name`` (debris of a killed run included)."""
        if self.engine == "postgres":
            active = self.active.extra["dbname"]
            _drop_pg(active)
            _create_pg(active, template=self.saved[name])
            return self.active
        dst = Path(self.active.env["DBT_DUCKDB_PATH"])
        for suffix in ("", ".wal"):
            Path(str(dst) + suffix).unlink(missing_ok=True)
            if Path(self.saved[name] + suffix).exists():
                shutil.copy2(self.saved[name] + suffix, str(dst) + suffix)
        return self.active

    def close(self) -> None:
        if self.engine == "postgres":
            for dbname in [*self.saved.values(), self.active.extra["dbname"]]:
                _drop_pg(dbname)


def _create_pg(name: str, template: str | None = None) -> None:
    admin = postgres_admin()
    try:
        cur = admin.cursor()
        if template:
            # a template database must have no other sessions (ours are closed; dbt's have exited)
            cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (template,))
            cur.execute(f'create database "{name}" template "{template}"')
        else:
            cur.execute(f'create database "{name}"')
    finally:
        admin.close()


def _drop_pg(name: str) -> None:
    admin = postgres_admin()
    try:
        cur = admin.cursor()
        cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))
        cur.execute(f'drop database if exists "{name}"')
    finally:
        admin.close()


@contextmanager
def slots(engine: str, root: Path) -> Iterator[Slots]:
    s = Slots(engine, root)
    try:
        yield s
    finally:
        s.close()


def rows_of(wh: Warehouse, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return wh.query(sql, params)
