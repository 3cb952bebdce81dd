"""The raw-SQL floor: the project's own compiled SQL executed straight in the engine, without dbt.

Reads ``manifest.json`` of a ``dbt build`` that ran on a fresh database (so every model's compiled code
is its full-refresh branch), orders the models by their dependencies and runs each as ``CREATE VIEW`` /
``CREATE TABLE … AS`` under the relation name dbt gave it; then runs every data test's compiled query
(``select count(*)`` over it). Hooks, grants, contracts' DDL and unit tests are dbt's own work and are
not part of the floor.

``python -m viewership.bench.floor --manifest target/manifest.json --target dev [--no-tests]`` prints one
JSON object: seconds for models and tests, and seconds per model.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from viewership import db, project


@dataclass(frozen=True)
class FloorNode:
    unique_id: str
    name: str
    kind: str  # view | table | test
    relation: str
    schema_ref: str
    sql: str


@dataclass
class FloorResult:
    seconds_models: float = 0.0
    seconds_tests: float = 0.0
    models: int = 0
    tests: int = 0
    failing_tests: list[str] = field(default_factory=list)
    seconds_by_model: dict[str, float] = field(default_factory=dict)


def _topological(nodes: dict[str, dict[str, Any]]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(uid: str, stack: tuple[str, ...] = ()) -> None:
        if uid in seen:
            return
        if uid in stack:
            raise click.ClickException(f"dependency cycle through {uid}")
        for dep in nodes[uid].get("depends_on", {}).get("nodes", []):
            if dep in nodes:
                visit(dep, (*stack, uid))
        seen.add(uid)
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    return order


def plan(manifest_path: Path, include_tests: bool = True) -> list[FloorNode]:
    """The floor's statements in DAG order, from a manifest written by `dbt build`."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    project_name = manifest["metadata"].get("project_name", "viewership")
    models = {uid: n for uid, n in manifest["nodes"].items()
              if n["resource_type"] == "model" and n["package_name"] == project_name
              and n["config"].get("enabled", True)}
    out: list[FloorNode] = []
    for uid in _topological(models):
        node = models[uid]
        materialized = node["config"].get("materialized")
        if materialized == "ephemeral":
            continue
        code = node.get("compiled_code")
        if not code:
            raise click.ClickException(f"{manifest_path}: {uid} has no compiled code (run `dbt build` first)")
        relation = node["relation_name"]
        schema_ref = relation.rsplit(".", 1)[0]
        name = node["name"] + (f".v{node['version']}" if node.get("version") is not None else "")
        out.append(FloorNode(uid, name, "view" if materialized == "view" else "table", relation, schema_ref, code))
    if include_tests:
        for uid, node in sorted(manifest["nodes"].items()):
            if node["resource_type"] == "test" and node.get("compiled_code") and node["package_name"] == project_name:
                out.append(FloorNode(uid, node["name"], "test", "", "", node["compiled_code"]))
    return out


def _run(database: db.Database, sql: str) -> Any:
    """Execute without parameters: psycopg2 would read a `%` in the project's SQL (LIKE) as a placeholder."""
    if database.dialect == "duckdb":
        return database.connection.execute(sql)
    cur = database.connection.cursor()
    cur.execute(sql)
    return cur


def execute(database: db.Database, nodes: list[FloorNode]) -> FloorResult:
    result = FloorResult()
    if database.dialect == "duckdb":
        _, cfg = project.target_config(database.target)
        for key, value in (cfg.get("settings") or {}).items():
            # settings come from the project's own profile (same as dbt-duckdb applies), not from users
            database.execute(f"set {key} = '{value}'")
    schemas: set[str] = set()
    started = time.perf_counter()
    for node in nodes:
        if node.kind == "test":
            continue
        if node.schema_ref not in schemas:
            # PostgreSQL names a schema without its database (the relation's database is the current one)
            schema_ref = node.schema_ref.split(".", 1)[-1] if database.dialect == "postgres" else node.schema_ref
            _run(database, f"create schema if not exists {schema_ref}")
            schemas.add(node.schema_ref)
        t0 = time.perf_counter()
        verb = "view" if node.kind == "view" else "table"
        # compiled SQL of this project's own models, under the relation name dbt chose
        database.execute(f"create {verb} {node.relation} as {node.sql}")
        database.connection.commit()
        result.seconds_by_model[node.name] = round(time.perf_counter() - t0, 4)
        result.models += 1
    result.seconds_models = time.perf_counter() - started
    started = time.perf_counter()
    for node in nodes:
        if node.kind != "test":
            continue
        row = _run(database, f"select count(*) from ({node.sql}) as floor_test").fetchone()  # noqa: S608
        failures = row[0] if row else 0
        result.tests += 1
        if failures:
            result.failing_tests.append(node.name)
    result.seconds_tests = time.perf_counter() - started
    return result


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--manifest", "manifest_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              required=True, help="manifest.json of a `dbt build` on a fresh database.")
@click.option("--target", default="dev", show_default=True)
@click.option("--tests/--no-tests", default=True, show_default=True, help="Also run the data tests' queries.")
def main(manifest_path: Path, target: str, tests: bool) -> None:
    """Run the project's compiled SQL without dbt and print the timings as JSON."""
    nodes = plan(manifest_path, include_tests=tests)
    database = db.connect(target)
    try:
        result = execute(database, nodes)
    finally:
        database.close()
    click.echo(json.dumps(asdict(result)))


if __name__ == "__main__":
    sys.exit(main())
