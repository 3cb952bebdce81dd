"""Adversarial patches against `redline check` (black box).

`test_patch[<id>]`: the harmful patch must be vetoed (exit code non-zero and
one of its expected rules reported), the equivalent patch must pass (exit 0).
`make test` runs every equivalent patch and every other harmful patch of each
class (make_test_selection); REDLINE_ADVERSARIAL=all (`make adversarial`) runs
them all. The patches selected in this session run once, two at a time
(REDLINE_ADVERSARIAL_WORKERS), in persistent worker copies under
target_adversarial/ (REDLINE_ADVERSARIAL_DIR). Entries of known_gaps.yml are
xfail(strict=True).

The structural tests (manifest, patch files, `git apply --check`) are fast and
need no dbt.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .harness import (
    HERE,
    REPO,
    Outcome,
    Patch,
    flagged_rules,
    load_known_gaps,
    load_manifest,
    make_test_selection,
    run_all,
)

PATCHES = load_manifest()
# `make test` checks a fixed selection (see make_test_selection); `make adversarial` sets REDLINE_ADVERSARIAL=all.
CHECKED = PATCHES if os.environ.get("REDLINE_ADVERSARIAL", "").lower() == "all" else make_test_selection(PATCHES)
GAPS = load_known_gaps()
RULE_IDS = {f"RL-{n}" for n in range(1, 9)}


def _params() -> list[object]:
    params: list[object] = []
    for patch in CHECKED:
        marks = [pytest.mark.xfail(strict=True, reason=GAPS[patch.id])] if patch.id in GAPS else []
        params.append(pytest.param(patch, id=patch.id, marks=marks))
    return params


@pytest.fixture(scope="session")
def adversarial_results(request: pytest.FixtureRequest) -> dict[str, Outcome]:
    selected: list[Patch] = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and getattr(item, "originalname", "") == "test_patch":
            selected.append(callspec.params["patch"])
    workers = int(os.environ.get("REDLINE_ADVERSARIAL_WORKERS", "2"))
    return run_all(selected, workers=workers)


def _describe(outcome: Outcome) -> str:
    lines = [f"exit code {outcome.exit_code}, {outcome.seconds:.0f} s"]
    lines += outcome.messages or ["(no findings)"]
    return "\n  ".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("patch", _params())
def test_patch(patch: Patch, adversarial_results: dict[str, Outcome]) -> None:
    outcome = adversarial_results[patch.id]
    assert outcome.error is None, f"{patch.id}: {outcome.error}"
    if patch.harmful:
        assert outcome.exit_code != 0, f"{patch.id} not vetoed ({patch.intent}): {_describe(outcome)}"
        reported = flagged_rules(outcome)
        assert reported & set(patch.rules), (
            f"{patch.id} vetoed, but by {sorted(reported)} instead of {list(patch.rules)}: {_describe(outcome)}"
        )
    else:
        assert outcome.exit_code == 0, f"{patch.id} is equivalent but was vetoed ({patch.intent}): {_describe(outcome)}"


def test_manifest_lists_every_patch_file_once() -> None:
    listed = [patch.path.resolve() for patch in PATCHES]
    on_disk = sorted(path.resolve() for path in (HERE / "patches").rglob("*.patch"))
    assert len(listed) == len(set(listed)), "a patch file is listed twice"
    assert sorted(listed) == on_disk
    assert len({patch.id for patch in PATCHES}) == len(PATCHES), "duplicate patch ids"


def test_manifest_shape() -> None:
    harmful = [patch for patch in PATCHES if patch.harmful]
    equivalent = [patch for patch in PATCHES if not patch.harmful]
    assert len(harmful) >= 60
    assert len(equivalent) >= 25
    for patch in harmful:
        assert patch.path.parent.name == "harmful", patch.id
        assert set(patch.rules) <= RULE_IDS, f"{patch.id}: unknown rule in {patch.rules}"
    for patch in equivalent:
        assert patch.path.parent.name == "equivalent", patch.id


def test_make_test_selection_keeps_every_class_and_equivalent() -> None:
    chosen = make_test_selection(PATCHES)
    harmful = [patch for patch in chosen if patch.harmful]
    assert len(harmful) >= 60
    assert {patch.klass for patch in harmful} == {patch.klass for patch in PATCHES if patch.harmful}
    assert [patch for patch in chosen if not patch.harmful] == [patch for patch in PATCHES if not patch.harmful]


def test_known_gaps_name_existing_patches() -> None:
    unknown = set(GAPS) - {patch.id for patch in PATCHES}
    assert not unknown, f"known_gaps.yml names unknown patches: {sorted(unknown)}"


def test_every_patch_applies_to_the_project(tmp_path: Path) -> None:
    """`git apply --check` of every patch against the current tracked files."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    touched: set[str] = set()
    for patch in PATCHES:
        for line in patch.path.read_text().splitlines():
            if line.startswith("--- a/") or line.startswith("rename from "):
                touched.add(line.split("a/", 1)[1] if line.startswith("---") else line[len("rename from ") :])
    for name in touched & set(files):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((REPO / name).read_bytes())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    failures = []
    for patch in PATCHES:
        result = subprocess.run(
            ["git", "apply", "--check", str(patch.path)], cwd=tmp_path, capture_output=True, text=True
        )
        if result.returncode != 0:
            failures.append(f"{patch.id}: {result.stderr.strip()}")
    assert not failures, "\n".join(failures)


