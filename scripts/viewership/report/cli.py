"""``viewership-report``: what happened to each uploaded file (the legacy alert e-mails' replacement)."""

from __future__ import annotations

import sys

import click

from viewership import db, project
from viewership.report import render
from viewership.report.core import build_reports

FORMATS = {"text": render.text, "markdown": render.markdown, "json": render.as_json}


@click.command()
@click.option("--target", default=None, help="dbt profile target (default: the profile's default, DBT_TARGET).")
@click.option("--file", "filename", default=None, help="Only this uploaded file name (exact).")
@click.option("--platform", default=None, help="Only this platform (case-insensitive).")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--check", is_flag=True,
              help="Exit 1 when a file does not balance (records or metric totals) or nothing matches the filters.")
def main(target: str | None, filename: str | None, platform: str | None, fmt: str, check: bool) -> None:
    """Per file: rows uploaded -> bronze -> gold / unmatched (by reason) / rejected (by reason), the
    unmatched rate, matched records per bucket, and each metric's total uploaded vs where it went."""
    try:
        reports = build_reports(target, filename=filename, platform=platform)
    except (db.DatabaseError, project.ProjectError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(FORMATS[fmt](reports), nl=False)
    if check and (not reports.files or not all(r.balanced for r in reports.files)):
        sys.exit(1)


if __name__ == "__main__":
    main()
