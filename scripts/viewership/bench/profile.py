"""Profile one model's compiled SQL on a built warehouse: where does its time go?

``python -m viewership.bench.profile --manifest target/manifest.json --target dev int_viewership_matched``

DuckDB: runs the model's SELECT under the JSON profiler into a temporary table and prints the operators
by time (with their row counts). PostgreSQL: prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the SELECT. The
model's own tables are not touched.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from viewership import db
from viewership.bench.floor import plan


def _walk(node: dict[str, Any], depth: int, out: list[tuple[float, int, str, int, str]]) -> None:
    name = str(node.get("type") or node.get("operator_name") or node.get("operator_type") or "?")
    timing = float(node.get("timing") or node.get("operator_timing") or 0.0)
    rows = int(node.get("intermediate_rows") or node.get("operator_cardinality") or 0)
    extra = node.get("extra_info") or {}
    detail = ""
    if isinstance(extra, dict):
        detail = "; ".join(f"{k}: {str(v)[:90]}" for k, v in extra.items()
                           if k in ("Join Type", "Conditions", "Table", "Expression", "Groups", "Aggregates",
                                    "Partitions", "Function", "Projections"))
    out.append((timing, depth, name.strip(), rows, detail))
    for child in node.get("children", []):
        _walk(child, depth + 1, out)


def profile_duckdb(database: db.Database, sql: str, top: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.json"
        con = database.connection
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{path}'")  # our own temporary path
        started = time.perf_counter()
        con.execute(f"create or replace temp table bench_profile as {sql}")
        elapsed = time.perf_counter() - started
        con.execute("pragma disable_profiling")
        tree = json.loads(path.read_text(encoding="utf-8"))
    ops: list[tuple[float, int, str, int, str]] = []
    for child in tree.get("operator") or tree.get("children") or []:
        _walk(child, 0, ops)
    cpu = float((tree.get("query") or {}).get("cpu_time") or 0.0)
    lines = [f"total {elapsed:.2f} s wall, {cpu:.2f} s CPU; operators by time (summed over threads):"]
    for timing, _depth, name, rows, detail in sorted(ops, key=lambda o: -o[0])[:top]:
        lines.append(f"  {timing:8.2f} s  {name:<22} {rows:>12,} rows  {detail}")
    return "\n".join(lines)


def profile_postgres(database: db.Database, sql: str) -> str:
    cur = database.connection.cursor()
    cur.execute(f"explain (analyze, buffers) {sql}")
    text = "\n".join(r[0] for r in cur.fetchall())
    database.connection.rollback()
    return text


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("models", nargs=-1, required=True)
@click.option("--manifest", "manifest_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              required=True)
@click.option("--target", default="dev", show_default=True)
@click.option("--top", default=15, show_default=True, help="Operators to show (DuckDB).")
def main(models: tuple[str, ...], manifest_path: Path, target: str, top: int) -> None:
    """Profile the compiled SQL of MODELS on an already built warehouse."""
    nodes = {n.name: n for n in plan(manifest_path, include_tests=False)}
    database = db.connect(target)
    try:
        for model in models:
            if model not in nodes:
                raise click.ClickException(f"{model} is not a model of {manifest_path}")
            click.echo(f"== {model}")
            if database.dialect == "duckdb":
                click.echo(profile_duckdb(database, nodes[model].sql, top))
            else:
                click.echo(profile_postgres(database, nodes[model].sql))
    finally:
        database.close()


if __name__ == "__main__":
    sys.exit(main())
