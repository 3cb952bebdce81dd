"""Per-upload rollback: remove one file's rows from every layer in one transaction, with an audit row.

Relations are discovered, not listed: every table in the upload, bronze, silver and gold locations of the
target that has both a ``filename`` and a ``platform`` column holds per-file rows. Views are skipped (they
derive from those tables). Platform and filename are compared exactly and always bound as parameters.
The platform is matched case-insensitively (``roku`` finds ``Roku``; two spellings of one platform holding the
same file name are refused as ambiguous), the filename exactly. When nothing matches, the error lists the
uploads the target holds. After a rollback the file can be loaded again (``viewership-load``) and rebuilt
(``dbt build``).
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass

from viewership import db, project

LAYER_LOCATIONS: tuple[str, ...] = ("gold", "silver", "bronze", "upload")  # downstream first
AUDIT_TABLE = "upload_rollbacks"


class NothingToRollback(Exception):
    """The file has no rows on any layer."""


@dataclass(frozen=True)
class RollbackResult:
    platform: str
    filename: str
    rows_per_relation: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows_per_relation.values())


def _tables_with_file_rows(database: db.Database) -> list[tuple[str, str]]:
    """(location, table) of every base table with filename + platform columns."""
    found: list[tuple[str, str]] = []
    seen: set[tuple[str | None, str, str]] = set()
    for location_name in LAYER_LOCATIONS:
        loc = project.location(database.target, location_name)
        schema = database.fold(loc.schema)
        p = database.param
        sql = (  # only the driver's placeholder is formatted in; the schema is bound
            "select t.table_name from information_schema.tables as t "  # noqa: S608
            f"where t.table_schema = {p} and t.table_type in ('BASE TABLE', 'LOCAL TEMPORARY') "
            "and exists (select 1 from information_schema.columns as c where c.table_schema = t.table_schema "
            "and c.table_name = t.table_name and lower(c.column_name) = 'filename') "
            "and exists (select 1 from information_schema.columns as c where c.table_schema = t.table_schema "
            "and c.table_name = t.table_name and lower(c.column_name) = 'platform') "
            "order by t.table_name"
        )
        for (table,) in database.query(sql, [schema]):
            key = (loc.database, loc.schema, str(table))
            if key not in seen:
                seen.add(key)
                found.append((location_name, str(table)))
    return found


def ensure_audit_table(database: db.Database) -> str:
    ref = f"{database.schema_ref('audit')}.{database.ident(AUDIT_TABLE)}"
    database.execute(f"create schema if not exists {database.schema_ref('audit')}")
    database.execute(
        f"create table if not exists {ref} (rolled_back_at timestamp, rolled_back_by varchar(255), "
        "platform varchar(255), filename varchar(1000), rows_removed bigint, rows_per_relation varchar(4000))"
    )
    return ref


LISTED_UPLOADS = 20


def _held(database: db.Database, tables: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(platform, filename) of every upload on any layer, sorted."""
    found: set[tuple[str, str]] = set()
    for location_name, table in tables:
        ref = f"{database.schema_ref(location_name)}.{database.ident(table)}"
        for platform, filename in database.query(f"select distinct platform, filename from {ref}"):  # noqa: S608
            if platform is not None and filename is not None:
                found.add((str(platform), str(filename)))
    return sorted(found)


def _resolve_platform(held: list[tuple[str, str]], platform: str, filename: str) -> str:
    """The stored spelling of ``platform`` for this file (case-insensitive); NothingToRollback otherwise."""
    spellings = sorted({p for p, f in held if f == filename and p.lower() == platform.strip().lower()})
    if len(spellings) == 1:
        return spellings[0]
    if len(spellings) > 1:
        raise NothingToRollback(
            f"platform {platform!r} matches {', '.join(repr(s) for s in spellings)} for file {filename!r}: "
            "give the exact spelling"
        )
    if not held:
        raise NothingToRollback(f"no rows of platform {platform!r} file {filename!r} on any layer; the target "
                                "holds no uploads at all")
    same_name = [p for p, f in held if f == filename]
    hint = f" (file {filename!r} is held under platform {', '.join(repr(p) for p in same_name)})" if same_name else ""
    shown = "; ".join(f"{p} / {f}" for p, f in held[:LISTED_UPLOADS])
    more = f"; ... and {len(held) - LISTED_UPLOADS} more" if len(held) > LISTED_UPLOADS else ""
    raise NothingToRollback(
        f"no rows of platform {platform!r} file {filename!r} on any layer{hint}; uploads held "
        f"(platform / filename): {shown}{more}"
    )


def rollback_upload(database: db.Database, platform: str, filename: str, who: str | None = None) -> RollbackResult:
    """Delete the file's rows everywhere and record who did it; all or nothing."""
    who = who or getpass.getuser()
    counts: dict[str, int] = {}
    tables = _tables_with_file_rows(database)
    platform = _resolve_platform(_held(database, tables), platform, filename)
    with database.transaction():
        audit = ensure_audit_table(database)
        # ref: quoted identifiers from information_schema and the environment map; values are bound.
        where = f"platform = {database.param} and filename = {database.param}"
        for location_name, table in tables:
            ref = f"{database.schema_ref(location_name)}.{database.ident(table)}"
            n = int(database.scalar(f"select count(*) from {ref} where {where}", [platform, filename]) or 0)  # noqa: S608
            if n:
                database.execute(f"delete from {ref} where {where}", [platform, filename])  # noqa: S608
            counts[f"{location_name}.{table}"] = n
        if sum(counts.values()) == 0:
            raise NothingToRollback(f"no rows of platform {platform!r} file {filename!r} on any layer")
        marks = ", ".join([database.param] * 5)
        # audit: a quoted identifier from the environment map; every value is bound
        database.execute(
            f"insert into {audit} (rolled_back_at, rolled_back_by, platform, filename, rows_removed, "  # noqa: S608
            f"rows_per_relation) values (current_timestamp, {marks})",
            [who, platform, filename, sum(counts.values()), json.dumps(counts, sort_keys=True)],
        )
    return RollbackResult(platform, filename, counts)
