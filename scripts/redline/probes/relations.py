"""Relations of a compile for the probes: each model and source by its logical name (`name`, `name.vN`,
`location.table`), the DuckDB probe table it becomes, and the rewrite of compiled SQL (any dialect, through
sqlglot) onto those tables, cached per SQL text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from redline.manifest import CompiledNode, ProjectCompile

_VERSION = re.compile(r"\.v(\d+)$")


class ProbeError(Exception):
    """The probe could not run (missing model, untranspilable or failing SQL, unknown input): exit 2."""


def _key(parts: Sequence[str | None]) -> tuple[str, ...]:
    return tuple(p.lower() for p in parts if p)


def _table_key(table: exp.Table) -> tuple[str, ...]:
    return _key([table.catalog, table.db, table.name])


def logical_names(pc: ProjectCompile) -> dict[str, CompiledNode]:
    """Model nodes by logical name: `name` (latest version of a versioned model) and `name.vN`."""
    out: dict[str, CompiledNode] = {}
    latest: dict[str, int] = {}
    for node in pc.models():
        match = _VERSION.search(node.unique_id)
        if match is None:
            out[node.name] = node
            continue
        version = int(match.group(1))
        out[f"{node.name}.v{version}"] = node
        if version >= latest.get(node.name, -1):
            latest[node.name] = version
            out[node.name] = node
    return out


def table_name(logical: str) -> str:
    """DuckDB table of a logical name: models in main (a version as name_vN), sources as source.table."""
    base, dot, rest = logical.partition(".")
    if dot and rest.startswith("v") and rest[1:].isdigit():
        return f'main."{base}_{rest}"'
    return f'"{base}"."{rest}"' if dot else f'main."{base}"'


@dataclass
class Relations:
    """relation_name -> logical name for one compile."""

    pc: ProjectCompile
    by_key: dict[tuple[str, ...], str] = field(default_factory=dict)
    sources: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    models: dict[str, CompiledNode] = field(default_factory=dict)

    uids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, pc: ProjectCompile) -> Relations:
        rel = cls(pc)
        rel.models = logical_names(pc)
        for name, node in sorted(rel.models.items(), key=lambda item: -len(item[0])):
            rel.uids[node.unique_id] = name  # the bare name of a latest version wins (shorter, set last)
        for node in pc.nodes.values():
            if node.relation_name and node.unique_id in rel.uids:
                rel.by_key[relation_key(node.relation_name, pc.dialect)] = rel.uids[node.unique_id]
        for uid, raw in pc.sources.items():
            logical = f"{raw.get('source_name')}.{raw.get('name')}"
            rel.sources[logical] = raw
            rel.uids[uid] = logical
            if raw.get("relation_name"):
                rel.by_key[relation_key(str(raw["relation_name"]), pc.dialect)] = logical
        return rel

    def logical_of_uid(self, uid: str) -> str:
        if uid not in self.uids:
            raise ProbeError(f"{uid} is neither a model nor a source of the {self.pc.target} compile")
        return self.uids[uid]

    def resolve_input(self, name: str) -> str:
        """A probe input name -> logical name (`table` alone names a source when unambiguous)."""
        if name in self.models or name in self.sources:
            return name
        hits = [s for s in self.sources if s.split(".", 1)[1] == name]
        if len(hits) == 1:
            return hits[0]
        raise ProbeError(f"input {name!r} is no model or source of the {self.pc.target} compile"
                         + (f" (ambiguous: {hits})" if hits else ""))


def relation_key(relation_name: str, dialect: str) -> tuple[str, ...]:
    return _table_key(exp.to_table(relation_name, dialect=dialect))


class SqlCache:
    """Rewritten DuckDB SQL by hash of (compiled SQL, dialect, relation map), and probe outcomes by hash of
    their plan, kept on disk between runs."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: dict[str, str] = {}
        self.results: dict[str, list[tuple[str, str]]] = {}
        self.used: set[str] = set()
        self.dirty = False
        if path is not None and path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                self.data = dict(stored.get("sql", {}))
                self.results = {k: [(a, d) for a, d in v] for k, v in stored.get("results", {}).items()}
            except (ValueError, AttributeError, TypeError):
                self.data, self.results = {}, {}

    def save(self, prune: bool = True) -> None:
        """Write the cache; `prune` (a run of every probe) keeps only what this run used, so entries of older
        project states do not pile up."""
        if not prune:
            self.used |= set(self.data) | set(self.results)
        if self.path is not None and (self.dirty or set(self.data) - self.used or set(self.results) - self.used):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({
                "sql": {k: v for k, v in self.data.items() if k in self.used},
                "results": {k: v for k, v in self.results.items() if k in self.used}}), encoding="utf-8")

    def rewrite(self, sql: str, dialect: str, mapping: Mapping[tuple[str, ...], str], where: str) -> str:
        digest = hashlib.sha256(json.dumps([sql, dialect, sorted(
            ["|".join(k), v] for k, v in mapping.items())]).encode()).hexdigest()
        if digest not in self.data:
            self.data[digest] = rewrite_sql(sql, dialect, mapping, where)
            self.dirty = True
        self.used.add(digest)
        return self.data[digest]


def rewrite_sql(sql: str, dialect: str, mapping: Mapping[tuple[str, ...], str], where: str) -> str:
    """Compiled SQL of `dialect` -> DuckDB SQL reading the probe tables; every qualified relation must be
    in `mapping` (physical key -> DuckDB table), an unknown one is a ProbeError."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError as exc:
        raise ProbeError(f"{where}: the compiled SQL cannot be parsed as {dialect}: {exc}") from exc
    for table in list(tree.find_all(exp.Table)):
        if not table.db:
            continue  # a CTE or an unqualified name (a function table, a CTE)
        key = _table_key(table)
        if key not in mapping:
            raise ProbeError(f"{where}: relation {'.'.join(key)} is not a model or source of this compile")
        target = exp.to_table(mapping[key], dialect="duckdb")
        table.set("this", target.this)
        table.set("db", target.args.get("db"))
        table.set("catalog", None)
    try:
        return tree.sql(dialect="duckdb")
    except sqlglot.errors.SqlglotError as exc:
        raise ProbeError(f"{where}: the compiled SQL cannot be transpiled from {dialect} to DuckDB: {exc}") \
            from exc


def source_types(logical: str) -> dict[str, str]:
    """Column types of a source table from the project's source description (viewership.schema), when
    that package is importable; every other column is text."""
    try:
        from viewership import schema
    except ImportError:
        return {}
    kinds = {"text": "varchar", "bigint": "bigint", "integer": "integer", "boolean": "boolean",
             "timestamp": "timestamp"}
    for table in schema.ALL_TABLES:
        if f"{table.location}.{table.name}" == logical:
            return {c.name: kinds[c.type] for c in table.columns}
    return {}


_RELATIONS: dict[int, Relations] = {}


def relations(pc: ProjectCompile) -> Relations:
    """Relations of a compile, built once per compile object."""
    rel = _RELATIONS.get(id(pc))
    if rel is None or rel.pc is not pc:
        rel = _RELATIONS[id(pc)] = Relations.of(pc)
    return rel


