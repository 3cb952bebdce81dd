"""The deployment log (macros/governance/record_deployments.sql) on DuckDB and PostgreSQL, and
`redline verify` on what is deployed: clean after a build; the 2025-12-02 case (a deployed REF_ID_SERIES
without its UNION) is vetoed and reported as drift; on PostgreSQL a revoked WEB_APP grant is reported."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from scripts.tests.harness import Warehouse

from .helpers import ROOT, env_map

SHA = "0123abcd"


def _log_ref(wh: Warehouse) -> str:
    audit = env_map().location(wh.target, "audit")
    return f'"{audit["schema"]}"."redline_deployments"'


def _verify(wh: Warehouse, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = dict(wh.env)
    return subprocess.run([sys.executable, "-m", "redline", "verify", "--target", wh.target, "--project-dir",
                           str(ROOT), "--work-dir", str(tmp / "verify")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


def test_deployment_log_and_verify(warehouse: Warehouse, tmp_path: Path) -> None:
    with warehouse.connect() as database:
        database.ensure_tables()
    warehouse.env["REDLINE_GIT_SHA"] = SHA
    warehouse.dbt("build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test")

    # one row per model built, with the checksum of the SQL that ran
    manifest = json.loads((warehouse.target_path / "manifest.json").read_text(encoding="utf-8"))
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    rows = warehouse.query(
        f"select unique_id, checksum, git_sha, target_name, invocation_id, compiled_sql, deployed_at "
        f"from {_log_ref(warehouse)}")
    assert {r[0] for r in rows} == set(models)
    assert {r[2] for r in rows} == {SHA} and {r[3] for r in rows} == {warehouse.target}
    assert len({r[4] for r in rows}) == 1 and all(r[6] is not None for r in rows)
    run_results = json.loads((warehouse.target_path / "run_results.json").read_text(encoding="utf-8"))
    assert rows[0][4] == run_results["metadata"]["invocation_id"]
    for _uid, checksum, *_rest, compiled_sql, _at in rows:
        assert checksum == hashlib.md5(compiled_sql.encode(), usedforsecurity=False).hexdigest()
    refser = next(r for r in rows if r[0] == "model.viewership.int_match_ref_id_series")

    proc = _verify(warehouse, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout

    # 2025-12-02: a deployment of REF_ID_SERIES without the UNION fallback (a later log row)
    sql = refser[5]
    start = sql.index("\n    union\n")
    end = sql.index("\n),\n\nfinal as")
    broken = sql[:start] + sql[end:]
    with warehouse.connect() as database, database.transaction():
        p = database.param
        database.execute(
            f"insert into {_log_ref(warehouse)} (model, unique_id, checksum, compiled_sql, git_sha, "
            f"target_name, invocation_id, status, deployed_at) values ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, "
            "current_timestamp)",
            ("int_match_ref_id_series", refser[0], hashlib.md5(broken.encode(), usedforsecurity=False).hexdigest(),
             broken, "hotfix01", warehouse.target, "manual", "success"))
    proc = _verify(warehouse, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "VETO: RL-2" in proc.stdout and "no UNION reaches the model's output" in proc.stdout
    assert "DRIFT" in proc.stdout and "git hotfix01" in proc.stdout

    if warehouse.engine == "postgres":
        with warehouse.connect() as database, database.transaction():
            database.execute('revoke select on "gold"."episode_details" from web_app')
        proc = _verify(warehouse, tmp_path)
        assert "has no SELECT grant to WEB_APP" in proc.stdout, proc.stdout
