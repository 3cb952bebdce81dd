"""The governance ratchet (issue #15): weakening governance/ against a git base is a veto unless approved.

Each test builds a throw-away git repository holding the real governance files as the base commit, edits
the working tree and compares it with HEAD (`git show`, no checkout).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from redline.ratchet import RATCHET_RULE, compare, render, resolve_base, run

from .helpers import ROOT

TODAY = dt.date(2026, 12, 7)
GIT = ["git", "-c", "user.name=ratchet test", "-c", "user.email=ratchet@example.invalid", "-c",
       "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    gov = tmp_path / "governance"
    gov.mkdir()
    for name in ("redlines.yml", "exceptions.yml"):
        (gov / name).write_text((ROOT / "governance" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "dbt_project.yml").write_text("name: ratchet_test\n", encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "trunk")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def edit_rules(repo: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = repo / "governance" / "redlines.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = {r["id"]: r for r in data["rules"]}
    change(rules)
    data["rules"] = list(rules.values())
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def rule_of(rules: dict[str, Any], rid: str) -> dict[str, Any]:
    found: dict[str, Any] = rules[rid]
    return found


def check_of(rules: dict[str, Any], rid: str, check: str) -> dict[str, Any]:
    """The first check of that type in a rule (by type, not position: rules gain checks over time)."""
    found: dict[str, Any] = next(c for c in rule_of(rules, rid)["checks"] if c["check"] == check)
    return found


def kinds(repo: Path) -> list[tuple[str, str]]:
    return [(w.rule, w.kind) for w in compare(repo, "HEAD", TODAY).vetoes]


def test_unchanged_and_reformatted_governance_passes(repo: Path) -> None:
    edit_rules(repo, lambda rules: None)  # re-dumped: different text, same content
    result = compare(repo, "HEAD", TODAY)
    assert result.weakenings == () and result.exit_code == 0


WEAKENINGS: dict[str, tuple[Callable[[dict[str, Any]], None], tuple[str, str]]] = {
    "severity lowered": (lambda r: rule_of(r, "RL-2").update(severity="warning"), ("RL-2", "severity_lowered")),
    "absolute removed": (lambda r: rule_of(r, "RL-1").update(absolute=False, override="x"),
                         ("RL-1", "absolute_removed")),
    "rule deleted": (lambda r: r.pop("RL-5"), ("RL-5", "rule_removed")),
    "check removed": (lambda r: rule_of(r, "RL-4")["checks"].remove(check_of(r, "RL-4", "reads_only")),
                      ("RL-4", "check_removed")),
    "names narrowed": (lambda r: check_of(r, "RL-4", "reads_only")["params"].update(forbidden=["fct_x"]),
                       ("RL-4", "params_weakened")),
    "glob narrowed": (lambda r: check_of(r, "RL-7", "forbidden_literal")["applies_to"].update(
        paths=["models/silver/**"]),
                      ("RL-7", "selector_narrowed")),
    "path glob made narrower": (lambda r: check_of(r, "RL-5", "grants_role")["applies_to"].update(
        paths=["models/gold/fct_*"]), ("RL-5", "selector_narrowed")),
    "selector name removed": (lambda r: check_of(r, "RL-2", "union_fallback_guard")["applies_to"].update(names=[]),
                              ("RL-2", "selector_narrowed")),
    "predicate removed": (lambda r: check_of(r, "RL-1", "required_filter")["params"]["predicates"].pop(1),
                          ("RL-1", "params_weakened")),
    "domain value removed": (lambda r: check_of(r, "RL-1", "required_filter")["params"]["predicates"][1][
        "domains"].update(phase=[None, ""]), ("RL-1", "params_weakened")),
    "marker removed": (lambda r: check_of(r, "RL-7", "forbidden_literal")["params"].update(markers=["missing week"]),
                       ("RL-7", "params_weakened")),
    "protected value changed": (lambda r: rule_of(r, "RL-4")["checks"][0]["params"].update(value="9"),
                                ("RL-4", "params_weakened")),
    "minimum lowered": (lambda r: check_of(r, "RL-6", "year_guard")["params"].update(minimum=1970),
                        ("RL-6", "params_weakened")),
    "alternative added": (lambda r: check_of(r, "RL-6", "required_literal")["params"]["any_of"].append("jan"),
                          ("RL-6", "params_weakened")),
    "match all -> any": (lambda r: check_of(r, "RL-5", "grants_role").update(match="any"),
                         ("RL-5", "match_weakened")),
}


@pytest.mark.parametrize("name", list(WEAKENINGS))
def test_each_weakening_is_a_veto(repo: Path, name: str) -> None:
    change, expected = WEAKENINGS[name]
    edit_rules(repo, change)
    result = compare(repo, "HEAD", TODAY)
    assert expected in [(w.rule, w.kind) for w in result.vetoes]
    assert result.exit_code == 1
    text = render(result)
    assert f"VETO: {RATCHET_RULE} - {expected[0]} weakened ({expected[1]})" in text
    if expected[0] == "RL-1":  # absolute: no approval can cover it, the veto says so
        assert "approve   : none can: RL-1 is absolute (no override)" in text
    else:
        assert f"rule: {expected[0]}, change: {expected[1]}" in text


def test_strengthening_needs_nothing(repo: Path) -> None:
    def stronger(rules: dict[str, Any]) -> None:
        rule_of(rules, "RL-6").update(severity="error")
        check_of(rules, "RL-7", "forbidden_literal")["params"]["markers"].append("week required")
        check_of(rules, "RL-7", "forbidden_literal")["applies_to"]["paths"].append("models/bronze/**")
        check_of(rules, "RL-2", "union_fallback_guard")["applies_to"]["names"].append("int_match_ref_id_only")
        check_of(rules, "RL-5", "grants_role")["applies_to"]["paths"] = ["models/**"]  # wider glob
        check_of(rules, "RL-6", "year_guard")["params"]["minimum"] = 2001
        check_of(rules, "RL-8", "window_order_prefix")["params"]["columns"].append("asset_id")  # longer prefix
        rule_of(rules, "RL-4")["checks"].append({"check": "phase_value", "applies_to": {"names": ["x"]},
                                                  "params": {"value": "3"}})
        rule_of(rules, "RL-4")["checks"][0]["label"] = "bronze move sets phase '0'"  # relabelled only
        rule_of(rules, "RL-3").setdefault("probes", []).append("rl3_extra")
        rules["RL-9"] = dict(rule_of(rules, "RL-8"), id="RL-9", title="a new red line")

    edit_rules(repo, stronger)
    result = compare(repo, "HEAD", TODAY)
    assert result.weakenings == (), render(result)
    assert result.exit_code == 0


def approve(repo: Path, **entry: Any) -> None:
    (repo / "governance" / "approvals.yml").write_text(yaml.safe_dump({"approvals": [entry]}), encoding="utf-8")


GOOD = {"rule": "RL-2", "change": "severity_lowered", "who": "matching governor + owner",
        "why": "demoted while the Tubi replay is rebuilt (ticket 77)", "when": "2026-12-01", "expiry": "2027-01-15"}


def test_approved_weakening_passes_and_says_so(repo: Path) -> None:
    edit_rules(repo, WEAKENINGS["severity lowered"][0])
    approve(repo, **GOOD)
    result = compare(repo, "HEAD", TODAY)
    assert result.vetoes == [] and result.exit_code == 0
    assert "approved: RL-2 severity_lowered" in render(result)


def test_no_approval_covers_weakening_an_absolute_rule(repo: Path) -> None:
    """RL-1 is absolute (DOMAIN §8.1: no override): even a complete, current approval leaves the veto."""
    edit_rules(repo, lambda rules: rule_of(rules, "RL-1").update(severity="warn"))
    approve(repo, **(GOOD | {"rule": "RL-1"}))
    result = compare(repo, "HEAD", TODAY)
    assert [(w.rule, w.kind) for w in result.vetoes] == [("RL-1", "severity_lowered")]
    assert result.exit_code == 1


def test_approval_of_another_kind_or_check_does_not_cover(repo: Path) -> None:
    edit_rules(repo, WEAKENINGS["severity lowered"][0])
    approve(repo, **(GOOD | {"change": "check_removed"}))
    assert kinds(repo) == [("RL-2", "severity_lowered")]
    edit_rules(repo, WEAKENINGS["check removed"][0])
    approve(repo, **(GOOD | {"rule": "RL-4", "change": "check_removed", "check": "phase_value"}))
    assert ("RL-4", "check_removed") in kinds(repo)  # the removed check is reads_only


@pytest.mark.parametrize(("change", "problem"), [
    ({"expiry": "2026-12-06"}, "expired on 2026-12-06"),
    ({"who": ""}, "'who' is missing"),
    ({"why": None}, "'why' is missing"),
    ({"change": "made_nicer"}, "'change' must be one of"),
    ({"when": "2026-12-09"}, "in the future"),
    ({"when": "2026-01-01", "expiry": "2027-01-01"}, "at most 90"),
])
def test_expired_or_incomplete_approval_fails(repo: Path, change: dict[str, Any], problem: str) -> None:
    edit_rules(repo, WEAKENINGS["severity lowered"][0])
    approve(repo, **(GOOD | change))
    result = compare(repo, "HEAD", TODAY)
    assert result.exit_code == 1
    assert result.vetoes and result.bad_approvals  # a bad approval approves nothing and fails itself
    assert problem in render(result)


def test_expired_approval_fails_even_without_a_weakening(repo: Path) -> None:
    approve(repo, **(GOOD | {"expiry": "2026-12-01"}))
    result = compare(repo, "HEAD", TODAY)
    assert result.weakenings == () and result.exit_code == 1
    assert "FAIL: GOV-APPROVAL" in render(result)


def waiver(repo: Path, **entry: Any) -> None:
    base = {"rule": "RL-5", "model": "fct_internal", "reason": "equivalent grant via ANALYST_READ",
            "approver": "platform governor", "expiry": "2027-01-31"}
    (repo / "governance" / "exceptions.yml").write_text(yaml.safe_dump({"exceptions": [base | entry]}),
                                                       encoding="utf-8")


@pytest.mark.parametrize(("entry", "kind"), [
    ({"model": "*"}, "exception_wildcard"),
    ({"rule": "RL-*"}, "exception_wildcard"),
    ({"expiry": None}, "exception_expiry"),
    ({"expiry": "2027-06-30"}, "exception_expiry"),
    ({"rule": "RL-1"}, "exception_absolute"),
])
def test_weak_exception_is_a_veto(repo: Path, entry: dict[str, Any], kind: str) -> None:
    waiver(repo, **entry)
    assert kind in [k for _r, k in kinds(repo)]


def test_narrow_short_exception_passes_and_old_ones_are_not_rechecked(repo: Path) -> None:
    waiver(repo)  # expires 2027-01-31: within 90 days of TODAY
    assert kinds(repo) == []
    git(repo, "commit", "-q", "-am", "waiver")
    assert kinds(repo) == []  # same waiver at base: not re-checked
    waiver(repo, expiry="2027-12-31")  # extended past the maximum: re-checked
    assert kinds(repo) == [("RL-5", "exception_expiry")]


def test_probes_removed_or_reduced_are_vetoes(repo: Path) -> None:
    edit_rules(repo, lambda r: rule_of(r, "RL-1").update(probes=["rl1_processed", "rl1_phase"]))
    probes = repo / "governance" / "probes"
    probes.mkdir()
    for name in ("rl1_processed", "rl1_phase"):
        (probes / f"{name}.yml").write_text(yaml.safe_dump(
            {"rule": "RL-1", "assertions": [{"row": {"processed": True}, "copied": False},
                                            {"row": {"processed": None}, "copied": True}]}), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "probes")
    assert kinds(repo) == []
    (probes / "rl1_phase.yml").unlink()
    edit_rules(repo, lambda r: rule_of(r, "RL-1").update(probes=["rl1_processed"]))
    data = yaml.safe_load((probes / "rl1_processed.yml").read_text(encoding="utf-8"))
    data["assertions"].pop()
    (probes / "rl1_processed.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert sorted(kinds(repo)) == [("RL-1", "probe_removed"), ("RL-1", "probe_removed"), ("RL-1", "probe_weakened")]


def test_base_resolution(repo: Path) -> None:
    with pytest.raises(Exception, match="not a commit"):
        resolve_base(repo, "no-such-ref")
    # one commit, no origin/main: auto has no base and skips (never fails for want of one)
    commit, note = resolve_base(repo, "auto")
    assert commit == "" and "skipped" in note
    text, code = run(repo, "auto", TODAY)
    assert code == 0 and "skipped" in text
    approve(repo, **(GOOD | {"expiry": "2026-12-01"}))  # without a base an expired approval still fails
    text, code = run(repo, "auto", TODAY)
    assert code == 1 and "FAIL: GOV-APPROVAL" in text and "skipped" in text
    (repo / "governance" / "approvals.yml").unlink()
    # a second commit: HEAD~1
    (repo / "README.md").write_text("x\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    first = git(repo, "rev-parse", "HEAD~1").strip()
    assert resolve_base(repo, "auto")[0] == first
    # a branch off origin/main: the merge-base
    git(repo, "update-ref", "refs/remotes/origin/main", first)
    assert resolve_base(repo, "auto") == (first, f"base auto = merge-base of HEAD and origin/main ({first[:12]})")


def test_cli_check_base_vetoes_before_compiling(repo: Path) -> None:
    from redline.cli import cli
    from redline.commands import register

    register(cli)
    edit_rules(repo, WEAKENINGS["rule deleted"][0])
    result = CliRunner().invoke(cli, ["check", "--project-dir", str(repo), "--base", "HEAD",
                                      "--manifest", "dev=does-not-exist.json"])
    assert "VETO: GOV-RATCHET - RL-5 weakened (rule_removed)" in result.output
    # the veto stands (exit 1) even though the compile part could not be evaluated here
    assert result.exit_code == 1
    alone = CliRunner().invoke(cli, ["ratchet", "--project-dir", str(repo), "--base", "HEAD"])
    assert alone.exit_code == 1 and "RL-5 weakened (rule_removed)" in alone.output


def test_readme_veto_is_what_the_ratchet_prints(repo: Path) -> None:
    """The README's captured veto: RL-1's phase predicate deleted from the rules file."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Deleting RL-1's phase predicate gives:\n\n```text\n", 1)[1].split("```", 1)[0]
    edit_rules(repo, lambda r: check_of(r, "RL-1", "required_filter")["params"]["predicates"].pop(1))
    text = render(compare(repo, "HEAD", TODAY))
    expected = [line for line in block.splitlines() if not line.startswith("redline ratchet: base HEAD (")]
    assert text.splitlines()[:len(expected)] == expected
    assert text.splitlines()[-1].endswith("1 weakening(s), 0 approved, 1 veto(es), 0 invalid approval(s)")
