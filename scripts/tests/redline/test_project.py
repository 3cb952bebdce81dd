"""redline on the real project: all four targets compile (staging/prod offline) and pass; deleting the UNION
from REF_ID_SERIES is vetoed; mutation testing reaches its thresholds; diff and explain."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from redline.compiler import compile_targets
from redline.mutate import run_all

from .helpers import ROOT, env_map, governance

TARGETS = ("dev", "ci", "staging", "prod")


def redline(*args: str, cwd: Path = ROOT, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "redline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from scripts.tests.harness import require_postgres

    require_postgres()
    work = tmp_path_factory.mktemp("redline_compile")
    started = time.monotonic()
    results = compile_targets(TARGETS, ROOT, work)
    print(f"compile of {', '.join(TARGETS)}: {time.monotonic() - started:.1f} s")
    return {t: r.manifest for t, r in results.items()}


def manifest_args(manifests: dict[str, Path], targets: tuple[str, ...] = TARGETS) -> list[str]:
    return [arg for t in targets for arg in ("--manifest", f"{t}={manifests[t]}")]


def test_offline_snowflake_compile_is_snowflake(manifests: dict[str, Path]) -> None:
    for target in ("staging", "prod"):
        data = json.loads(manifests[target].read_text(encoding="utf-8"))
        assert data["metadata"]["adapter_type"] == "snowflake"
        move = data["nodes"]["model.viewership.stg_upload__platform_viewership"]["compiled_code"]
        upload_db = env_map().location(target, "upload")["database"]
        assert f"{upload_db}.PUBLIC.platform_viewership" in move


def test_check_passes_on_every_target(manifests: dict[str, Path]) -> None:
    proc = redline("check", *manifest_args(manifests))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "targets dev, ci, staging, prod: 0 veto(es)" in proc.stdout


def test_sarif_of_the_real_project_validates(manifests: dict[str, Path], tmp_path: Path) -> None:
    from importlib import resources

    import jsonschema

    out = tmp_path / "redline.sarif"
    proc = redline("check", *manifest_args(manifests, ("dev", "prod")), "--format", "sarif", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(resources.files("redline").joinpath("sarif-2.1.0-subset.schema.json").read_text())
    jsonschema.validate(json.loads(out.read_text()), schema)


def test_deleting_the_union_is_vetoed(tmp_path: Path) -> None:
    """The README's veto: a copy of the project whose REF_ID_SERIES lost its UNION and fallback branch."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "target*", "logs", "*.duckdb*", "scripts", "__pycache__", ".*cache"))
    model = copy / "models" / "silver" / "matching" / "int_match_ref_id_series.sql"
    sql = model.read_text(encoding="utf-8")
    start = sql.index("\n    union\n")
    end = sql.index("\n),\n\n{{ match_bucket_final(")
    model.write_text(sql[:start] + sql[end:], encoding="utf-8")
    proc = redline("check", "--target", "dev", "--rule", "RL-2", "--project-dir", str(copy),
                   "--work-dir", str(tmp_path / "work"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "VETO: RL-2" in proc.stdout
    assert "no UNION reaches the model's output" in proc.stdout
    assert "where     : models/silver/matching/int_match_ref_id_series.sql:" in proc.stdout
    (tmp_path / "veto.txt").write_text(proc.stdout)


@pytest.mark.slow
def test_mutation_testing_thresholds(manifests: dict[str, Path]) -> None:
    from redline.manifest import load_manifest

    compiles = {t: load_manifest(manifests[t], t) for t in ("dev", "staging", "prod")}
    summary = run_all(governance(), compiles, ROOT, env_map(), ["dev", "prod"])
    assert len(summary.results) >= 200
    assert summary.kill_rate >= 0.95, [r.mutant.id for r in summary.killers if not r.flagged]
    assert summary.false_positives == [], [(r.mutant.id, r.detail) for r in summary.false_positives]
    rules = {r.mutant.rule for r in summary.results}
    assert rules >= {"RL-1", "RL-2", "RL-3", "RL-4", "RL-5"}
    # every weakening kind the issue lists is present
    operators = {r.mutant.operator for r in summary.results}
    assert {"drop_predicate", "weaken_predicate", "drop_union_fallback", "drop_not_exists", "invert_not_exists",
            "hard_code_database", "drop_grant", "swap_phase", "change_bucket_order"} <= operators


def test_diff_reports_the_touched_red_line(manifests: dict[str, Path], tmp_path: Path) -> None:
    data = json.loads(manifests["dev"].read_text(encoding="utf-8"))
    uid = "model.viewership.int_match_ref_id_series"
    sql = data["nodes"][uid]["compiled_code"]
    start = sql.index("\n    union\n")
    end = sql.index("\n),\n\nfinal as")
    data["nodes"][uid]["compiled_code"] = sql[:start] + sql[end:]
    current = tmp_path / "manifest.json"
    current.write_text(json.dumps(data), encoding="utf-8")
    proc = redline("diff", "--base", str(manifests["dev"]), "--manifest", str(current), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    assert [c["model"] for c in result["changes"]] == ["int_match_ref_id_series"]
    assert "RL-2" in result["changes"][0]["red_lines"]
    assert any(f["rule"] == "RL-2" and f["status"] == "violation" for f in result["findings"])
    same = redline("diff", "--base", str(manifests["dev"]), "--manifest", str(manifests["dev"]))
    assert same.returncode == 0 and "no model's compiled SQL changed" in same.stdout


def test_explain() -> None:
    proc = redline("explain", "RL-2")
    assert proc.returncode == 0
    assert "Incident (2025-12-02)" in proc.stdout and "Override:" in proc.stdout
    assert "union_fallback_guard" in proc.stdout
    assert redline("explain", "RL-42").returncode == 2


def test_unreadable_manifest_cannot_be_evaluated(tmp_path: Path) -> None:
    bad = tmp_path / "manifest.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = redline("check", "--manifest", f"dev={bad}")
    assert proc.returncode == 2
    assert "could not evaluate" in proc.stderr
