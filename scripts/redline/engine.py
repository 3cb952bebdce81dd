"""Evaluate the rules over the compiles: run each check where it applies, then apply the waivers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from redline.config import CheckSpec, EnvironmentMap, Governance, Rule, Waiver
from redline.manifest import CompiledNode, ManifestError, ProjectCompile
from redline.registry import CheckContext, CheckError, Problem, get

VIOLATION = "violation"
WAIVED = "waived"
ERROR = "error"  # could not evaluate


@dataclass(frozen=True)
class Finding:
    """One result: a rule broken (or waived, or not evaluable) on one model for some targets."""

    rule: Rule
    check: str
    targets: tuple[str, ...]
    model: str
    message: str
    missing: str
    status: str
    file: str
    line: int
    waiver: Waiver | None = None

    @property
    def blocking(self) -> bool:
        return self.status == VIOLATION and self.rule.severity == "error"


@dataclass(frozen=True)
class Outcome:
    findings: tuple[Finding, ...]
    targets: tuple[str, ...]
    rules_evaluated: int
    checks_run: int

    @property
    def exit_code(self) -> int:
        if any(f.blocking for f in self.findings):
            return 1
        if any(f.status == ERROR for f in self.findings):
            return 2
        return 0

    def of(self, status: str) -> list[Finding]:
        return [f for f in self.findings if f.status == status]


def _code_only(source: str) -> str:
    """The source with Jinja comments and SQL line comments blanked (newlines kept)."""
    from redline.rules.environment_scan import jinja_spans

    chars = list(source)
    for start, end in jinja_spans(source):
        if source.startswith("{#", start):
            for i in range(start, end):
                if chars[i] != "\n":
                    chars[i] = " "
    text = "".join(chars)
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


def locate(root: Path, node: CompiledNode | None, problem: Problem) -> tuple[str, int]:
    """file:line in the SOURCE (not the compiled SQL) for a problem; anchors may list alternatives (a|b)."""
    if problem.file:
        return problem.file, problem.line or 1
    if node is None:
        return "", 0
    source = node.raw_code
    path = root / node.original_file_path
    if path.is_file():
        source = path.read_text(encoding="utf-8")
    lines = _code_only(source).splitlines()
    for needle in [a.strip().lower() for a in problem.anchor.split("|") if a.strip()]:
        for i, line in enumerate(lines, start=1):
            if needle in line.lower():
                return node.original_file_path, i
    changed = first_changed_line(root, node.original_file_path)
    if changed:
        return node.original_file_path, changed
    for i, line in enumerate(lines, start=1):
        if line.strip():
            return node.original_file_path, i
    return node.original_file_path, 1


def first_changed_line(root: Path, relpath: str) -> int:
    """Where the working copy of a file first differs from git HEAD (0 when unknown or unchanged): the
    place a deleted protection used to be."""
    import re
    import subprocess

    try:
        proc = subprocess.run(["git", "-C", str(root), "diff", "-U0", "--no-color", "HEAD", "--", relpath],
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return 0
    match = re.search(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or match is None:
        return 0
    return max(1, int(match.group(1)))


def _error(rule: Rule, spec: CheckSpec, target: str, model: str, message: str, file: str = "") -> Finding:
    return Finding(rule, spec.check, (target,), model, message, "an evaluable input", ERROR, file, 0)


def _run_spec(rule: Rule, spec: CheckSpec, ctx_base: CheckContext, compiles: Mapping[str, ProjectCompile],  # noqa: C901 - one pass per target over the selected models, with the missing/focus cases each reported
              allow_missing: bool) -> list[Finding]:
    findings: list[Finding] = []
    try:
        registered = get(spec.check)
    except CheckError as exc:
        return [_error(rule, spec, "*", "-", str(exc))]
    if registered.kind == "project":
        ctx = replace(ctx_base, target="*")
        try:
            for p in registered.func(ctx, spec.params):
                if ctx.focus is not None and p.model not in ctx.focus and not p.file:
                    continue
                some = next(iter(compiles.values()), None)
                node = some.by_name(p.model) if some else None
                file, line = locate(ctx.root, node, p)
                findings.append(Finding(rule, spec.check, tuple(compiles), p.model, p.message, p.missing,
                                        VIOLATION, file, line))
        except (CheckError, ManifestError, KeyError, ValueError) as exc:
            findings.append(_error(rule, spec, "*", "-", f"{spec.check}: {exc}"))
        return findings
    for target, compiled in compiles.items():
        ctx = replace(ctx_base, target=target)
        nodes, missing = compiled.select(spec.selector)
        if missing and not allow_missing:
            for name in missing:
                findings.append(_error(rule, spec, target, name,
                                       f"protected model {name} is not in the {target} compile"))
        if not nodes:
            if not allow_missing:
                findings.append(_error(rule, spec, target, "-", f"{spec.check}: no model matches "
                                       f"{spec.selector} on {target}"))
            continue
        per_node: list[tuple[CompiledNode, list[Problem]]] = []
        if ctx.focus is not None:
            nodes = [n for n in nodes if n.name in ctx.focus]
            if not nodes:
                continue
        for node in nodes:
            problems: list[Problem] = []
            if registered.kind == "model":
                try:
                    for problem in registered.func(ctx, node, spec.params):
                        problems.append(problem)
                except (CheckError, ManifestError, KeyError, ValueError, TypeError) as exc:
                    findings.append(_error(rule, spec, target, node.name, f"{spec.check}: {exc}",
                                           node.original_file_path))
                    if not problems:
                        continue
            per_node.append((node, problems))
        if registered.kind == "target":
            try:
                problems = list(registered.func(ctx, nodes, spec.params))
            except (CheckError, ManifestError, KeyError, ValueError) as exc:
                findings.append(_error(rule, spec, target, "-", f"{spec.check}: {exc}"))
                continue
            by_name = {n.name: n for n in nodes}
            per_node = [(by_name.get(p.model, nodes[0]), [p]) for p in problems]
        if spec.match == "any" and registered.kind == "model":
            if per_node and any(not probs for _n, probs in per_node):
                continue
            node = per_node[0][0] if per_node else nodes[0]
            messages = "; ".join(p.message for _n, probs in per_node for p in probs[:1])
            first = per_node[0][1][0] if per_node and per_node[0][1] else Problem(node.name, "", "")
            file, line = locate(ctx.root, node, first)
            findings.append(Finding(rule, spec.check, (target,), node.name,
                                    f"none of {[n.name for n, _ in per_node]} satisfies it: {messages}",
                                    first.missing, VIOLATION, file, line))
            continue
        for node, problems in per_node:
            for p in problems:
                file, line = locate(ctx.root, node, p)
                findings.append(Finding(rule, spec.check, (target,), p.model, p.message, p.missing,
                                        VIOLATION, file, line))
    return findings


def _merge_targets(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per (rule, check, model, message, status) listing every target it occurs on."""
    merged: dict[tuple[str, str, str, str, str, str, int], Finding] = {}
    for f in findings:
        key = (f.rule.id, f.check, f.model, f.message, f.status, f.file, f.line)
        if key in merged:
            old = merged[key]
            targets = tuple(dict.fromkeys(old.targets + f.targets))
            merged[key] = replace(old, targets=targets)
        else:
            merged[key] = f
    return list(merged.values())


