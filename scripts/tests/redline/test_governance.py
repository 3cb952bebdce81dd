"""Rules and waivers as data: loading errors, waiver validity (complete, unexpired, waivable), exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from redline.config import ConfigError, load_governance, load_rules
from redline.engine import ERROR, VIOLATION, WAIVED

from .helpers import ROOT, evaluate_fixture, node, project

TODAY = dt.date(2026, 11, 22)


def governance_with(tmp_path: Path, waivers: str) -> object:
    (tmp_path / "exceptions.yml").write_text(waivers, encoding="utf-8")
    return load_governance(ROOT, today=TODAY, waivers_path=tmp_path / "exceptions.yml")


def grantless_gold() -> dict[str, object]:
    gold = node("fct_episode_details", "select 1 as id", "snowflake", grants={},
                path="models/gold/fct_episode_details_v2.sql")
    return {"prod": project([gold], "snowflake", "prod")}


def test_real_rules_file_loads_and_every_check_exists() -> None:
    from redline.registry import get

    gov = load_governance(ROOT, today=TODAY)
    assert {r.id for r in gov.rules} >= {"RL-1", "RL-2", "RL-3", "RL-4", "RL-5"}
    for rule in gov.rules:
        assert rule.history.incident and rule.override
        for spec in rule.checks:
            assert get(spec.check).doc, f"{spec.check} has no rationale docstring"
    assert gov.rule("RL-1").absolute


def test_violation_without_waiver(tmp_path: Path) -> None:
    gov = governance_with(tmp_path, "exceptions: []\n")
    outcome = evaluate_fixture(grantless_gold(), ["RL-5"], gov)
    assert [f.status for f in outcome.findings] == [VIOLATION]
    assert outcome.exit_code == 1


def test_complete_waiver_waives(tmp_path: Path) -> None:
    gov = governance_with(tmp_path, """
exceptions:
  - rule: RL-5
    model: fct_episode_details
    reason: Replaced by role ANALYST_READ, verified in staging.
    approver: platform governor
    expiry: 2027-01-31
""")
    outcome = evaluate_fixture(grantless_gold(), ["RL-5"], gov)
    assert [f.status for f in outcome.findings] == [WAIVED]
    assert outcome.exit_code == 0


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        pytest.param("rule: RL-5\n    model: fct_episode_details\n    reason: r\n    approver: a\n"
                     "    expiry: 2026-01-01", "expired on 2026-01-01", id="expired"),
        pytest.param("rule: RL-5\n    model: fct_episode_details\n    reason: r\n    expiry: 2027-01-01",
                     "'approver' is missing", id="no_approver"),
        pytest.param("rule: RL-5\n    model: fct_episode_details\n    approver: a\n    expiry: 2027-01-01",
                     "'reason' is missing", id="no_reason"),
        pytest.param("rule: RL-5\n    model: fct_episode_details\n    reason: r\n    approver: a",
                     "'expiry' is missing", id="no_expiry"),
        pytest.param("rule: RL-1\n    model: stg_upload__platform_viewership\n    reason: r\n    approver: a\n"
                     "    expiry: 2027-01-01", "absolute and cannot be waived", id="absolute_rule"),
        pytest.param("rule: RL-99\n    model: x\n    reason: r\n    approver: a\n    expiry: 2027-01-01",
                     "does not exist", id="unknown_rule"),
    ],
)
def test_bad_waiver_is_itself_a_failure(tmp_path: Path, entry: str, problem: str) -> None:
    gov = governance_with(tmp_path, f"exceptions:\n  - {entry}\n")
    outcome = evaluate_fixture(grantless_gold(), ["RL-5"], gov)
    statuses = {f.rule.id: f.status for f in outcome.findings}
    assert statuses.get("RL-5") == VIOLATION, "an invalid waiver must not waive"
    waiver = [f for f in outcome.findings if f.rule.id == "WAIVER"]
    assert waiver and problem in waiver[0].message
    assert outcome.exit_code == 1


def test_absolute_rule_is_never_waived(tmp_path: Path) -> None:
    gov = governance_with(tmp_path, """
