"""Execute a probe: the protected model's COMPILED SQL of one target and render branch, in an embedded
DuckDB, over the probe's input rows.

Each physical relation the compiled SQL names is rewritten (sqlglot AST) to the probe table of its
logical name, found through the manifest (relation_name of every model and source); the model's own
relation (`{{ this }}`) becomes `previous.<model>`. SQL of PostgreSQL and Snowflake targets is transpiled
to DuckDB by sqlglot. Column lists and types of the inputs come from a dry run: the upstream models' own
first-run SQL executed on empty tables (source column types from the project's source description when
it has one, else text). Anything that cannot run is a ProbeError (exit 2), never a pass.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from redline.manifest import CompiledNode, ProjectCompile
from redline.probes.relations import ProbeError, Relations, SqlCache, relation_key, relations, source_types, table_name
from redline.probes.spec import Assertion, Probe, Row


@dataclass(frozen=True)
class Failure:
    """One failed assertion: what it says and one counterexample."""

    assertion: Assertion
    detail: str


def _norm(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


Columns = tuple[tuple[str, str], ...]


class Schemas:
    """Output columns (name, DuckDB type) of every relation, from a dry run of the first-run SQL."""

    def __init__(self, rel: Relations, cache: SqlCache) -> None:
        self.rel = rel
        self.cache = cache
        self.con = duckdb.connect(":memory:")
        self.known: dict[str, Columns] = {}

    def _create(self, logical: str, columns: Columns) -> None:
        name = table_name(logical)
        if "." in logical and logical in self.rel.sources:
            self.con.execute(f'create schema if not exists "{logical.split(".", 1)[0]}"')
        cols = ", ".join(f'"{c}" {t}' for c, t in columns)
        self.con.execute(f"create or replace table {name} ({cols})")

    def of(self, logical: str, stack: tuple[str, ...] = ()) -> Columns:
        if logical in self.known:
            return self.known[logical]
        if logical in self.rel.sources:
            raw = self.rel.sources[logical]
            types = source_types(logical)
            names = list(raw.get("columns") or {}) or list(types)
            if not names:
                raise ProbeError(f"source {logical} declares no columns: cannot build a probe table for it")
            columns: Columns = tuple((c, types.get(c, "varchar")) for c in names)
        else:
            node = self.rel.models.get(logical)
            if node is None:
                raise ProbeError(f"{logical} is not a model of the {self.rel.pc.target} compile")
            if logical in stack:
                raise ProbeError(f"{logical} reads itself in its first-run SQL: cannot infer its columns")
            mapping: dict[tuple[str, ...], str] = {}
            for uid in node.depends_on:
                upstream = self.rel.logical_of_uid(uid)
                self._create(upstream, self.of(upstream, (*stack, logical)))
                raw_name = (self.rel.models[upstream].relation_name if upstream in self.rel.models
                            else self.rel.sources[upstream].get("relation_name"))
                if raw_name:
                    mapping[relation_key(str(raw_name), self.rel.pc.dialect)] = table_name(upstream)
            if node.compiled_code is None:
                raise ProbeError(f"{logical} has no compiled SQL in the {self.rel.pc.target} first-run compile")
            sql = self.cache.rewrite(node.compiled_code, self.rel.pc.dialect, mapping,
                                     f"{logical} ({self.rel.pc.target})")
            try:
                described = self.con.execute(f"describe select * from ({sql}) as dry_run").fetchall()  # noqa: S608
            except duckdb.Error as exc:
                raise ProbeError(f"{logical}: its {self.rel.pc.target} SQL does not run on DuckDB: "
                                 f"{str(exc).splitlines()[0]}") from exc
            columns = tuple((str(r[0]), str(r[1])) for r in described)
        self.known[logical] = columns
        return columns


def _sample(columns: Sequence[str], row: Sequence[Any], limit: int = 8) -> str:
    pairs = [f"{c}={_norm(v)!r}" for c, v in zip(columns, row, strict=False)][:limit]
    return "{" + ", ".join(pairs) + (", ..." if len(columns) > limit else "") + "}"


@dataclass(frozen=True)
class Plan:
    """Everything one execution needs: the DuckDB SQL of each model, the input tables and their rows."""

    probe: Probe
    branch: str
    models: tuple[tuple[str, str], ...]  # (name, DuckDB SQL)
    tables: tuple[tuple[str, str, Columns, tuple[Row, ...]], ...]  # (logical, DuckDB table, columns, rows)

    def key(self) -> str:
        """Same plan, same result: the cache key of the outcome (includes the runner's own source)."""
        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update(json.dumps([repr(self.probe), self.branch, self.models, [
            [logical, table, list(columns), [sorted((k, repr(v)) for k, v in r.items()) for r in rows]]
            for logical, table, columns, rows in self.tables], duckdb.__version__]).encode())
        return digest.hexdigest()




def plan(probe: Probe, branch: str, pc: ProjectCompile, schemas: Schemas, cache: SqlCache) -> Plan:
    """Resolve a probe on one compile: its models' rewritten SQL and the tables to build."""
    rel = relations(pc)
    chain: list[tuple[str, CompiledNode]] = []
    for name in probe.models:
        node = rel.models.get(name)
        if node is None:
            raise ProbeError(f"protected model {name} is not in the {pc.target} compile")
        if node.compiled_code is None:
            raise ProbeError(f"{name} has no compiled SQL in the {pc.target} {branch} compile")
        chain.append((name, node))
    in_chain = {name for name, _ in chain}
    reads: dict[str, None] = {}
    for _name, node in chain:
        for uid in node.depends_on:
            logical = rel.logical_of_uid(uid)
            if logical not in in_chain:
                reads[logical] = None
    # An input the models do not read is kept out of the run but is not an error: a probe may offer rows
    # (unmatched records, say) that only a forbidden change would read. An unknown name is an error.
    given = {rel.resolve_input(name): rows for name, rows in probe.inputs.items()}
    tables = [(logical, table_name(logical), schemas.of(logical), given.get(logical, ())) for logical in reads]
    tables += [(f"this.{name}", f'previous."{name}"', schemas.of(name),
                probe.previous.get(name, ()) if branch != "first_run" else ()) for name, _node in chain]
    models: list[tuple[str, str]] = []
    for name, node in chain:
        mapping: dict[tuple[str, ...], str] = {}
        for uid in node.depends_on:
            logical = rel.logical_of_uid(uid)
            raw_name = (rel.models[logical].relation_name if logical in rel.models
                        else rel.sources[logical].get("relation_name"))
            if raw_name:
                mapping[relation_key(str(raw_name), pc.dialect)] = table_name(logical)
        if node.relation_name:
            mapping[relation_key(node.relation_name, pc.dialect)] = f'previous."{name}"'
        models.append((name, cache.rewrite(node.compiled_code or "", pc.dialect, mapping,
                                           f"{name} ({pc.target})")))
    return Plan(probe, branch, tuple(models), tuple(tables))


_NODE_COLUMNS: Columns = tuple((c, "varchar") for c in (
    "name", "resource_type", "path", "materialized", "database", "schema", "relation_name", "tags",
    "grants_select"))
_READ_COLUMNS: Columns = tuple((c, "varchar") for c in ("name", "reads", "relation_name", "database", "schema"))
_LOCATION_COLUMNS: Columns = tuple((c, "varchar") for c in ("location", "database", "schema"))


def manifest_plan(probe: Probe, branch: str, pc: ProjectCompile, locations: Mapping[str, Any]) -> Plan:
    """A manifest probe: the target's compiled nodes as tables. manifest.nodes (every model and snapshot:
    name, path, materialized, database, schema, relation_name, tags and the roles granted select, comma
    separated, upper-case), manifest.reads (each node's upstream relations with their database/schema)
    and manifest.locations (vars.environments of the target; a null database is the target's own)."""
    rel = relations(pc)
    nodes: list[Row] = []
    reads: list[Row] = []
    for node in pc.nodes.values():
        if node.resource_type not in {"model", "snapshot"}:
            continue
        select = node.grants.get("select") or []
        nodes.append({"name": node.name, "resource_type": node.resource_type, "path": node.original_file_path,
                      "materialized": node.materialized, "database": node.database, "schema": node.schema,
                      "relation_name": node.relation_name, "tags": ",".join(node.tags),
                      "grants_select": ",".join(str(r).upper() for r in
                                                ([select] if isinstance(select, str) else select))})
        for uid in node.depends_on:
            upstream = pc.nodes.get(uid)
            raw = pc.sources.get(uid)
            if upstream is not None:
                reads.append({"name": node.name, "reads": rel.uids.get(uid, uid), "relation_name":
                              upstream.relation_name, "database": upstream.database, "schema": upstream.schema})
            elif raw is not None:
                reads.append({"name": node.name, "reads": rel.uids.get(uid, uid), "relation_name":
                              raw.get("relation_name"), "database": raw.get("database"),
                              "schema": raw.get("schema")})
    located = [{"location": name, "database": value.get("database") or pc.target_database,
                "schema": value.get("schema")} for name, value in locations.items() if isinstance(value, dict)]
    return Plan(probe, branch, (), (("manifest.nodes", "manifest.nodes", _NODE_COLUMNS, tuple(nodes)),
                                    ("manifest.reads", "manifest.reads", _READ_COLUMNS, tuple(reads)),
                                    ("manifest.locations", "manifest.locations", _LOCATION_COLUMNS,
                                     tuple(located))))


def run(p: Plan, where: str) -> list[Failure]:
    """Build the tables, execute the models in order, evaluate the assertions of the plan's branch."""
    con = duckdb.connect(":memory:", config={"threads": 1})
    con.execute("create schema previous")
    for logical, table, columns, rows in p.tables:
        _load(con, logical, table, columns, rows)
    for name, sql in p.models:
        try:
            con.execute(f"create table {table_name(name)} as {sql}")
        except duckdb.Error as exc:
            raise ProbeError(f"{name}: the {where} SQL does not run on DuckDB: "
                             f"{str(exc).splitlines()[0]}") from exc
    failures: list[Failure] = []
    for assertion in p.probe.assertions:
        if p.branch not in assertion.branches:
            continue
        try:
            cur = con.execute(assertion.sql)
            result = cur.fetchall()
            names = [d[0] for d in cur.description or ()]
        except duckdb.Error as exc:
            raise ProbeError(f"assertion '{assertion.name}' does not run: {str(exc).splitlines()[0]}") from exc
        if assertion.expect is None:
            if result:
                failures.append(Failure(assertion, f"{len(result)} counterexample(s), e.g. "
                                                   f"{_sample(names, result[0])}"))
            continue
        got = sorted((tuple(_norm(v) for v in r) for r in result), key=repr)
        want = sorted((tuple(_norm(v) for v in r) for r in assertion.expect), key=repr)
        if got != want:
            missing = [r for r in want if r not in got]
            extra = [r for r in got if r not in want]
            failures.append(Failure(assertion, f"expected {len(want)} row(s), got {len(got)}"
                                               + (f"; missing {missing[:3]}" if missing else "")
                                               + (f"; unexpected {extra[:3]}" if extra else "")))
    con.close()
    return failures


def execute(probe: Probe, branch: str, pc: ProjectCompile, schemas: Schemas, cache: SqlCache,
            locations: Mapping[str, Any] | None = None) -> list[Failure]:
    """Run one probe on one compile (a target's render branch); the failed assertions. A plan already run
    (same SQL, same inputs, same probe) is answered from the cache."""
    p = (manifest_plan(probe, branch, pc, locations or {}) if probe.scope == "manifest"
         else plan(probe, branch, pc, schemas, cache))
    key = p.key()
    cache.used.add(key)
    if key in cache.results:
        by_name = {a.name: a for a in probe.assertions}
        return [Failure(by_name[name], detail) for name, detail in cache.results[key]]
    failures = run(p, f"{pc.target} {branch}")
    cache.results[key] = [(f.assertion.name, f.detail) for f in failures]
    cache.dirty = True
    return failures


def _load(con: duckdb.DuckDBPyConnection, logical: str, table: str, columns: Columns,
          rows: Sequence[Row]) -> None:
    schema, dot, _rest = table.partition(".")
    if dot and schema != "main":
        con.execute(f"create schema if not exists {schema}")
    con.execute(f"create table {table} ({', '.join(f'{chr(34)}{c}{chr(34)} {t}' for c, t in columns)})")
    known = {c for c, _t in columns}
    for i, row in enumerate(rows):
        unknown = sorted(set(row) - known)
        if unknown:
            raise ProbeError(f"{logical}[{i}]: column(s) {unknown} are not columns of {logical} "
                             f"(known: {', '.join(sorted(known))})")
    names = sorted({c for row in rows for c in row})
    if not names:
        return
    try:
        con.executemany(f"insert into {table} ({', '.join(chr(34) + c + chr(34) for c in names)}) "  # noqa: S608
                        f"values ({', '.join('?' for _ in names)})", [[row.get(c) for c in names] for row in rows])
    except duckdb.Error as exc:
        raise ProbeError(f"rows of {logical}: {str(exc).splitlines()[0]}") from exc