def _waiver_rule(gov: Governance) -> Rule:
    from redline.config import History

    return Rule(
        id="WAIVER", title="Waivers need rule, model, reason, approver and a future expiry", severity="error",
        absolute=True, override="Fix or remove the waiver in governance/exceptions.yml.",
        history=History("n/a", "A waiver without an owner or expiry silently becomes permanent.",
                        "red lines bypassed without anyone accountable", "waivers must stay visible",
                        "governance"),
        checks=(), remediation="Complete the entry or delete it.",
    )


def apply_waivers(findings: Sequence[Finding], gov: Governance) -> list[Finding]:
    out: list[Finding] = []
    valid = [w for w in gov.waivers if not w.problems]
    for f in findings:
        if f.status == VIOLATION:
            waiver = next((w for w in valid if w.rule == f.rule.id and w.model in {f.model, "*"}), None)
            if waiver is not None and not f.rule.absolute:
                f = replace(f, status=WAIVED, waiver=waiver)
        out.append(f)
    wrule = _waiver_rule(gov)
    rel = gov.waivers_path.name
    for w in gov.waivers:
        if w.problems:
            out.append(Finding(wrule, "waiver", ("*",), w.model or "-",
                               f"exceptions[{w.index}] ({w.rule or '?'} on {w.model or '?'}): "
                               + "; ".join(w.problems),
                               "rule, model, reason, approver and a future expiry", VIOLATION,
                               f"governance/{rel}", w.index + 1))
    return out


def evaluate(gov: Governance, compiles: Mapping[str, ProjectCompile], root: Path, env_map: EnvironmentMap,
             rule_ids: Sequence[str] = (), allow_missing: bool = False,
             focus: frozenset[str] | None = None, overrides: Mapping[str, str] | None = None) -> Outcome:
    """Run every rule (or the chosen ones) on every compile (optionally only on the `focus` models)."""
    ctx = CheckContext(root=root, env_map=env_map, compiles=compiles, target="*", focus=focus,
                       overrides=dict(overrides or {}))
    findings: list[Finding] = []
    rules = [gov.rule(r) for r in rule_ids] if rule_ids else list(gov.rules)
    checks = 0
    for rule in rules:
        for spec in rule.checks:
            checks += 1
            findings.extend(_run_spec(rule, spec, ctx, compiles, allow_missing))
    findings = apply_waivers(_merge_targets(findings), gov)
    return Outcome(tuple(findings), tuple(compiles), len(rules), checks)