exceptions:
  - rule: RL-1
    model: stg_upload__platform_viewership
    reason: the filter blocks a re-run
    approver: someone
    expiry: 2027-01-01
""")
    move = node("stg_upload__platform_viewership", "select * from \"warehouse\".\"upload\".\"platform_viewership\"",
                "duckdb", path="models/bronze/upload/stg_upload__platform_viewership.sql")
    outcome = evaluate_fixture({"dev": project([move], "duckdb")}, ["RL-1"], gov)
    assert {f.status for f in outcome.findings if f.rule.id == "RL-1"} == {VIOLATION}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("rules: {}", "top-level 'rules:' list", id="not_a_list"),
        pytest.param("rules:\n  - id: X\n    title: t\n    checks: [{check: grants_role}]\n",
                     "'history'", id="no_history"),
        pytest.param("rules:\n  - id: X\n    title: t\n    history: {incident: i, impact: i, rationale: r, owner: o}\n"
                     "    checks: [{check: grants_role}]\n", "needs an 'override'", id="no_override"),
        pytest.param("rules:\n  - id: X\n    title: t\n    absolute: true\n    severity: fatal\n"
                     "    history: {incident: i, impact: i, rationale: r, owner: o}\n    checks: [{check: x}]\n",
                     "severity", id="bad_severity"),
    ],
)
def test_bad_rules_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "redlines.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_rules(path)


def test_unknown_check_cannot_be_evaluated(tmp_path: Path) -> None:
    rules = tmp_path / "redlines.yml"
    rules.write_text("rules:\n  - id: X\n    title: t\n    absolute: true\n"
                     "    history: {incident: i, impact: i, rationale: r, owner: o}\n"
                     "    checks: [{check: no_such_check}]\n", encoding="utf-8")
    gov = load_governance(ROOT, today=TODAY, rules_path=rules, waivers_path=tmp_path / "none.yml")
    outcome = evaluate_fixture(grantless_gold(), ["X"], gov)
    assert [f.status for f in outcome.findings] == [ERROR]
    assert outcome.exit_code == 2


def test_missing_protected_model_cannot_be_evaluated() -> None:
    from redline.engine import evaluate

    from .helpers import env_map, governance

    outcome = evaluate(governance(), grantless_gold(), ROOT, env_map(), ["RL-2"])
    assert outcome.exit_code == 2
    assert "int_match_ref_id_series is not in the prod compile" in outcome.findings[0].message


def test_the_rule_file_is_the_one_source_of_model_to_red_lines() -> None:
    """Each rule lists the models it exists for (`models:`, read by the docs site and the lineage picture):
    they exist, every model a check of the rule selects by name is listed, and no model says it again."""
    from viewership.protected_models import load_red_lines

    model_files = {p.stem for p in (ROOT / "models").rglob("*.sql")}
    model_names = model_files | {name.rsplit("_v", 1)[0] for name in model_files if name.rsplit("_v", 1)[-1].isdigit()}
    for rule in load_red_lines(ROOT):
        listed = set(rule.get("models") or [])
        assert listed, f"{rule['id']} lists no model under `models:`"
        assert listed <= model_names, f"{rule['id']} lists unknown models {sorted(listed - model_names)}"
        selected = {name for check in rule["checks"] for name in (check.get("applies_to") or {}).get("names", [])}
        assert selected <= listed, f"{rule['id']}: checks select {sorted(selected - listed)}, not in its `models:`"
    carriers = [p.relative_to(ROOT) for p in (ROOT / "models").rglob("*")
                if p.suffix in {".sql", ".yml"} and "red_lines" in p.read_text(encoding="utf-8")]
    assert not carriers, f"a second copy of model -> red lines in {carriers}: list the model in governance/redlines.yml"
