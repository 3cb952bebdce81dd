"""The `redline` command: check, diff, verify, mutate, explain.

Exit codes: 0 clean, 1 a red line is violated, 2 the input could not be evaluated.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

from redline import report
from redline.compiler import CompileError, compile_targets, load_compiles
from redline.config import ConfigError, load_environment_map, load_governance
from redline.engine import Outcome, evaluate
from redline.manifest import ManifestError, ProjectCompile, check_compiled, load_manifest
from redline.registry import CheckError

ALL_TARGETS = ("dev", "ci", "staging", "prod")
FORMATS = ("text", "json", "junit", "sarif", "markdown")


def find_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise ConfigError(f"no dbt_project.yml at or above {here} (use --project-dir)")


def render(outcome: Outcome, fmt: str, rules: Sequence[object], seconds: float | None) -> str:
    from redline.config import Rule

    rule_list = [r for r in rules if isinstance(r, Rule)]
    if fmt == "json":
        return report.as_json(outcome)
    if fmt == "junit":
        return report.as_junit(outcome, rule_list)
    if fmt == "sarif":
        return report.as_sarif(outcome, rule_list)
    if fmt == "markdown":
        return report.as_markdown(outcome)
    return report.text(outcome, seconds)


def _emit(content: str, output: Path | None) -> None:
    if output is None:
        click.echo(content)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(content + "\n", encoding="utf-8")


def gather(root: Path, targets: Sequence[str], manifests: Sequence[str], work_dir: Path | None,
           use_cache: bool = True) -> tuple[dict[str, ProjectCompile], dict[str, float]]:
    """Compiles to check: given manifests (TARGET=PATH) or fresh `dbt compile`s of the targets."""
    compiles: dict[str, ProjectCompile] = {}
    timings: dict[str, float] = {}
    for item in manifests:
        if "=" not in item:
            raise ConfigError(f"--manifest expects TARGET=PATH, got {item!r}")
        target, path = item.split("=", 1)
        compiles[target] = load_manifest(Path(path), target)
    todo = [t for t in targets if t not in compiles]
    if todo:
        results = compile_targets(todo, root, work_dir or root / "target_redline", use_cache=use_cache)
        compiles.update(load_compiles(results))
        timings = {t: r.seconds for t, r in results.items()}
    check_compiled(compiles.values())
    return compiles, timings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """redline: the red lines of DOMAIN §8, checked on the compiled SQL of every dbt target."""


_project_opt = click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                            help="dbt project (default: nearest dbt_project.yml).")
_target_opt = click.option("--target", "targets", multiple=True, type=click.Choice(ALL_TARGETS),
                           help="Targets to compile and check (repeatable; default: all four).")
_format_opt = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
_output_opt = click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="Write the report here instead of stdout.")
_work_opt = click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                         help="Where the per-target compiles go (default: <project>/target_redline).")
_manifest_opt = click.option("--manifest", "manifests", multiple=True, metavar="TARGET=PATH",
                             help="Use an existing manifest.json for a target instead of compiling.")


@cli.command()
@_project_opt
@_target_opt
@_format_opt
@_output_opt
@_work_opt
@_manifest_opt
@click.option("--rule", "rule_ids", multiple=True, help="Only these rules (repeatable).")
@click.option("--allow-missing", is_flag=True, help="Protected models that do not exist yet are skipped.")
@click.option("--no-cache", is_flag=True, help="Recompile even when no project input changed.")
@click.option("--no-probes", is_flag=True, help="Skip the behavioural probes (governance/probes/).")
def check(project_dir: Path | None, targets: tuple[str, ...], fmt: str, output: Path | None,
          work_dir: Path | None, manifests: tuple[str, ...], rule_ids: tuple[str, ...],
          allow_missing: bool, no_cache: bool, no_probes: bool) -> None:
    """Compile the targets and check every red line; exit 0 clean, 1 veto, 2 could not evaluate."""
    started = time.monotonic()
    try:
        root = project_dir.resolve() if project_dir else find_root()
        gov = load_governance(root)
        env_map = load_environment_map(root)
        chosen = list(targets) or ([] if manifests else list(ALL_TARGETS))
        compiles, _timings = gather(root, chosen, manifests, work_dir, use_cache=not no_cache)
        outcome = evaluate(gov, compiles, root, env_map, rule_ids, allow_missing)
        if not no_probes:
            from redline.probes import with_probes

            outcome = with_probes(outcome, gov, root, compiles, work_dir or root / "target_redline", rule_ids,
                                  use_cache=not no_cache)
    except (ConfigError, ManifestError, CompileError, CheckError) as exc:
        click.echo(f"redline: could not evaluate: {exc}", err=True)
        sys.exit(2)
    _emit(render(outcome, fmt, gov.rules, time.monotonic() - started), output)
    if output is not None and fmt != "text":
        click.echo(report.text(outcome, time.monotonic() - started).splitlines()[-2], err=True)
    sys.exit(outcome.exit_code)


@cli.command()
@click.argument("rule_id")
@_project_opt
def explain(rule_id: str, project_dir: Path | None) -> None:
    """Print a rule: what it checks, where, why (incident), how to fix it and how to override it."""
    from redline.registry import get

    try:
        root = project_dir.resolve() if project_dir else find_root()
        gov = load_governance(root)
        rule = gov.rule(rule_id)
    except ConfigError as exc:
        click.echo(f"redline: {exc}", err=True)
        sys.exit(2)
    click.echo(f"{rule.id}: {rule.title}")
    click.echo(f"severity: {rule.severity}{' (absolute: cannot be overridden or waived)' if rule.absolute else ''}")
    click.echo(f"\nIncident ({rule.history.incident_date}): {rule.history.incident}")
    click.echo(f"Impact: {rule.history.impact}")
    click.echo(f"Rationale: {rule.history.rationale}")
    click.echo(f"Owner: {rule.history.owner}")
    if rule.example:
        click.echo(f"\nExample: {rule.example}")
    click.echo(f"\nHow to remediate: {rule.remediation or '-'}")
    click.echo(f"Override: {rule.override}")
    click.echo("\nChecks:")
    for spec in rule.checks:
        sel = spec.selector
        where = ", ".join(filter(None, [
            f"names {list(sel.names)}" if sel.names else "", f"tags {list(sel.tags)}" if sel.tags else "",
            f"paths {list(sel.paths)}" if sel.paths else ""])) or "the whole project"
        doc = get(spec.check).doc.splitlines()[0] if get(spec.check).doc else ""
        click.echo(f"  - {spec.check}{f' ({spec.label})' if spec.label else ''} on {where}"
                   f"{' [at least one model]' if spec.match == 'any' else ''}\n      {doc}")


def main() -> None:
    from redline import commands

    commands.register(cli)
    cli()
