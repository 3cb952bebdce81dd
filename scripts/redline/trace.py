"""Traceability for `redline explain RL-n`: from a red line to the code, probes, mutants and tests proving it.

Nothing here is a hand-kept list: the implementation of each check comes from the check registry (module,
function, file:line), the probes from the rule's `probes:` list and governance/probes/, the mutant count from
`redline mutate`'s generator (the mutants are generated, not run) and the tests from the test sources
themselves (every test function whose source names the rule id, or whose name carries it: test_rl2_...).
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from redline.config import EnvironmentMap, Governance
from redline.manifest import ProjectCompile
from redline.registry import get

TEST_DIR = Path("scripts") / "tests"
PROBES_DIR = Path("governance") / "probes"


@dataclass(frozen=True)
class Implementation:
    check: str
    kind: str
    module: str
    function: str
    file: str  # relative to the project root when inside it
    line: int


def implementation(check: str, root: Path) -> Implementation:
    """Where a registered check is implemented (from the registry, not from a list)."""
    registered = get(check)
    func = inspect.unwrap(registered.func)
    source = Path(inspect.getsourcefile(func) or "")
    try:
        line = inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        line = 0
    rel = source.resolve()
    shown = rel.relative_to(root.resolve()).as_posix() if rel.is_relative_to(root.resolve()) else str(source)
    return Implementation(check, registered.kind, func.__module__, func.__qualname__, shown, line)


@dataclass(frozen=True)
class Probe:
    name: str
    file: str  # "" when no file was found
    summary: str


def _rule_entry(rules_path: Path, rule_id: str) -> Mapping[str, Any]:
    data = yaml.safe_load(rules_path.read_text(encoding="utf-8")) or {}
    for entry in data.get("rules") or []:
        if isinstance(entry, dict) and str(entry.get("id", "")).lower() == rule_id.lower():
            return entry
    return {}


def _count_items(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("assertions", "cases", "rows", "expect", "probes"):
            if isinstance(data.get(key), list):
                return f"{len(data[key])} {key}"
    if isinstance(data, list):
        return f"{len(data)} entries"
    return ""


def probes(root: Path, rules_path: Path, rule_id: str) -> list[Probe]:
    """The rule's `probes:` list resolved against governance/probes/ (absent list or folder: none)."""
    entry = _rule_entry(rules_path, rule_id)
    folder = root / PROBES_DIR
    out: list[Probe] = []
    for item in entry.get("probes") or []:
        name = str(item.get("id", item.get("name", ""))) if isinstance(item, dict) else str(item)
        candidates = [folder / name] + [folder / f"{name}{ext}" for ext in (".yml", ".yaml")]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None and folder.is_dir():  # a file holding several probes, each with an id/name
            for path in sorted(folder.glob("*.y*ml")):
                text = path.read_text(encoding="utf-8")
                if re.search(rf"(?m)^\s*-?\s*(id|name):\s*['\"]?{re.escape(name)}['\"]?\s*$", text):
                    found = path
                    break
        if found is None:
            out.append(Probe(name, "", "no file under governance/probes/"))
            continue
        data = yaml.safe_load(found.read_text(encoding="utf-8"))
        title = str(data.get("title", data.get("description", ""))) if isinstance(data, dict) else ""
        summary = "; ".join(s for s in (title.strip(), _count_items(data)) if s)
        out.append(Probe(name, found.relative_to(root).as_posix(), summary))
    return out


def _id_pattern(rule_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(rule_id)}(?!\d)", re.IGNORECASE)


def _name_pattern(rule_id: str) -> re.Pattern[str]:
    token = re.sub(r"[^0-9a-z]", "", rule_id.lower())  # RL-2 -> rl2
    return re.compile(rf"(^|_){re.escape(token)}(_|$)")


def tests_for(root: Path, rule_id: str) -> list[str]:
    """`path::test` for every test function (or method) that names the rule id in its source or decorators,
    or whose name carries it (test_rl2_...), and every test of a module whose docstring names it; sorted,
    so the output is deterministic."""
    ids, names = _id_pattern(rule_id), _name_pattern(rule_id)
    found: list[str] = []
    for path in sorted((root / TEST_DIR).rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if not ids.search(text) and not names.search(text):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines()
        rel = path.relative_to(root).as_posix()
        whole_module = bool(ids.search(ast.get_docstring(tree) or ""))  # a module about this rule
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.name.startswith("test"):
                continue
            start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
            segment = "\n".join(lines[start:node.end_lineno])
            if whole_module or ids.search(segment) or names.search(node.name):
                found.append(f"{rel}::{node.name}")
    return sorted(set(found))


def mutant_counts(gov: Governance, compiles: Mapping[str, ProjectCompile], env_map: EnvironmentMap, root: Path,
                  mutate_targets: Sequence[str] | None,
                  rule_ids: Sequence[str] | None = None) -> dict[str, tuple[int, int]]:
    """Per rule: (weakening mutants, equivalent rewrites) that `redline mutate` would run (none are run)."""
    from redline.mutate import generate

    counts: dict[str, tuple[int, int]] = {}
    for m in generate(gov, compiles, env_map, root, mutate_targets, only_rules=rule_ids):
        weak, same = counts.get(m.rule, (0, 0))
        counts[m.rule] = (weak, same + 1) if m.equivalent else (weak + 1, same)
    return counts
