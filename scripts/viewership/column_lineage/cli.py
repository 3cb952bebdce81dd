"""``viewership-lineage MODEL.COLUMN [--format text|json|dot]``: where does this column come from?

Compiles the project for the dev target (DuckDB, no data needed; reused while models, macros and the
profile are unchanged), computes the column lineage of every model (cached by manifest hash in the
same folder) and prints the column's upstream chain down to the source columns.
``viewership-lineage --all`` prints a summary of the whole project (``--format json``: every column).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import click

from viewership import project as project_config
from viewership.column_lineage import cache, trace
from viewership.column_lineage.extract import ColumnLineageError, ProjectLineage

DEFAULT_WORK_DIR = Path("target") / "lineage"


def _load(manifest: Path | None, work_dir: Path | None, use_cache: bool) -> tuple[ProjectLineage, str]:
    root = project_config.project_root()
    work = work_dir or root / DEFAULT_WORK_DIR
    compile_note = ""
    if manifest is None:
        manifest, compile_seconds = cache.compile_dev(root, work)
        compile_note = f"dbt compile {compile_seconds:.1f} s" if compile_seconds else "compile reused"
    started = time.monotonic()
    data = cache.read_manifest(manifest)
    cache_path = (manifest.parent / cache.CACHE_FILE) if use_cache else None
    project, hit = cache.load_or_analyse(data, cache_path)
    lineage_note = f"lineage {'from cache' if hit else 'computed'} in {time.monotonic() - started:.2f} s"
    if not hit:
        lineage_note += f" (analysis {project.seconds:.2f} s)"
    return project, ", ".join(part for part in (compile_note, lineage_note) if part)


def _summary(project: ProjectLineage) -> str:
    kinds = Counter(column.kind for column in project.columns.values())
    models = sum(1 for r in project.relations.values() if r.resource_type != "source")
    lines = [f"{project.project}: {models} models and snapshots, {len(project.columns)} columns "
             f"({', '.join(f'{n} {kind}' for kind, n in sorted(kinds.items()))}); "
             f"manifest hash {project.manifest_hash[:12]}"]
    lines += [f"could not analyse {uid}: {why}" for uid, why in sorted(project.failures.items())]
    unresolved = [(c.relation, c.column, c.unresolved) for c in project.columns.values() if c.unresolved]
    lines += [f"unresolved inputs of {uid}.{column}: {', '.join(refs)}" for uid, column, refs in unresolved]
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("column", required=False)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "dot"]), default="text",
              show_default=True, help="text: an indented tree; json: upstream list; dot: Graphviz.")
@click.option("--all", "whole_project", is_flag=True, help="Analyse every column of every model; print a summary.")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Use this compiled manifest.json instead of compiling the dev target.")
@click.option("--work-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=f"Where to compile and cache (default {DEFAULT_WORK_DIR} of the project).")
@click.option("--no-cache", is_flag=True, help="Recompute the lineage even when the manifest hash is unchanged.")
def main(column: str | None, output_format: str, whole_project: bool, manifest: Path | None,
         work_dir: Path | None, no_cache: bool) -> None:
    """Column-level lineage: print where MODEL.COLUMN comes from (e.g. fct_episode_details.revenue_amount)."""
    if not column and not whole_project:
        raise click.UsageError("give MODEL.COLUMN (e.g. fct_episode_details.revenue_amount) or --all")
    try:
        project, timing = _load(manifest, work_dir, not no_cache)
        if whole_project and not column:
            if output_format == "json":
                click.echo(json.dumps(project.to_json(), indent=1))
            else:
                click.echo(_summary(project))
            click.echo(timing, err=True)
            sys.exit(1 if project.failures else 0)
        assert column is not None
        result = trace.trace(project, trace.resolve(project, column))
    except (ColumnLineageError, project_config.ProjectError) as exc:
        raise click.ClickException(str(exc)) from exc
    if output_format == "json":
        click.echo(json.dumps(trace.to_json(project, result), indent=2))
    elif output_format == "dot":
        click.echo(trace.to_dot(project, result))
    else:
        click.echo(trace.to_text(project, result))
    click.echo(timing, err=True)


if __name__ == "__main__":
    main()
