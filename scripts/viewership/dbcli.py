"""`viewership-db`: operations on a target's source tables that are not loads.

* ``viewership-db init`` creates the source schemas and tables (idempotent).
* ``viewership-db rollback --platform P --filename F`` removes one upload from every layer (one
  transaction, audit row in the ``audit`` location). Then load the file again and run ``dbt build``.
"""

from __future__ import annotations

import sys

import click

from viewership import db, project, rollback


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Source-table operations for the viewership pipeline."""


@main.command()
@click.option("--target", default=None, help="dbt profile target (default: the profile's default).")
def init(target: str | None) -> None:
    """Create the source schemas and tables of a target when missing."""
    try:
        database = db.connect(target)
        try:
            database.ensure_tables()
        finally:
            database.close()
    except (db.DatabaseError, project.ProjectError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"source tables ready on target '{database.target}'")


@main.command(name="rollback")
@click.option("--platform", required=True, help="Platform of the upload (case-insensitive).")
@click.option("--filename", required=True, help="File name of the upload, exactly as loaded.")
@click.option("--target", default=None, help="dbt profile target (default: the profile's default).")
@click.option("--who", default=None, help="Recorded in the audit row (default: the OS user).")
def rollback_command(platform: str, filename: str, target: str | None, who: str | None) -> None:
    """Remove one uploaded file's rows from every layer, atomically, with an audit row."""
    try:
        database = db.connect(target)
        try:
            result = rollback.rollback_upload(database, platform, filename, who)
        finally:
            database.close()
    except (db.DatabaseError, project.ProjectError, rollback.NothingToRollback) as exc:
        raise click.ClickException(str(exc)) from exc
    for relation, n in sorted(result.rows_per_relation.items()):
        click.echo(f"  {relation:<50} {n:>10,}")
    click.echo(f"rolled back {result.total:,} rows of {filename!r} ({result.platform}); load it again and run "
               "dbt build")


if __name__ == "__main__":
    sys.exit(main())
