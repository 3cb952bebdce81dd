"""`make demo` is repeatable: each run starts from a fresh demo database, so running it again gives the
same summary and another ROWS/SEED never mixes with the previous data set. Also: TARGET / DBT_TARGET."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from scripts.tests.harness import ROOT, base_env, postgres_admin, require_postgres
from viewership import demo

SUMMARY_START = "upload (pending + processed)"


def _make(*args: str, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _demo(env: dict[str, str], *args: str) -> list[str]:
    proc = _make("demo", *args, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "make demo: " in proc.stdout and "every run starts empty" in proc.stdout
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(SUMMARY_START))
    return lines[start:]


def _count(summary: list[str], label: str) -> int:
    line = next(line for line in summary if line.startswith(label))
    return int(line.split()[-1].replace(",", ""))


def _env(tmp_path: Path) -> dict[str, str]:
    env = base_env()
    env["DBT_TARGET_PATH"] = str(tmp_path / "target")
    env["DBT_LOG_PATH"] = str(tmp_path / "logs")
    return env


def test_demo_twice_gives_the_same_summary_and_never_mixes(tmp_path: Path) -> None:
    env = _env(tmp_path)
    db_file = f"DEMO_DUCKDB={tmp_path / 'demo.duckdb'}"
    first = _demo(env, "ROWS=2000", "SEED=42", db_file)
    second = _demo(env, "ROWS=2000", "SEED=42", db_file)
    assert first == second
    assert _count(first, "upload") == _count(first, "bronze") == 2000
    assert not any("duplicate_upload" in line for line in second)
    other = _demo(env, "ROWS=1500", "SEED=7", db_file)
    assert _count(other, "upload") == _count(other, "bronze") == 1500  # the 2,000-row data set is gone
    assert not any("duplicate_upload" in line for line in other)


@pytest.mark.postgres
def test_demo_on_postgres_recreates_its_database(tmp_path: Path) -> None:
    require_postgres()
    name = f"viewership_demo_test_{uuid.uuid4().hex[:8]}"
    env = _env(tmp_path)
    try:
        first = _demo(env, "TARGET=ci", "ROWS=1000", f"DEMO_DATABASE={name}")
        env["DBT_TARGET"] = "ci"  # the other spelling of the same choice
        second = _demo(env, "ROWS=1000", f"DEMO_DATABASE={name}")
        assert first == second
        assert _count(second, "upload") == _count(second, "bronze") == 1000
    finally:
        admin = postgres_admin()
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def test_target_and_dbt_target_disagreeing_are_refused(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env["DBT_TARGET"] = "ci"
    refused = _make("-n", "demo", "TARGET=dev", env=env)
    assert refused.returncode != 0
    assert "TARGET=dev and DBT_TARGET=ci disagree" in refused.stderr
    honoured = _make("-n", "demo", env=env)  # DBT_TARGET alone selects the target
    assert honoured.returncode == 0 and "--target ci" in honoured.stdout


def test_fresh_refuses_a_database_not_named_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keep = tmp_path / "viewership_dev.duckdb"
    keep.write_bytes(b"not a demo")
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(keep))
    monkeypatch.setenv("VIEWERSHIP_PROJECT_DIR", str(ROOT))
    with pytest.raises(demo.DemoError, match="only recreates a database whose name contains 'demo'"):
        demo.fresh("dev")
    assert keep.read_bytes() == b"not a demo"
    target = tmp_path / "my_demo.duckdb"
    target.write_bytes(b"old")
    (tmp_path / "my_demo.duckdb.wal").write_bytes(b"old")
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(target))
    assert "previous file removed" in demo.fresh("dev")
    assert not target.exists() and not os.path.exists(f"{target}.wal")
