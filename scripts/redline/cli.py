"""The `redline` command: check, diff, verify, mutate, explain.

Exit codes: 0 clean, 1 a red line is violated, 2 the input could not be evaluated.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

from dbtcommon.project import ProjectFileError, find_project_root
from redline import report
from redline.compiler import CompileError, compile_targets, load_compiles
from redline.config import ConfigError, load_environment_map, load_governance
from redline.engine import Outcome, evaluate
from redline.manifest import ManifestError, ProjectCompile, check_compiled, load_manifest
from redline.registry import CheckError

ALL_TARGETS = ("dev", "ci", "staging", "prod")
FORMATS = ("text", "json", "junit", "sarif", "markdown")


def find_root(start: Path | None = None) -> Path:
    try:
        return find_project_root(*([start] if start else []))
    except ProjectFileError as exc:
        raise ConfigError(f"{exc} (use --project-dir)") from exc


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
@click.option("--base", "base", default=None, metavar="REF",
              help="Also veto weakenings of governance/ since git REF (auto: see `redline ratchet`).")
@click.option("--no-probes", is_flag=True, help="Skip the behavioural probes (governance/probes/).")
def check(project_dir: Path | None, targets: tuple[str, ...], fmt: str, output: Path | None,
          work_dir: Path | None, manifests: tuple[str, ...], rule_ids: tuple[str, ...],
          allow_missing: bool, no_cache: bool, base: str | None, no_probes: bool) -> None:
    """Compile the targets and check every red line; exit 0 clean, 1 veto, 2 could not evaluate."""
    started = time.monotonic()
    ratchet_code = 0
    try:
        root = project_dir.resolve() if project_dir else find_root()
        if base is not None:
            from redline import ratchet

            ratchet_text, ratchet_code = ratchet.run(root, base)
            click.echo(ratchet_text, err=fmt != "text" or output is not None)
            if ratchet_code == 2:
                sys.exit(2)
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
        sys.exit(1 if ratchet_code == 1 else 2)
    _emit(render(outcome, fmt, gov.rules, time.monotonic() - started), output)
    if output is not None and fmt != "text":
        click.echo(report.text(outcome, time.monotonic() - started).splitlines()[-2], err=True)
    sys.exit(1 if ratchet_code == 1 else outcome.exit_code)


MUTATE_TARGETS = ("dev", "staging", "prod")


def _fresh_compiles(root: Path, work_dir: Path) -> dict[str, ProjectCompile] | None:
    """The compiles `redline mutate` left in the work dir, when their inputs did not change since."""
    from redline.compiler import fingerprint, profiles_dir
    from redline.manifest import load_manifest

    profiles = profiles_dir(root, work_dir)
    out: dict[str, ProjectCompile] = {}
    for target in MUTATE_TARGETS:
        manifest, stamp = work_dir / target / "manifest.json", work_dir / target / "redline_inputs.sha256"
        if not (manifest.is_file() and stamp.is_file()) or \
                stamp.read_text(encoding="utf-8") != fingerprint(root, profiles, target, True):
            return None
        out[target] = load_manifest(manifest, target)
    return out


@cli.command()
@click.argument("rule_id")
@_project_opt
@_work_opt
@_manifest_opt
@click.option("--compile", "do_compile", is_flag=True,
              help="Compile dev, staging and prod for the mutant count when no fresh compile is cached.")
def explain(rule_id: str, project_dir: Path | None, work_dir: Path | None, manifests: tuple[str, ...],
            do_compile: bool) -> None:
    """Print a rule and its proof: incident, checks (module.function), probes, mutants and tests."""
    from redline import trace

    try:
        root = project_dir.resolve() if project_dir else find_root()
        gov = load_governance(root)
        rule = gov.rule(rule_id)
        impls = [trace.implementation(spec.check, root) for spec in rule.checks]
    except (ConfigError, CheckError) as exc:
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
    rules_file = gov.rules_path.relative_to(root) if gov.rules_path.is_relative_to(root) else gov.rules_path
    click.echo(f"\nChecks ({rules_file}):")
    for spec, impl in zip(rule.checks, impls, strict=True):
        sel = spec.selector
        where = ", ".join(filter(None, [
            f"names {list(sel.names)}" if sel.names else "", f"tags {list(sel.tags)}" if sel.tags else "",
            f"paths {list(sel.paths)}" if sel.paths else ""])) or "the whole project"
        doc = " ".join(get_doc(spec.check).split())
        click.echo(f"  - {spec.check}{f' ({spec.label})' if spec.label else ''} on {where}"
                   f"{' [at least one model]' if spec.match == 'any' else ''}\n"
                   f"      implemented by {impl.module}.{impl.function} ({impl.kind} check) at {impl.file}:{impl.line}"
                   f"\n      {doc}")
    found_probes = trace.probes(root, gov.rules_path, rule.id)
    click.echo("\nProbes:" if found_probes else "\nProbes: none listed (no `probes:` for this rule)")
    for probe in found_probes:
        click.echo(f"  - {probe.name}: {probe.file or '(missing)'}{f' - {probe.summary}' if probe.summary else ''}")
    click.echo("\nMutants (`redline mutate`'s generator, not run):")
    try:
        wd = work_dir or root / "target_redline"
        compiles = gather(root, [], manifests, wd)[0] if manifests else _fresh_compiles(root, wd)
        if compiles is None and do_compile:
            compiles = gather(root, list(MUTATE_TARGETS), (), wd)[0]
        if compiles is None:
            click.echo("  not counted: no fresh compile of dev, staging, prod in the work dir "
                       "(run `redline mutate` once, or pass --compile)")
        else:
            mutated = [t for t in compiles if t != "staging"] if "prod" in compiles else list(compiles)
            env_map = load_environment_map(root)
            weak, same = trace.mutant_counts(gov, compiles, env_map, root, mutated, [rule.id]).get(
                rule.id, (0, 0))
            click.echo(f"  {weak} weakening mutants must be killed, {same} equivalent rewrites must pass "
                       f"(targets {', '.join(mutated)})")
    except (ConfigError, ManifestError, CompileError, CheckError) as exc:
        click.echo(f"  not counted: {exc}")
    tests = trace.tests_for(root, rule.id)
    click.echo(f"\nTests naming {rule.id} ({len(tests)}):" if tests else f"\nTests naming {rule.id}: none found")
    for test in tests:
        click.echo(f"  - {test}")


def get_doc(check: str) -> str:
    from redline.registry import get

    return get(check).doc.split("\n\n")[0]


def main() -> None:
    from redline import commands

    commands.register(cli)
    cli()
