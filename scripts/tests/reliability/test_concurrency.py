"""Concurrency: two files of the same platform loaded and built in parallel give the same gold as sequential runs.

The legacy system kept work tables per platform, so two uploads of one platform clobbered each other. Here:

* PostgreSQL: two `viewership-load` processes (Tubi October and Tubi November) run at the same time, then
  two `dbt build` processes run at the same time against the same database. Two builds of one project
  contend for the same relations (`create table ..__dbt_tmp`, renames, the incremental delete+insert);
  PostgreSQL serializes them on locks, and a build that loses a race fails loudly instead of writing anything
  half-way. The guarantee proven: after the parallel builds (plus one more build if either failed, which is
  what an operator or scheduler does on failure), gold equals the gold of loading and building sequentially.
* DuckDB allows one writer process per database file, so two processes cannot even open it for writing at
  once. The loader's parallel path on DuckDB is two connections of one process (two threads, each loading one
  file in its own transaction through `viewership.loader.load.load_file`), followed by one build.

Gold is compared on every column except the upload ids (viewership_id, episode_detail_id: their order
depends on which load commits first, by design) and episode_details.inserted_at.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scripts.tests.harness import PARTNER_FILES, REFERENCE_DIR, ROOT, Warehouse
from scripts.tests.reliability import support
from scripts.tests.reliability.snapshot import RUN_TIMESTAMP_COLUMNS, LayerSnapshot
from viewership import db
from viewership.loader.load import load_file
from viewership.loader.templates import load_template

FILES = ((PARTNER_FILES / "tubi_vod_october_2025.csv", "October"),
         (PARTNER_FILES / "tubi_vod_nov_2025.csv", "November"))
EXCLUDE = RUN_TIMESTAMP_COLUMNS | {"viewership_id", "episode_detail_id"}


def _loader_cmd(wh: Warehouse, path: Path, month: str) -> list[str]:
    return [sys.executable, "-m", "viewership.loader", "--template", "tubi_vod_revenue", "--year", "2025",
            "--month", month, "--target", wh.target, str(path)]


def _sequential_gold(engine: str, root: Path) -> LayerSnapshot:
    with support.slots(engine, root) as s:
        wh = s.active
        support.run_module(wh, "viewership.loader", "--reference", str(REFERENCE_DIR))
        for path, month in FILES:
            proc = subprocess.run(_loader_cmd(wh, path, month), env=wh.env, cwd=ROOT, capture_output=True,
                                  text=True, timeout=support.SUBPROCESS_TIMEOUT)
            assert proc.returncode == 0, proc.stderr
        support.build(wh)
        support.assert_gold_sound(wh)
        return support.gold(wh, EXCLUDE)


def _parallel(cmds: list[list[str]], wh: Warehouse) -> list[subprocess.CompletedProcess[str]]:
    procs = [subprocess.Popen(c, env=support.fast_env(wh.env), cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for c in cmds]
    done: list[subprocess.CompletedProcess[str]] = []
    for cmd, proc in zip(cmds, procs, strict=True):
        try:
            out, err = proc.communicate(timeout=support.SUBPROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        done.append(subprocess.CompletedProcess(cmd, proc.returncode, out, err))
    return done


@pytest.mark.postgres
def test_postgres_parallel_loads_and_parallel_builds_equal_sequential(tmp_path: Path) -> None:
    expected = _sequential_gold("postgres", tmp_path / "sequential")
    with support.slots("postgres", tmp_path / "parallel") as s:
        wh = s.active
        support.run_module(wh, "viewership.loader", "--reference", str(REFERENCE_DIR))
        # The source tables exist before uploads run in parallel (as in every deployed environment): two
        # loaders creating the upload schema at the same instant race in PostgreSQL's catalog (reported bug:
        # `create schema if not exists` raises a unique violation in one of them).
        support.run_module(wh, "viewership.dbcli", "init")
        loads = _parallel([_loader_cmd(wh, path, month) for path, month in FILES], wh)
        assert [p.returncode for p in loads] == [0, 0], [p.stderr[-2000:] for p in loads]
        builds = _parallel([support.dbt_cmd(wh, *support.BUILD_ARGS), support.dbt_cmd(wh, *support.BUILD_ARGS)], wh)
        if any(p.returncode != 0 for p in builds):
            support.build(wh)  # the retry a scheduler does after a failed run
        support.assert_gold_sound(wh)
        actual = support.gold(wh, EXCLUDE)
    diff = expected.differences(actual)
    assert not diff, "parallel loads + builds differ from sequential:\n" + "\n".join(diff)


def test_duckdb_parallel_loads_then_one_build_equal_sequential(tmp_path: Path) -> None:
    expected = _sequential_gold("duckdb", tmp_path / "sequential")
    with support.slots("duckdb", tmp_path / "parallel") as s:
        wh = s.active
        support.run_module(wh, "viewership.loader", "--reference", str(REFERENCE_DIR))
        template = load_template("tubi_vod_revenue")
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(FILES))

        def load(database: db.Database, path: Path, month: str) -> None:
            try:
                barrier.wait(timeout=60)  # both connections open before either writes
                load_file(path, template, platform=None, db=database, year="2025", month=month)
            except BaseException as exc:
                errors.append(exc)

        # Two connections of one process share one DuckDB database instance; each load is its own transaction.
        with wh.connect() as first, wh.connect() as second:
            first.ensure_tables()
            threads = [threading.Thread(target=load, args=(database, *f))
                       for database, f in zip((first, second), FILES, strict=True)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=support.SUBPROCESS_TIMEOUT)
        assert not errors, errors
        counts = wh.query("select filename, count(*) from upload.platform_viewership group by filename order by 1")
        assert len(counts) == 2 and all(n > 0 for _, n in counts)
        support.build(wh)
        support.assert_gold_sound(wh)
        actual = support.gold(wh, EXCLUDE)
    diff = expected.differences(actual)
    assert not diff, "parallel loads differ from sequential:\n" + "\n".join(diff)