def _fake_patch(tmp_path: Path, patch_id: str, expect: str, files: list[str]) -> Patch:
    path = tmp_path / f"{patch_id}.patch"
    path.write_text("".join(f"--- a/{name}\n+++ b/{name}\n" for name in files))
    rules = ("RL-1",) if expect == "veto" else ()
    return Patch(patch_id, path, "test", "test", expect, rules)


def test_equivalent_patches_are_grouped_only_on_disjoint_files(tmp_path: Path) -> None:
    from .harness import MAX_BATCH, batches

    patches = [
        _fake_patch(tmp_path, "H1", "veto", ["a.sql"]),
        _fake_patch(tmp_path, "E1", "pass", ["a.sql"]),
        _fake_patch(tmp_path, "E2", "pass", ["a.sql"]),
        _fake_patch(tmp_path, "E3", "pass", ["b.sql"]),
    ] + [_fake_patch(tmp_path, f"F{n}", "pass", [f"f{n}.sql"]) for n in range(MAX_BATCH + 1)]
    units = batches(patches)
    assert [[p.id for p in unit] for unit in units if any(p.harmful for p in unit)] == [["H1"]]
    for unit in units:
        files = [name for patch in unit for name in {line[6:] for line in patch.path.read_text().splitlines()}]
        assert len(files) == len(set(files)), f"group {[p.id for p in unit]} touches a file twice"
        assert len(unit) <= MAX_BATCH
    assert sorted(p.id for unit in units for p in unit) == sorted(p.id for p in patches)


def test_verdicts(tmp_path: Path) -> None:
    from .harness import verdict

    harmful = _fake_patch(tmp_path, "H1", "veto", ["a.sql"])
    equivalent = _fake_patch(tmp_path, "E1", "pass", ["a.sql"])
    assert verdict(harmful, Outcome("H1", "veto", 1, 1.0, reported={"RL-1": ["violation"]})) == "caught"
    assert verdict(harmful, Outcome("H1", "veto", 2, 1.0, reported={"RL-1": ["not_evaluable"]})) == "caught"
    assert verdict(harmful, Outcome("H1", "veto", 1, 1.0, reported={"RL-3": ["violation"]})) == "caught-other-rule"
    assert verdict(harmful, Outcome("H1", "veto", 1, 1.0, reported={"RL-1": ["waived"]})) == "caught-other-rule"
    assert verdict(harmful, Outcome("H1", "veto", 0, 1.0)) == "missed"
    assert verdict(harmful, Outcome("H1", "veto", 2, 1.0, error="dbt compile failed")) == "error"
    assert verdict(equivalent, Outcome("E1", "pass", 0, 1.0)) == "passed"
    assert verdict(equivalent, Outcome("E1", "pass", 1, 1.0, reported={"RL-2": ["violation"]})) == "false-veto"


def test_refusals_name_rules_but_compile_failures_do_not() -> None:
    from .harness import refused_rules

    governance = "redline: could not evaluate: governance/redlines.yml: rule RL-5: 'checks' must be a non-empty list"
    assert refused_rules(2, governance) == {"RL-5"}
    compile_failure = "redline: could not evaluate: [dev] dbt compile failed (2): RL-2 model"
    assert refused_rules(2, compile_failure) == set()
    assert refused_rules(1, governance) == set()


def test_governance_findings_count_for_the_red_line_they_name() -> None:
    from .harness import governance_rules, ratchet_vetoes

    assert governance_rules("WAIVER", "exceptions[0] (RL-7 on int_x): 'expiry' is missing") == {"RL-7"}
    assert governance_rules("RL-2", "mentions RL-7 in passing") == set()
    stderr = ("======== VETO: GOV-RATCHET - RL-3 weakened (rule_removed) ========\n"
              "  file      : governance/redlines.yml\nredline ratchet: base HEAD: 1 weakening(s)\n")
    assert [rule for rule, _line in ratchet_vetoes(stderr)] == ["RL-3"]
    assert ratchet_vetoes("redline ratchet: base HEAD: 0 weakening(s)") == []
