"""``viewership-load``: partner files into the upload table through templates, one transaction per file.

Exit status: 0 every file loaded; 1 at least one file (or the reference load, or the connection) failed, with
one ``error: <file>: ...`` line each on stderr; 2 bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from viewership.db import Database, DatabaseError, connect
from viewership.loader.choose import check_specific, choose
from viewership.loader.errors import LoadError
from viewership.loader.load import load_file
from viewership.loader.reader import open_sheet
from viewership.loader.reference import load_reference
from viewership.loader.summary import FileStats
from viewership.loader.templates import Template, TemplateError, load_template, template_names
from viewership.project import ProjectError
from viewership.schema import UPLOAD


def _list_templates() -> None:
    for name in template_names():
        t = load_template(name)
        first = t.description.splitlines()[0] if t.description else ""
        click.echo(f"{name:<28} {t.platform:<9} {t.data_type:<19} {t.layout:<13} {first}")


def _preview(stats: FileStats) -> None:
    if not stats.preview:
        return
    click.echo("  preview (first rows, non-NULL columns):")
    for row in stats.preview:
        hidden = ("load_timestamp", "filename", "content_fingerprint")
        shown = {k: v for k, v in row.items() if v is not None and k not in hidden}
        click.echo("    " + json.dumps(shown, ensure_ascii=False))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--template", "-t", "template_name", default="auto", show_default=True,
              help="Template name (see --list-templates), a .yml path, or auto: the one shipped template that "
                   "fits the file's header (refused when none or several fit).")
@click.option("--platform", "-p", help="Platform name (default: the template's platform).")
@click.option("--year", help="Year of the data (UI input), e.g. 2025.")
@click.option("--quarter", help="Quarter q1..q4 (UI input; stored lower-case).")
@click.option("--month", help="English month name (UI input), e.g. October.")
@click.option("--partner", help="Platform partner name for every row (overrides the template constant).")
@click.option("--channel", help="Platform channel name for every row (overrides the template constant).")
@click.option("--territory", help="Platform territory for every row (overrides the template constant).")
@click.option("--target", help="Profile target: dev (DuckDB), ci (PostgreSQL), staging, prod.")
@click.option("--replace", is_flag=True, help="Swap out this filename's unprocessed rows in the same transaction.")
@click.option("--allow-duplicate-content", is_flag=True,
              help="Load a file whose data rows are already loaded under another name (recorded in the summary).")
@click.option("--encoding", help="Read the files with this encoding (e.g. latin-1, cp1252, utf-16) instead of "
                                 "auto-detection (UTF-8, or UTF-16 with BOM) or the template's read.encoding.")
@click.option("--dry-run", is_flag=True, help="Read and summarize without connecting or writing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file on stdout.")
@click.option("--list-templates", is_flag=True, help="List the shipped templates and exit.")
@click.option("--reference", "reference_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Load the six reference CSVs from DIR (replacing the catalog/dictionary tables).")
def main(
    files: tuple[Path, ...],
    template_name: str,
    platform: str | None,
    year: str | None,
    quarter: str | None,
    month: str | None,
    partner: str | None,
    channel: str | None,
    territory: str | None,
    target: str | None,
    replace: bool,
    allow_duplicate_content: bool,
    encoding: str | None,
    dry_run: bool,
    as_json: bool,
    list_templates: bool,
    reference_dir: Path | None,
) -> None:
    """Load partner FILES into the upload table, each in one transaction (nothing partial is ever written)."""
    if list_templates:
        _list_templates()
        return
    if not files and reference_dir is None:
        raise click.UsageError("give FILE(s) (with --template NAME or auto), or --reference DIR, or --list-templates")
    done: list[str] = []
    current: list[str] = ["the connection"]
    try:
        failed = _run(files, template_name, platform, year, quarter, month, partner, channel, territory, target,
                      replace, allow_duplicate_content, encoding, dry_run, as_json, reference_dir, done, current)
    except KeyboardInterrupt:
        loaded = f"; loaded before the interrupt: {', '.join(done)}" if done else ""
        click.echo(f"interrupted: nothing was written ({current[0]}){loaded}", err=True)
        sys.exit(130)
    if failed:
        sys.exit(1)


def _run(  # noqa: C901 - the loader CLI's outcomes: one message and exit code per failure kind
    files: tuple[Path, ...], template_name: str, platform: str | None, year: str | None, quarter: str | None,
    month: str | None, partner: str | None, channel: str | None, territory: str | None, target: str | None,
    replace: bool, allow_duplicate_content: bool, encoding: str | None, dry_run: bool, as_json: bool,
    reference_dir: Path | None, done: list[str], current: list[str],
) -> int:
    """Load the reference data and the files; return how many files failed."""
    template: Template | None = None
    if files and template_name != "auto":
        try:
            template = load_template(template_name)
        except TemplateError as exc:
            click.echo(f"error: {', '.join(f.name for f in files)}: {exc}", err=True)
            sys.exit(1)

    db: Database | None = None
    if not dry_run:
        try:
            db = connect(target)
            if files:
                db.ensure_tables([UPLOAD])
        except (DatabaseError, ProjectError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    failed = 0
    try:
        if reference_dir is not None:
            current[0] = f"reference data from {reference_dir}"
            if db is None:
                raise click.UsageError("--reference cannot be combined with --dry-run")
            try:
                counts = load_reference(reference_dir, db)
            except LoadError as exc:
                click.echo(f"error: reference: {exc}; nothing was written", err=True)
                sys.exit(1)
            done.append("the reference data")
            if as_json:
                click.echo(json.dumps({"reference": str(reference_dir), "rows": counts}))
            else:
                click.echo(f"reference data from {reference_dir} -> {db.target}:")
                for name, n in counts.items():
                    click.echo(f"  {name:<32} {n:>8,} rows")
        for path in files:
            current[0] = path.name
            try:
                sheet = None
                choice = None
                file_template = template
                if file_template is None:
                    file_template, sheet, choice = choose(path, encoding)
                else:
                    sheet = open_sheet(path, file_template, encoding)
                    check_specific(path, file_template, sheet, encoding)
                stats = load_file(
                    path, file_template, platform=platform, db=db, year=year, quarter=quarter, month=month,
                    partner=partner, channel=channel, territory=territory, replace=replace, dry_run=dry_run,
                    progress=True, encoding=encoding, allow_duplicate_content=allow_duplicate_content,
                    sheet=sheet, template_choice=choice,
                )
            except LoadError as exc:
                failed += 1
                click.echo(exc.line_for(path.name), err=True)
                if as_json:
                    click.echo(json.dumps({"file": str(path), "filename": path.name, "status": "error",
                                           "error": exc.message, "rows_written": 0}, ensure_ascii=False))
                continue
            if not dry_run:
                done.append(path.name)
            if as_json:
                click.echo(stats.to_json())
            else:
                click.echo(stats.to_text())
                if dry_run:
                    _preview(stats)
    finally:
        if db is not None:
            db.close()
    return failed


if __name__ == "__main__":  # pragma: no cover
    main()
