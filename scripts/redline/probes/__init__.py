"""Behavioural probes: execute each protected model's compiled SQL, for every target and render branch,
on small input relations and check properties of its output (governance/probes/*.yml).

The structural checks say the protective construct is in the SQL; a probe says it still decides the
output. Render branches: `incremental` is the check's own compile (assume_incremental true); `first_run`
is an extra compile (assume_incremental false) of only the probed models and their upstreams; each
var('…') a probed model reads, in its own file or in a project macro it calls, adds a compile with that
var set to a value its default is not (booleans flipped, numbers and strings replaced by a sentinel),
incremental.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from redline.config import ConfigError, Governance, Rule, load_environment_map
from redline.engine import ERROR, VIOLATION, WAIVED, Finding, Outcome, first_changed_line
from redline.manifest import ProjectCompile
from redline.probes.relations import ProbeError, SqlCache, relations
from redline.probes.runner import Schemas, execute
from redline.probes.spec import Probe, load_probes, probed_models, rule_probes

__all__ = ["ProbeError", "Variant", "compile_variants", "run_probes", "with_probes"]

FIRST_RUN = "first_run"
INCREMENTAL = "incremental"
_VAR = re.compile(r"""\bvar\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*(?:,\s*([^)]*?))?\s*\)""")
_RESERVED_VARS = frozenset({"environments", "assume_incremental"})


@dataclass(frozen=True)
class Variant:
    """One render branch of one target."""

    target: str
    branch: str
    compile: ProjectCompile


SENTINEL_TEXT = "redline_sentinel"
SENTINEL_NUMBER = 987654321
_QUOTED = re.compile(r"""^(['"])(.*)\1$""", re.DOTALL)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _jinja_literal(text: str) -> tuple[bool, Any]:
    """(known?, value) of a var()'s default as written in Jinja: a quoted string, a number, true/false/none."""
    text = text.strip()
    if not text:
        return True, None
    quoted = _QUOTED.match(text)
    if quoted:
        return True, quoted.group(2)
    if text.lower() in {"true", "false", "none", "null"}:
        return True, {"true": True, "false": False}.get(text.lower())
    if _NUMBER.match(text):
        return True, float(text) if "." in text else int(text)
    return False, None


def _sentinel(value: Any) -> Any:
    """A value the default is not: booleans and none flipped, numbers (and numeric strings) replaced by
    another number, any other string by a sentinel text. So a run with `--vars` that changes a protected
    value (a phase, a filter, a label taken from a var) is rendered and probed too."""
    if value is None or isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return SENTINEL_NUMBER if value != SENTINEL_NUMBER else SENTINEL_NUMBER + 1
    if isinstance(value, str):
        if value.strip().lower() in {"true", "false", "none", "null"}:
            return value.strip().lower() != "true"
        if _NUMBER.match(value.strip()):
            other = str(SENTINEL_NUMBER)
            return other if value.strip() != other else str(SENTINEL_NUMBER + 1)
        return SENTINEL_TEXT if value != SENTINEL_TEXT else SENTINEL_TEXT + "_2"
    return None  # lists, mappings: not varied


def flipped_vars(root: Path, raw_codes: Sequence[str]) -> dict[str, object]:
    """Vars the probed models read via var('…'), each set to a value its default is not: booleans and null
    flipped, numbers and strings replaced by a sentinel (see _sentinel). Defaults that are expressions, lists
    or mappings are left alone."""
    try:
        project_vars = (yaml.safe_load((root / "dbt_project.yml").read_text(encoding="utf-8")) or {}).get(
            "vars") or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"dbt_project.yml: cannot read vars: {exc}") from exc
    out: dict[str, object] = {}
    for code in raw_codes:
        for name, default in _VAR.findall(code):
            if name in _RESERVED_VARS or name in out:
                continue
            if name in project_vars:
                value: Any = project_vars[name]
            else:
                known, value = _jinja_literal(default)
                if not known:
                    continue
            sentinel = _sentinel(value)
            if sentinel is not None:
                out[name] = sentinel
    return out


def called_macro_code(pc: ProjectCompile, models: Sequence[str]) -> list[str]:
    """The source of every project macro the models call, directly or through other macros (depends_on.macros,
    followed transitively). A var() read inside a called macro decides the model's SQL as much as one in the
    model's own file (adversarial H021: the move's filter moved into a macro that drops it under a var). Macros
    of dbt and of installed packages are not in `pc.macros`: they are not the project's to vary."""
    wanted = set(models)
    todo = [m for n in pc.nodes.values() if n.resource_type == "model" and n.name in wanted for m in n.macros]
    seen: set[str] = set()
    codes: list[str] = []
    while todo:
        uid = todo.pop()
        macro = pc.macros.get(uid)
        if uid in seen or macro is None:
            continue
        seen.add(uid)
        codes.append(str(macro.get("macro_sql") or ""))
        todo += list((macro.get("depends_on") or {}).get("macros") or ())
    return codes


def compile_variants(root: Path, targets: Sequence[str], work_dir: Path, incremental: Mapping[str, ProjectCompile],
                     probes: Sequence[Probe], use_cache: bool = True) -> list[Variant]:
    """The incremental compiles given, plus the first-run (and flipped-var) compiles of the probed models."""
    from redline.compiler import compile_targets, load_compiles

    variants = [Variant(t, INCREMENTAL, pc) for t, pc in incremental.items()]
    models = probed_models(probes)
    if not models or not targets:
        return variants
    select = [f"+{m}" for m in models]
    first = load_compiles(compile_targets(targets, root, work_dir / "probe_first_run", assume_incremental=False,
                                          use_cache=use_cache, select=select))
    variants += [Variant(t, FIRST_RUN, pc) for t, pc in first.items()]
    some = next(iter(incremental.values()), None)
    # every version of a probed model (fct_episode_details v1 and v2 share the name)
    raw = [n.raw_code for n in (some.nodes.values() if some else ()) if n.resource_type == "model"
           and n.name in set(models) and n.raw_code]
    if some is not None:
        raw += called_macro_code(some, models)
    for name, value in flipped_vars(root, raw).items():
        flipped = load_compiles(compile_targets(targets, root, work_dir / f"probe_var_{name}",
                                                assume_incremental=True, use_cache=use_cache,
                                                select=[f"+{m}" for m in models], extra_vars={name: value}))
        variants += [Variant(t, f"{INCREMENTAL}+{name}={str(value).lower()}", pc) for t, pc in flipped.items()]
    return variants


def _model_file(root: Path, pc: ProjectCompile, models: Sequence[str]) -> tuple[str, str, int]:
    """The model a veto points at: the first probed model whose source differs from git HEAD (where the
    change is), else the last one (the output the property is about)."""
    found = [n for n in (relations(pc).models.get(m) for m in models) if n is not None]
    for node in found:
        line = first_changed_line(root, node.original_file_path)
        if line:
            return node.name, node.original_file_path, line
    if not found:
        return "-", "", 0
    return found[-1].name, found[-1].original_file_path, 1


def run_probes(gov: Governance, root: Path, variants: Sequence[Variant], rule_ids: Sequence[str] = (),
               cache_path: Path | None = None) -> list[Finding]:
    """Run every probe the chosen rules name on every variant; a finding per failed assertion (violation)
    or per probe that cannot run (error). Identical rewritten SQL is executed once."""
    probes = load_probes(root)
    by_rule = rule_probes(root, gov.rules_path)
    rules: list[Rule] = [gov.rule(r) for r in rule_ids] if rule_ids else list(gov.rules)
    for rule_id, ids in by_rule.items():
        for pid in ids:
            if pid not in probes:
                raise ConfigError(f"redlines.yml: rule {rule_id} names probe {pid!r}, which no file in "
                                  f"governance/probes defines (known: {', '.join(sorted(probes)) or 'none'})")
    manifest_probes = any(probes[p].scope == "manifest" for r in rules for p in by_rule.get(r.id, ()))
    locations = load_environment_map(root).targets if manifest_probes else {}
    cache = SqlCache(cache_path)
    findings: list[Finding] = []
    schema_variant = sorted((v for v in variants if v.branch == FIRST_RUN),
                            key=lambda v: (v.compile.dialect != "duckdb", v.target))
    schemas = Schemas(relations(schema_variant[0].compile if schema_variant else variants[0].compile), cache)
    for rule in rules:
        for pid in by_rule.get(rule.id, ()):
            probe = probes[pid]
            # (target, assertion, detail) -> branches, so one veto lists every branch that fails alike
            failed: dict[tuple[str, str, str], list[str]] = {}
            located: dict[str, tuple[str, str, int]] = {}
            for variant in variants:
                branch_kind = FIRST_RUN if variant.branch == FIRST_RUN else INCREMENTAL
                if branch_kind not in probe.branches:
                    continue
                try:
                    failures = execute(probe, branch_kind, variant.compile, schemas, cache,
                                       locations.get(variant.target, {}))
                except ProbeError as exc:
                    findings.append(Finding(rule, f"probe {pid}", (variant.target,),
                                            probe.models[-1] if probe.models else "-",
                                            f"probe {pid} cannot run [{variant.branch}]: {exc}",
                                            "a probe that runs", ERROR, f"{probe.file}", probe.line))
                    continue
                if failures and variant.target not in located:
                    located[variant.target] = _model_file(root, variant.compile, probe.models)
                for failure in failures:
                    failed.setdefault((variant.target, failure.assertion.name, failure.detail), []).append(
                        variant.branch)
            by_name = {a.name: a for a in probe.assertions}
            for (target, name, detail), branches in failed.items():
                a = by_name[name]
                model, file, line = located[target]
                findings.append(Finding(
                    rule, f"probe {pid}", (target,), model,
                    f"probe {pid} [{', '.join(sorted(branches, key=lambda b: b != FIRST_RUN))}] '{a.name}' "
                    f"fails: {detail}",
                    f"{a.message} (property of {probe.file}:{probe.line})", VIOLATION, file, line))
    cache.save(prune=not rule_ids)
    return _waive(_merge(findings), gov)


def _merge(findings: Sequence[Finding]) -> list[Finding]:
    merged: dict[tuple[str, str, str, str, str], Finding] = {}
    for f in findings:
        key = (f.rule.id, f.check, f.model, f.message, f.status)
        old = merged.get(key)
        merged[key] = f if old is None else replace(old, targets=tuple(dict.fromkeys(old.targets + f.targets)))
    return list(merged.values())


def _waive(findings: Sequence[Finding], gov: Governance) -> list[Finding]:
    """The waivers of governance/exceptions.yml apply to probe vetoes as to structural ones."""
    valid = [w for w in gov.waivers if not w.problems]
    out: list[Finding] = []
    for f in findings:
        if f.status == VIOLATION and not f.rule.absolute:
            waiver = next((w for w in valid if w.rule == f.rule.id and w.model in {f.model, "*"}), None)
            if waiver is not None:
                f = replace(f, status=WAIVED, waiver=waiver)
        out.append(f)
    return out


def with_probes(outcome: Outcome, gov: Governance, root: Path, compiles: Mapping[str, ProjectCompile],
                work_dir: Path, rule_ids: Sequence[str] = (), use_cache: bool = True) -> Outcome:
    """`redline check`: the structural outcome plus the probe findings of the same targets."""
    probes = load_probes(root)
    by_rule = rule_probes(root, gov.rules_path)
    chosen = {r.upper() for r in rule_ids}
    wanted = [probes[p] for r, ids in by_rule.items() if not chosen or r.upper() in chosen for p in ids
              if p in probes]
    if not wanted:
        return outcome
    # All probed models, whatever the rule filter: one stable first-run compile (cache key) for every run.
    variants = compile_variants(root, list(compiles), work_dir, compiles, list(probes.values()), use_cache)
    findings = run_probes(gov, root, variants, rule_ids, work_dir / "probe_sql_cache.json")
    return replace(outcome, findings=outcome.findings + tuple(findings),
                   checks_run=outcome.checks_run + len(wanted))
