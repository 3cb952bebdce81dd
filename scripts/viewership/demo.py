"""A fresh database for each `make demo` run, so a demo never mixes with an earlier one.

``python -m viewership.demo fresh --target T`` empties what target T points to before the demo generates
its data: the DuckDB file (and its ``.wal``) is removed; on PostgreSQL the database is dropped and created
again through the server's ``postgres`` maintenance database. ``make demo`` points the targets at their own
demo database first (``DEMO_DUCKDB``, ``DEMO_DATABASE``), never at the database the walkthrough loads real
files into. As a guard, only a database or file whose name contains ``demo`` is ever recreated.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from viewership import db, project

GUARD_WORD = "demo"


class DemoError(Exception):
    """The demo database cannot be recreated; the message says why."""


def _guard(name: str, what: str) -> None:
    if GUARD_WORD not in name.lower():
        raise DemoError(
            f"refusing to recreate {what} {name!r}: make demo only recreates a database whose name contains "
            f"'{GUARD_WORD}' (set DEMO_DUCKDB / DEMO_DATABASE to such a name)")


def _fresh_duckdb(cfg: dict[str, Any]) -> str:
    path = str(cfg.get("path") or "")
    if not path or path == ":memory:":
        return "in-memory DuckDB (nothing to remove)"
    _guard(Path(path).name, "the DuckDB file")
    file = Path(path) if os.path.isabs(path) else Path.cwd() / path
    removed = False
    for candidate in (file, file.with_name(file.name + ".wal")):
        if candidate.exists():
            candidate.unlink()
            removed = True
    state = "previous file removed" if removed else "no previous file"
    return f"fresh DuckDB file {path} ({state})"


def _fresh_postgres(cfg: dict[str, Any]) -> str:
    import psycopg2
    from psycopg2 import sql

    name = str(cfg.get("dbname") or "")
    if not name:
        raise DemoError("the PostgreSQL target names no database (POSTGRES_DATABASE)")
    _guard(name, "the PostgreSQL database")
    try:
        con = psycopg2.connect(host=cfg.get("host"), port=int(cfg.get("port") or 5432), user=cfg.get("user"),
                               password=cfg.get("password") or None, dbname="postgres", connect_timeout=10)
    except psycopg2.Error as exc:
        raise DemoError(f"cannot connect to PostgreSQL at {cfg.get('host')}:{cfg.get('port')}: {exc}") from exc
    try:
        con.autocommit = True  # drop/create database cannot run inside a transaction
        with con.cursor() as cur:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    except psycopg2.Error as exc:
        raise DemoError(f"cannot recreate PostgreSQL database {name!r}: {exc}") from exc
    finally:
        con.close()
    return f"fresh PostgreSQL database {name} (dropped if it existed, then created)"


def fresh(target: str | None) -> str:
    """Recreate the database target points to; a line saying what was done."""
    name, cfg = project.target_config(target)
    kind = cfg.get("type")
    if kind == "duckdb":
        return f"{name}: {_fresh_duckdb(cfg)}"
    if kind == "postgres":
        return f"{name}: {_fresh_postgres(cfg)}"
    raise DemoError(f"make demo runs on DuckDB or PostgreSQL targets; target '{name}' is {kind}")


@click.group()
def main() -> None:
    """Demo database helpers (used by `make demo`)."""


@main.command("fresh")
@click.option("--target", default=None, help="dbt profile target (default: the profile's default).")
def fresh_command(target: str | None) -> None:
    """Recreate the demo database the target points to (DuckDB file or PostgreSQL database)."""
    try:
        click.echo(f"make demo: {fresh(target)}; every run starts empty")
    except (DemoError, project.ProjectError, db.DatabaseError) as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    sys.exit(main())
