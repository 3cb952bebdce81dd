"""Reports: the VETO text, JSON, JUnit, SARIF 2.1.0 (validated against the schema) and bounded Markdown."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from redline import report
from redline.engine import Finding, Outcome

from .helpers import evaluate_fixture, governance, handwritten_sql, node, project


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    sql = handwritten_sql("snowflake", "int_match_ref_id_series").replace(
        "    UNION\n    select * from fallback_matches\n", "")
    refser = node("int_match_ref_id_series", sql, "snowflake",
                  path="models/silver/matching/int_match_ref_id_series.sql")
    gold = node("fct_episode_details", "select 1 as id", "snowflake", grants={},
                path="models/gold/fct_episode_details_v2.sql")
    return evaluate_fixture({"prod": project([refser, gold], "snowflake", "prod")}, ["RL-2", "RL-5"])


def sarif_schema() -> dict[str, object]:
    text = resources.files("redline").joinpath("sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def test_veto_block_names_rule_model_location_incident_override(outcome: Outcome) -> None:
    text = report.text(outcome)
    assert "VETO: RL-2" in text and "VETO: RL-5" in text
    block = report.veto_block(next(f for f in outcome.findings if f.rule.id == "RL-2"))
    for part in ("model     : int_match_ref_id_series", "where     : models/silver/matching/",
                 "missing   :", "incident  : 2025-12-02", "override  : Governor approval"):
        assert part in block
    assert text.rstrip().endswith("FAIL: red line violated")


def test_json(outcome: Outcome) -> None:
    data = json.loads(report.as_json(outcome))
    assert data["exit_code"] == 1
    assert {f["rule"] for f in data["findings"]} == {"RL-2", "RL-5"}


def test_junit_is_xml_with_failures(outcome: Outcome) -> None:
    root = ET.fromstring(report.as_junit(outcome, governance().rules))
    failures = root.findall(".//failure")
    assert {f.get("type") for f in failures} == {"RL-2", "RL-5"}
    assert len(root.findall("testsuite")) == len(governance().rules)


def test_sarif_validates_against_the_schema(outcome: Outcome) -> None:
    log = json.loads(report.as_sarif(outcome, governance().rules))
    jsonschema.validate(log, sarif_schema())
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"RL-2", "RL-5"}
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)


def test_sarif_schema_rejects_a_broken_log(outcome: Outcome) -> None:
    log = json.loads(report.as_sarif(outcome, governance().rules))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, sarif_schema())
    del log["version"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, sarif_schema())


def test_markdown_stays_under_the_comment_limit(outcome: Outcome) -> None:
    base = outcome.findings[0]
    many: list[Finding] = [replace(base, model=f"model_{i:05d}", message="x" * 200) for i in range(3000)]
    big = replace(outcome, findings=tuple(many))
    text = report.as_markdown(big)
    assert len(text) < report.MARKDOWN_LIMIT
    assert "truncated" in text
    small = report.as_markdown(outcome)
    assert "| violation | RL-2 |" in small and "truncated" not in small
