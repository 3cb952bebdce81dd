"""The `redline mutate` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from redline.compiler import CompileError
from redline.config import (
    ConfigError,
    load_environment_map,
    load_governance,
)
from redline.manifest import ManifestError
from redline.mutate.execute import run_all
from redline.mutate.records import MutantResult
from redline.registry import CheckError


@click.command()
@click.option("--target", "targets", multiple=True, type=click.Choice(["dev", "ci", "staging", "prod"]),
              help="Compiles to use (default: dev, staging, prod; mutants are made on dev and prod, staging is "
                   "the comparison partner of prod).")
@click.option("--manifest", "manifests", multiple=True, metavar="TARGET=PATH")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--min-kill-rate", type=float, default=0.95, show_default=True)
@click.option("--min-mutants", type=int, default=200, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--verbose", is_flag=True, help="List every mutant.")
def mutate(targets: tuple[str, ...], manifests: tuple[str, ...], project_dir: Path | None,
           work_dir: Path | None, min_kill_rate: float, min_mutants: int, fmt: str, verbose: bool) -> None:
    """Mutation-test the red-line checks: kill rate of weakening mutants and false positives on equivalents."""
    from redline.cli import find_root, gather

    try:
        root = project_dir.resolve() if project_dir else find_root()
        gov = load_governance(root)
        env_map = load_environment_map(root)
        chosen = list(targets) or ([] if manifests else ["dev", "staging", "prod"])
        compiles, _ = gather(root, chosen, manifests, work_dir)
        mutated = [t for t in compiles if t != "staging"] if "prod" in compiles else list(compiles)
        summary = run_all(gov, compiles, root, env_map, mutated)
    except (ConfigError, ManifestError, CompileError, CheckError) as exc:
        click.echo(f"redline mutate: could not evaluate: {exc}", err=True)
        sys.exit(2)
    survivors = [r for r in summary.killers if not r.flagged]
    fps = summary.false_positives
    total = len(summary.results)
    ok = summary.kill_rate >= min_kill_rate and not fps and total >= min_mutants
    if fmt == "json":
        click.echo(json.dumps({
            "mutants": total, "weakening": len(summary.killers), "equivalent": total - len(summary.killers),
            "killed": summary.killed, "kill_rate": round(summary.kill_rate, 4),
            "killed_by_error": sum(1 for r in summary.killers if r.flagged and r.by_error),
            "false_positives": [r.mutant.id for r in fps], "survivors": [r.mutant.id for r in survivors],
            "seconds": round(summary.seconds, 1), "ok": ok,
        }, indent=2))
    else:
        by_rule: dict[str, list[MutantResult]] = {}
        for r in summary.results:
            by_rule.setdefault(r.mutant.rule, []).append(r)
        for rule, results in sorted(by_rule.items()):
            kills = [r for r in results if not r.mutant.equivalent]
            eqs = [r for r in results if r.mutant.equivalent]
            click.echo(f"{rule}: {sum(r.flagged for r in kills)}/{len(kills)} weakening mutants killed, "
                       f"{sum(r.flagged for r in eqs)}/{len(eqs)} equivalent rewrites flagged")
        if verbose:
            for r in summary.results:
                state = ("KILLED" if r.flagged else "SURVIVED") if not r.mutant.equivalent else \
                    ("FALSE POSITIVE" if r.flagged else "not flagged")
                click.echo(f"  {state:14} {r.mutant.id}: {r.mutant.description}")
        for r in survivors:
            click.echo(f"SURVIVOR {r.mutant.id}: {r.mutant.description}")
        for r in fps:
            click.echo(f"FALSE POSITIVE {r.mutant.id}: {r.mutant.description} -> {r.detail}")
        errors = sum(1 for r in summary.killers if r.flagged and r.by_error)
        if errors:
            click.echo(f"({errors} of the kills are 'could not evaluate' (exit 2), not violations)")
        click.echo(f"redline mutate: {total} mutants ({len(summary.killers)} weakening, "
                   f"{total - len(summary.killers)} equivalent), kill rate {summary.kill_rate:.1%} "
                   f"({summary.killed}/{len(summary.killers)}), false positives {len(fps)} ({summary.seconds:.1f} s)")
        click.echo("PASS" if ok else f"FAIL: need >= {min_kill_rate:.0%} killed, 0 false positives and "
                   f">= {min_mutants} mutants")
    sys.exit(0 if ok else 1)
