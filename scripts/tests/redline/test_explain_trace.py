"""`redline explain RL-n` (issue #15): from a red line to the code, probes, mutants and tests that prove it."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from click.testing import CliRunner

from redline import trace
from redline.cli import cli
from redline.registry import REGISTRY, get

from .helpers import ROOT


def test_every_registered_check_resolves_to_its_function() -> None:
    get("required_filter")  # imports the rules package
    assert REGISTRY
    for name, registered in REGISTRY.items():
        impl = trace.implementation(name, ROOT)
        module = importlib.import_module(impl.module)
        assert getattr(module, impl.function) is registered.func
        source = (ROOT / impl.file).read_text(encoding="utf-8").splitlines()
        assert source[impl.line - 1].lstrip().startswith(("@", "def ")), (name, impl)


def test_explain_prints_incident_checks_code_and_real_tests(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["explain", "RL-2", "--project-dir", str(ROOT), "--work-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Incident (2025-12-02)" in out and "Impact: 321/321" in out
    assert "implemented by redline.rules.union_guard.union_fallback_guard (model check) at " \
           "scripts/redline/rules/union_guard.py:" in out
    assert "Probes: none listed" in out or "Probes:\n" in out
    assert "not counted: no fresh compile" in out  # empty work dir: nothing compiled, nothing run
    listed = [line.strip()[2:] for line in out.splitlines() if line.strip().startswith("- scripts/tests/")]
    assert "scripts/tests/redline/test_rules.py::test_rl2_union_fallback" in listed
    for entry in listed:  # every listed test is a real function in a real file
        path, func = entry.split("::")
        assert f"def {func}(" in (ROOT / path).read_text(encoding="utf-8"), entry
    unknown = CliRunner().invoke(cli, ["explain", "RL-42", "--project-dir", str(ROOT)])
    assert unknown.exit_code == 2


def test_tests_are_found_by_id_name_or_module_docstring(tmp_path: Path) -> None:
    tests = tmp_path / "scripts" / "tests" / "area"
    tests.mkdir(parents=True)
    (tests / "test_one.py").write_text(
        'import pytest\n\n\n@pytest.mark.parametrize("rule", ["RL-7"])\ndef test_by_param(rule):\n    pass\n\n\n'
        "def test_rl7_by_name():\n    pass\n\n\ndef test_other_rule():\n    assert 'RL-17' and 'RL-70'\n",
        encoding="utf-8")
    (tests / "test_two.py").write_text('"""All about RL-7."""\n\n\ndef test_any():\n    pass\n', encoding="utf-8")
    assert trace.tests_for(tmp_path, "RL-7") == [
        "scripts/tests/area/test_one.py::test_by_param",
        "scripts/tests/area/test_one.py::test_rl7_by_name",
        "scripts/tests/area/test_two.py::test_any",
    ]
    assert trace.tests_for(tmp_path, "RL-17") == ["scripts/tests/area/test_one.py::test_other_rule"]


def test_probes_come_from_the_rules_probes_list(tmp_path: Path) -> None:
    rules = tmp_path / "redlines.yml"
    rules.write_text(yaml.safe_dump({"rules": [{"id": "RL-1", "probes": ["rl1_rows", "rl1_gone"]},
                                               {"id": "RL-2"}]}), encoding="utf-8")
    assert trace.probes(tmp_path, rules, "RL-2") == []  # no probes: key, no folder: tolerated
    folder = tmp_path / "governance" / "probes"
    folder.mkdir(parents=True)
    (folder / "rl1_rows.yml").write_text(yaml.safe_dump(
        {"title": "pending rows only", "assertions": [{"a": 1}, {"b": 2}]}), encoding="utf-8")
    found = trace.probes(tmp_path, rules, "RL-1")
    assert found == [trace.Probe("rl1_rows", "governance/probes/rl1_rows.yml", "pending rows only; 2 assertions"),
                     trace.Probe("rl1_gone", "", "no file under governance/probes/")]


def test_mutant_count_is_mutates_own_count_for_the_rule() -> None:
    from redline.config import load_governance
    from redline.mutate import generate

    from .helpers import env_map, fixture_sql, node, project

    nodes = [node(n, fixture_sql("duckdb", n), "duckdb")
             for n in ("stg_upload__platform_viewership", "int_match_ref_id_series")]
    pcs = {"dev": project(nodes, "duckdb")}
    gov = load_governance(ROOT)
    everything = generate(gov, pcs, env_map(), ROOT)
    for rule in ("RL-1", "RL-2", "RL-3"):
        mine = [m for m in everything if m.rule == rule]
        expected = (sum(not m.equivalent for m in mine), sum(m.equivalent for m in mine))
        assert expected[0] > 0
        assert trace.mutant_counts(gov, pcs, env_map(), ROOT, None, [rule]) == {rule: expected}
