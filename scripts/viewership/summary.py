"""Print rows per layer after a build (used by `make demo`).

Reads each relation where the environment map puts it; a relation that does not exist yet is reported as
"not built" instead of failing. Breakdowns (bucket, reason, label) are shown for the columns a model has.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import click

from viewership import db, project


@dataclass(frozen=True)
class Layer:
    label: str
    location: str
    relation: str
    breakdowns: tuple[str, ...] = ()


LAYERS: tuple[Layer, ...] = (
    Layer("upload (pending + processed)", "upload", "platform_viewership", ("processed",)),
    Layer("bronze  stg_upload__platform_viewership", "bronze", "stg_upload__platform_viewership"),
    Layer("silver  int_viewership_normalized", "silver", "int_viewership_normalized"),
    Layer("silver  int_viewership_rejected", "silver", "int_viewership_rejected", ("reject_reason",)),
    Layer("silver  int_viewership_matched", "silver", "int_viewership_matched",
          ("match_bucket", "match_branch")),
    Layer("gold    fct_viewership_unmatched", "gold", "fct_viewership_unmatched", ("unmatched_reason",)),
    Layer("gold    fct_episode_details", "gold", "@episode_details_table", ("label",)),
)


def _columns(database: db.Database, location: project.Location, relation: str) -> list[str] | None:
    params = [database.fold(location.schema), database.fold(relation)]
    sql = "select column_name from information_schema.columns where table_schema = {p} and table_name = {p}"
    rows = database.query(sql.format(p=database.param), params)
    return [str(r[0]).lower() for r in rows] or None


def summarize(target: str | None) -> list[str]:
    database = db.connect(target)
    lines: list[str] = []
    try:
        env = project.environment_map(database.target)
        for layer in LAYERS:
            relation = str(env["episode_details_table"]) if layer.relation.startswith("@") else layer.relation
            location = project.location(database.target, layer.location)
            columns = _columns(database, location, relation)
            if columns is None:
                lines.append(f"{layer.label:<48} not built")
                continue
            ref = f"{database.schema_ref(layer.location)}.{database.ident(relation)}"
            # ref and cols are quoted identifiers from the environment map and LAYERS, never user input
            total = database.scalar(f"select count(*) from {ref}")  # noqa: S608
            lines.append(f"{layer.label:<48} {int(total):>12,}")
            keys = [c for c in layer.breakdowns if c in columns]
            if keys:
                cols = ", ".join(database.ident(k) for k in keys)
                sql = f"select {cols}, count(*) from {ref} group by {cols} order by {cols}"  # noqa: S608
                rows = database.query(sql)
                for row in rows:
                    name = " / ".join("NULL" if v is None else str(v) for v in row[:-1])
                    lines.append(f"    {name:<44} {int(row[-1]):>12,}")
    finally:
        database.close()
    return lines


@click.command()
@click.option("--target", default=None, help="dbt profile target (default: the profile's default).")
def main(target: str | None) -> None:
    """Rows per layer of the pipeline on a target."""
    try:
        for line in summarize(target):
            click.echo(line)
    except (db.DatabaseError, project.ProjectError) as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    sys.exit(main())
