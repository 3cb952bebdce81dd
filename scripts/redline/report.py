"""Reports: the human VETO text, JSON, JUnit XML, SARIF 2.1.0 and a bounded Markdown summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from redline import __version__
from redline.config import Rule
from redline.engine import ERROR, VIOLATION, WAIVED, Finding, Outcome

MARKDOWN_LIMIT = 65_536
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _where(f: Finding) -> str:
    return f"{f.file}:{f.line}" if f.file else "(project)"


def veto_block(f: Finding) -> str:
    """The human block printed for one violation."""
    rule = f.rule
    head = "VETO" if f.status == VIOLATION and rule.severity == "error" else (
        "WARNING" if f.status == VIOLATION else "WAIVED")
    lines = [
        f"======== {head}: {rule.id} - {rule.title} ========",
        f"  model     : {f.model}",
        f"  targets   : {', '.join(f.targets)}",
        f"  where     : {_where(f)}",
        f"  found     : {f.message}",
        f"  missing   : {f.missing}",
        f"  incident  : {rule.history.incident_date}: {rule.history.incident}",
        f"  impact    : {rule.history.impact}",
        f"  fix       : {rule.remediation or '-'}",
        f"  override  : {rule.override}",
    ]
    if f.waiver is not None:
        w = f.waiver
        lines.append(f"  waiver    : approved by {w.approver} until {w.expires}: {w.reason}")
    return "\n".join(lines)


def text(outcome: Outcome, seconds: float | None = None) -> str:
    out: list[str] = []
    for f in outcome.of(VIOLATION) + outcome.of(WAIVED):
        out.append(veto_block(f))
        out.append("")
    for f in outcome.of(ERROR):
        out.append(f"COULD NOT EVALUATE {f.rule.id} ({f.check}) on {f.model} [{', '.join(f.targets)}]: {f.message}")
    blocking = sum(1 for f in outcome.findings if f.blocking)
    summary = (f"redline: {outcome.rules_evaluated} rules, {outcome.checks_run} checks, "
               f"targets {', '.join(outcome.targets) or '-'}: {blocking} veto(es), "
               f"{len(outcome.of(WAIVED))} waived, {len(outcome.of(ERROR))} not evaluable")
    if seconds is not None:
        summary += f" ({seconds:.1f} s)"
    out.append(summary)
    out.append({0: "PASS", 1: "FAIL: red line violated", 2: "ERROR: could not evaluate"}[outcome.exit_code])
    return "\n".join(out)


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule.id, "title": f.rule.title, "severity": f.rule.severity, "check": f.check,
        "status": f.status, "model": f.model, "targets": list(f.targets), "file": f.file, "line": f.line,
        "message": f.message, "missing": f.missing, "absolute": f.rule.absolute, "override": f.rule.override,
        "incident": {"date": f.rule.history.incident_date, "text": f.rule.history.incident},
        "waiver": None if f.waiver is None else {
            "approver": f.waiver.approver, "reason": f.waiver.reason, "expiry": str(f.waiver.expires)},
    }


def as_json(outcome: Outcome) -> str:
    return json.dumps({
        "tool": "redline", "version": __version__, "exit_code": outcome.exit_code,
        "targets": list(outcome.targets), "rules_evaluated": outcome.rules_evaluated,
        "checks_run": outcome.checks_run, "findings": [_finding_json(f) for f in outcome.findings],
    }, indent=2)


def as_junit(outcome: Outcome, rules: Sequence[Rule]) -> str:
    suites = ET.Element("testsuites", name="redline")
    for rule in rules:
        found = [f for f in outcome.findings if f.rule.id == rule.id]
        suite = ET.SubElement(suites, "testsuite", name=f"{rule.id} {rule.title}",
                              tests=str(max(1, len(found))),
                              failures=str(sum(1 for f in found if f.status == VIOLATION)),
                              errors=str(sum(1 for f in found if f.status == ERROR)),
                              skipped=str(sum(1 for f in found if f.status == WAIVED)))
        if not found:
            ET.SubElement(suite, "testcase", classname=rule.id, name=f"{rule.id} holds on "
                          f"{', '.join(outcome.targets)}")
        for f in found:
            case = ET.SubElement(suite, "testcase", classname=rule.id,
                                 name=f"{f.model} [{', '.join(f.targets)}] {f.check}", file=f.file,
                                 line=str(f.line))
            if f.status == VIOLATION:
                ET.SubElement(case, "failure", message=f.message, type=f.rule.id).text = veto_block(f)
            elif f.status == ERROR:
                ET.SubElement(case, "error", message=f.message, type="could-not-evaluate")
            else:
                ET.SubElement(case, "skipped", message=f"waived: {f.waiver.reason if f.waiver else ''}")
    for f in outcome.findings:
        if f.rule.id not in {r.id for r in rules}:
            suite = ET.SubElement(suites, "testsuite", name=f.rule.id, tests="1", failures="1", errors="0")
            case = ET.SubElement(suite, "testcase", classname=f.rule.id, name=f.model)
            ET.SubElement(case, "failure", message=f.message, type=f.rule.id).text = veto_block(f)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def as_sarif(outcome: Outcome, rules: Sequence[Rule]) -> str:
    all_rules = list(rules) + [f.rule for f in outcome.findings if f.rule.id not in {r.id for r in rules}]
    seen: dict[str, int] = {}
    descriptors: list[dict[str, Any]] = []
    for rule in all_rules:
        if rule.id in seen:
            continue
        seen[rule.id] = len(descriptors)
        descriptors.append({
            "id": rule.id,
            "name": rule.title,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.history.rationale},
            "help": {"text": f"{rule.remediation}\nOverride: {rule.override}"},
            "defaultConfiguration": {"level": "error" if rule.severity == "error" else "warning"},
            "properties": {"absolute": rule.absolute, "incident_date": rule.history.incident_date,
                           "owner": rule.history.owner},
        })
    results: list[dict[str, Any]] = []
    for f in outcome.findings:
        level = "note" if f.status == ERROR else "error" if f.rule.severity == "error" else "warning"
        result: dict[str, Any] = {
            "ruleId": f.rule.id,
            "ruleIndex": seen[f.rule.id],
            "level": level,
            "kind": "fail" if f.status == VIOLATION else ("review" if f.status == ERROR else "pass"),
            "message": {"text": f"{f.model}: {f.message} (missing: {f.missing}; targets: {', '.join(f.targets)})"},
            "properties": {"status": f.status, "targets": list(f.targets), "model": f.model},
        }
        if f.status == VIOLATION:
            del result["kind"]
        if f.file:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": f.file, "uriBaseId": "PROJECT_ROOT"},
                "region": {"startLine": max(1, f.line)}}}]
        if f.status == WAIVED and f.waiver is not None:
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"{f.waiver.reason} (approver {f.waiver.approver}, "
                                                        f"expires {f.waiver.expires})"}]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "redline", "version": __version__,
                                "informationUri": "https://example.invalid/redline",
                                "rules": descriptors}},
            "originalUriBaseIds": {"PROJECT_ROOT": {"description": {"text": "the dbt project root"}}},
            "results": results,
            "properties": {"targets": list(outcome.targets), "exit_code": outcome.exit_code},
        }],
    }
    return json.dumps(log, indent=2)


def _md_escape(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def as_markdown(outcome: Outcome, limit: int = MARKDOWN_LIMIT) -> str:
    """A PR-comment summary; always under `limit` characters (details are cut, with a note)."""
    status = {0: "PASS", 1: "FAIL (red line violated)", 2: "ERROR (could not evaluate)"}[outcome.exit_code]
    head = [f"## redline: {status}", "",
            f"Targets: {', '.join(outcome.targets) or '-'} - rules: {outcome.rules_evaluated} - "
            f"vetoes: {sum(1 for f in outcome.findings if f.blocking)} - waived: {len(outcome.of(WAIVED))} - "
            f"not evaluable: {len(outcome.of(ERROR))}", ""]
    rows = ["| status | rule | model | targets | where | finding |", "|---|---|---|---|---|---|"]
    for f in outcome.findings:
        rows.append(f"| {f.status} | {f.rule.id} | `{_md_escape(f.model)}` | {', '.join(f.targets)} | "
                    f"`{_md_escape(_where(f))}` | {_md_escape(f.message)[:300]} |")
    details = ["", "<details><summary>Veto details</summary>", ""]
    for f in outcome.of(VIOLATION):
        details += ["```text", veto_block(f), "```", ""]
    details.append("</details>")
    body = "\n".join(head + rows + details)
    if len(body) <= limit:
        return body
    note = "\n\n_(truncated: run `redline check --format json` for every finding)_\n"
    kept: list[str] = []
    size = len("\n".join(head)) + len(note) + 1
    for line in rows:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(head + kept) + note
