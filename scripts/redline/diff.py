"""`redline diff --base DIR`: which models' compiled SQL changed against a saved baseline manifest, which red
lines those changes touch, and whether the touched red lines still hold."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from redline import report
from redline.compiler import CompileError
from redline.config import ConfigError, Governance, load_environment_map, load_governance
from redline.engine import evaluate
from redline.manifest import CompiledNode, ManifestError, ProjectCompile, load_manifest
from redline.registry import CheckError
from redline.sqlast import parse


@dataclass(frozen=True)
class Change:
    model: str
    kind: str  # changed | added | removed
    rules: tuple[str, ...]


def _canonical(node: CompiledNode) -> str:
    try:
        return parse(node.sql, node.dialect).sql(dialect=node.dialect, pretty=True)
    except CheckError:
        return " ".join(node.sql.split())


def touched_rules(gov: Governance, compiled: ProjectCompile, node: CompiledNode) -> tuple[str, ...]:
    """Rules whose checks select this model (project-wide checks touch every model)."""
    out: list[str] = []
    for rule in gov.rules:
        for spec in rule.checks:
            if spec.selector.is_empty():
                out.append(rule.id)
                break
            selected, _missing = compiled.select(spec.selector)
            if any(n.name == node.name for n in selected):
                out.append(rule.id)
                break
    declared = node.meta.get("red_lines") if isinstance(node.meta, Mapping) else None
    if isinstance(declared, list):
        out.extend(str(r) for r in declared)
    return tuple(dict.fromkeys(out))


def compare(base: ProjectCompile, current: ProjectCompile, gov: Governance) -> list[Change]:
    def key(n: CompiledNode) -> str:
        return n.unique_id

    old = {key(n): n for n in base.models()}
    new = {key(n): n for n in current.models()}
    changes: list[Change] = []
    for uid, node in sorted(new.items()):
        if uid not in old:
            changes.append(Change(node.name, "added", touched_rules(gov, current, node)))
        elif _canonical(old[uid]) != _canonical(node):
            changes.append(Change(node.name, "changed", touched_rules(gov, current, node)))
    for uid, node in sorted(old.items()):
        if uid not in new:
            changes.append(Change(node.name, "removed", touched_rules(gov, base, node)))
    return changes


def _base_manifest(base: Path, target: str) -> Path:
    for candidate in (base / target / "manifest.json", base / "manifest.json", base):
        if candidate.is_file():
            return candidate
    raise ManifestError(f"no baseline manifest under {base} (expected {base}/manifest.json or "
                        f"{base}/{target}/manifest.json)")


@click.command()
@click.option("--base", "base_dir", required=True, type=click.Path(exists=True, path_type=Path),
              help="Directory (or file) with the baseline manifest.json (e.g. from the main branch).")
@click.option("--target", default="dev", show_default=True)
@click.option("--manifest", "current_manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Current manifest (default: compile the project now).")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def diff(base_dir: Path, target: str, current_manifest: Path | None, project_dir: Path | None,
         work_dir: Path | None, fmt: str) -> None:
    """Compare the compiled SQL with a baseline; exit 1 when a touched red line is now violated."""
    from redline.cli import find_root, gather

    try:
        root = project_dir.resolve() if project_dir else find_root()
        gov = load_governance(root)
        env_map = load_environment_map(root)
        base = load_manifest(_base_manifest(base_dir, target), target)
        manifests: Sequence[str] = [f"{target}={current_manifest}"] if current_manifest else []
        compiles, _ = gather(root, [target], manifests, work_dir)
        current = compiles[target]
        changes = compare(base, current, gov)
        touched = sorted({r for c in changes for r in c.rules})
        outcome = evaluate(gov, compiles, root, env_map, touched) if touched else None
    except (ConfigError, ManifestError, CompileError, CheckError) as exc:
        click.echo(f"redline diff: could not evaluate: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps({
            "target": target,
            "changes": [{"model": c.model, "kind": c.kind, "red_lines": list(c.rules)} for c in changes],
            "touched_red_lines": touched,
            "exit_code": outcome.exit_code if outcome else 0,
            "findings": json.loads(report.as_json(outcome))["findings"] if outcome else [],
        }, indent=2))
    else:
        if not changes:
            click.echo(f"redline diff: no model's compiled SQL changed on {target}")
        for c in changes:
            click.echo(f"{c.kind:8} {c.model}  red lines: {', '.join(c.rules) or '-'}")
        if outcome is not None:
            click.echo(f"\nre-checking the touched red lines ({', '.join(touched)}):")
            click.echo(report.text(outcome))
    sys.exit(outcome.exit_code if outcome else 0)
