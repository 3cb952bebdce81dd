"""Column-level lineage of every model, from the compiled SQL of a dbt manifest, with sqlglot.

Models are read in DAG order. For each one a sqlglot schema is built from its parents' output columns
(sources: their YAML columns; models: the output columns this module found for them), so ``select *``
expands; the compiled SQL is qualified once and ``sqlglot.lineage`` walks every output column through
CTEs, subqueries, unions and window functions (macros are already expanded in the compiled SQL) down
to the columns of the relations the model reads. Each output column gets

* its direct inputs (relation unique_id, column),
* its kind: ``passed through`` (only column references, casts and unions between the input column and
  the output, same name), ``renamed`` (the same, another name) or ``computed`` (anything else, including
  constants, which have no input),
* its expression, folded through the model's CTEs into one expression over the input columns when that
  stays short, else the outermost computing step; and the computing steps inside the model;
* the join keys it was matched on: input columns of other relations compared, in a JOIN ... ON conjunct,
  with a relation its value comes from (a catalog ref_id is matched on the upload's keys).

Row filters (top-level conjuncts of WHERE, HAVING and JOIN ... ON, and ordered window functions, which pick
rows) are kept per model with the columns they name, so red-line predicates can be marked (``redlines.py``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage, to_node
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.schema import Schema, ensure_schema

PASSED_THROUGH = "passed through"
RENAMED = "renamed"
COMPUTED = "computed"
KINDS = (PASSED_THROUGH, RENAMED, COMPUTED)
ANALYZED_TYPES = frozenset({"model", "snapshot"})
# dbt adds these to every snapshot; they have no upstream column.
SNAPSHOT_META_COLUMNS = ("dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_is_deleted")
DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "snowflake": "snowflake"}
FOLDED_MAX_CHARS = 240
FOLDED_MAX_NODES = 120
# Bump when the result format or the algorithm changes: part of the cache key.
FORMAT_VERSION = "3"


class ColumnLineageError(Exception):
    """The manifest cannot be analysed (no compiled SQL, unknown adapter, ...)."""


@dataclass(frozen=True)
class ColumnRef:
    """One column of one relation (model, snapshot or source), by unique_id."""

    relation: str
    column: str


@dataclass(frozen=True)
class Relation:
    """A model, snapshot or source as the lineage shows it."""

    unique_id: str
    name: str  # model name, or the source table name
    resource_type: str  # model | snapshot | source
    layer: str  # sources | bronze | silver | gold | snapshots | ...
    label: str  # fct_episode_details v2, upload.platform_viewership
    path: str
    tags: tuple[str, ...]
    version: str | None
    columns: tuple[str, ...]
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class Filter:
    """A top-level conjunct of a WHERE, HAVING or JOIN ON of the model's SQL, with the columns it names."""

    clause: str  # where | having | join | window
    sql: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ColumnLineage:
    """Where one output column of one model comes from, one model deep."""

    relation: str
    column: str
    kind: str
    expression: str
    inputs: tuple[ColumnRef, ...]
    steps: tuple[str, ...] = ()  # computing steps inside the model, outermost first: "cte.column = expr"
    unresolved: tuple[str, ...] = ()  # column references sqlglot could not attribute to a relation
    matched_on: tuple[ColumnRef, ...] = ()  # input columns of the JOIN ... ON that brought the value in


@dataclass
class ProjectLineage:
    """Column lineage of a whole project."""

    manifest_hash: str
    project: str
    relations: dict[str, Relation]
    columns: dict[tuple[str, str], ColumnLineage]
    failures: dict[str, str] = field(default_factory=dict)  # unique_id -> why it could not be analysed
    seconds: float = 0.0

    def columns_of(self, unique_id: str) -> list[ColumnLineage]:
        relation = self.relations[unique_id]
        return [self.columns[(unique_id, column)] for column in relation.columns if (unique_id, column) in self.columns]

    # --- cache format ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "manifest_hash": self.manifest_hash,
            "project": self.project,
            "seconds": self.seconds,
            "failures": self.failures,
            "relations": [{**_relation_dict(r)} for r in self.relations.values()],
            "columns": [{"relation": c.relation, "column": c.column, "kind": c.kind, "expression": c.expression,
                         "inputs": [[i.relation, i.column] for i in c.inputs], "steps": list(c.steps),
                         "unresolved": list(c.unresolved),
                         "matched_on": [[i.relation, i.column] for i in c.matched_on]}
                        for c in self.columns.values()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProjectLineage:
        if data.get("format") != FORMAT_VERSION:
            raise ColumnLineageError(f"cached lineage has format {data.get('format')!r}, expected {FORMAT_VERSION}")
        relations = {}
        for r in data["relations"]:
            filters = tuple(Filter(f["clause"], f["sql"], tuple(f["columns"])) for f in r["filters"])
            relations[r["unique_id"]] = Relation(r["unique_id"], r["name"], r["resource_type"], r["layer"],
                                                 r["label"], r["path"], tuple(r["tags"]), r["version"],
                                                 tuple(r["columns"]), filters)
        columns = {}
        for c in data["columns"]:
            columns[(c["relation"], c["column"])] = ColumnLineage(
                c["relation"], c["column"], c["kind"], c["expression"],
                tuple(ColumnRef(rel, col) for rel, col in c["inputs"]), tuple(c["steps"]), tuple(c["unresolved"]),
                tuple(ColumnRef(rel, col) for rel, col in c["matched_on"]))
        return cls(str(data["manifest_hash"]), str(data["project"]), relations, columns,
                   dict(data.get("failures") or {}), float(data.get("seconds") or 0.0))


def _relation_dict(relation: Relation) -> dict[str, Any]:
    return {"unique_id": relation.unique_id, "name": relation.name, "resource_type": relation.resource_type,
            "layer": relation.layer, "label": relation.label, "path": relation.path, "tags": list(relation.tags),
            "version": relation.version, "columns": list(relation.columns),
            "filters": [{"clause": f.clause, "sql": f.sql, "columns": list(f.columns)} for f in relation.filters]}


# --- the manifest -----------------------------------------------------------------------------------
def _project_nodes(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    project = (manifest.get("metadata") or {}).get("project_name")
    return {uid: node for uid, node in (manifest.get("nodes") or {}).items()
            if node.get("resource_type") in ANALYZED_TYPES and (not project or node.get("package_name") == project)}


def manifest_hash(manifest: Mapping[str, Any]) -> str:
    """Hash of what the lineage depends on: compiled SQL, relations, edges and declared columns of the
    project's models, snapshots and sources (not generated_at / invocation_id), plus sqlglot's version."""
    nodes = _project_nodes(manifest)
    payload = {
        "format": FORMAT_VERSION,
        "sqlglot": getattr(sqlglot, "__version__", ""),
        "adapter": (manifest.get("metadata") or {}).get("adapter_type"),
        "nodes": {uid: [n.get("compiled_code"), n.get("relation_name"), (n.get("depends_on") or {}).get("nodes"),
                        n.get("name"), n.get("version"), n.get("fqn"), n.get("original_file_path"), n.get("tags"),
                        sorted(n.get("columns") or {})] for uid, n in sorted(nodes.items())},
        "sources": {uid: [s.get("relation_name"), sorted(s.get("columns") or {})]
                    for uid, s in sorted((manifest.get("sources") or {}).items())},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _layer(node: Mapping[str, Any]) -> str:
    if node.get("resource_type") == "source":
        return "sources"
    if node.get("resource_type") != "model":
        return f"{node.get('resource_type')}s"
    folders = list(node.get("fqn") or [])[1:-1]
    if node.get("version") is not None and folders and folders[-1] == node.get("name"):
        folders = folders[:-1]
    return str(folders[0]) if folders else "models"


def _relation(uid: str, node: Mapping[str, Any], columns: tuple[str, ...],
              filters: tuple[Filter, ...] = ()) -> Relation:
    version = node.get("version")
    if node.get("resource_type") == "source":
        label = f"{node.get('source_name')}.{node.get('name')}"
    else:
        label = f"{node.get('name')} v{version}" if version is not None else str(node.get("name"))
    return Relation(uid, str(node.get("name")), str(node.get("resource_type")), _layer(node), label,
                    str(node.get("original_file_path") or ""), tuple(str(t) for t in node.get("tags") or ()),
                    None if version is None else str(version), columns, filters)


def dag_order(nodes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """unique_ids of ``nodes`` with every parent before its children (ties by unique_id)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(uid: str) -> None:
        stack: list[tuple[str, Iterator[str]]] = [(uid, iter(sorted((nodes[uid].get("depends_on") or {})
                                                                   .get("nodes") or [])))]
        state[uid] = 1
        while stack:
            current, parents = stack[-1]
            parent = next(parents, None)
            if parent is None:
                stack.pop()
                state[current] = 2
                order.append(current)
            elif parent in nodes and parent not in state:
                state[parent] = 1
                stack.append((parent, iter(sorted((nodes[parent].get("depends_on") or {}).get("nodes") or []))))

    for uid in sorted(nodes):
        if uid not in state:
            visit(uid)
    return order


def _table_key(table: exp.Table) -> tuple[str, str, str]:
    return (table.catalog.lower(), table.db.lower(), table.name.lower())


# --- one model --------------------------------------------------------------------------------------
def _is_transparent(expression: exp.Expr) -> bool:
    """A column reference, possibly cast or parenthesized: the value is not computed."""
    node = expression.unalias() if isinstance(expression, exp.Alias) else expression
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren)):
        node = node.this
    return isinstance(node, exp.Column)


def _leaf_column(node: Node, dialect: str) -> str:
    column = sqlglot.maybe_parse(node.name, into=exp.Column, dialect=dialect)
    return column.name.lower() if isinstance(column, exp.Column) else node.name.rsplit(".", 1)[-1].strip('"').lower()


class _ModelWalker:
    """Classifies and folds the sqlglot lineage nodes of one model (memoized per node)."""

    def __init__(self, dialect: str, relation_of: Mapping[tuple[str, str, str], str], self_uid: str,
                 labels: Mapping[str, str]) -> None:
        self.dialect = dialect
        self.relation_of = relation_of
        self.self_uid = self_uid
        self.labels = labels
        self._sql_memo: dict[int, str] = {}
        self._size_memo: dict[int, int] = {}

    def leaf_ref(self, node: Node) -> ColumnRef | None:
        if not isinstance(node.expression, exp.Table):
            return None
        uid = self.relation_of.get(_table_key(node.expression))
        if uid is None:
            table = node.expression
            name = ".".join(part for part in (table.catalog, table.db, table.name) if part)
            return ColumnRef("?" + name, _leaf_column(node, self.dialect))
        return ColumnRef(uid, _leaf_column(node, self.dialect))

    def analyse(self, output: str, root: Node) -> ColumnLineage:
        inputs: dict[ColumnRef, None] = {}
        unresolved: list[str] = []
        transparent = True
        steps: list[str] = []
        for node in root.walk():
            if isinstance(node.expression, exp.Table):
                ref = self.leaf_ref(node)
                if ref is not None and ref.relation != self.self_uid:
                    if ref.relation.startswith("?"):
                        unresolved.append(f"{ref.relation[1:]}.{ref.column}")
                    else:
                        inputs[ref] = None
                continue
            if isinstance(node.expression, exp.Placeholder):
                unresolved.append(node.name)
                continue
            if not node.downstream and not isinstance(node.expression, (exp.Table, exp.Placeholder)) \
                    and _is_transparent(node.expression):
                continue
            if not _is_transparent(node.expression):
                transparent = False
                if len(steps) < 12:
                    steps.append(f"{node.name} = {self._sql(node.expression)}")
        if transparent and inputs:
            kind = PASSED_THROUGH if all(ref.column == output for ref in inputs) else RENAMED
        else:
            kind = COMPUTED
        expression = self.fold(root, inputs) if kind == COMPUTED else ", ".join(
            f"{self.labels.get(r.relation, r.relation)}.{r.column}"
            for r in sorted(inputs, key=lambda ref: (ref.relation, ref.column)))
        return ColumnLineage(self.self_uid, output, kind, expression,
                             tuple(sorted(inputs, key=lambda ref: (ref.relation, ref.column))), tuple(steps),
                             tuple(dict.fromkeys(unresolved)))

    def _sql(self, expression: exp.Expr) -> str:
        key = id(expression)
        if key not in self._sql_memo:
            node = expression.unalias() if isinstance(expression, exp.Alias) else expression
            self._sql_memo[key] = " ".join(node.sql(dialect=self.dialect).split())
        return self._sql_memo[key]

    def _children_by_column(self, node: Node) -> dict[tuple[str, str], Node]:
        """The downstream lineage nodes of ``node`` keyed by the (table, column) reference they resolve."""
        by_key: dict[tuple[str, str], Node] = {}
        for child in node.downstream:
            if isinstance(child.expression, exp.Table):
                column = sqlglot.maybe_parse(child.name, into=exp.Column, dialect=self.dialect)
                if isinstance(column, exp.Column):
                    by_key[(column.table.lower(), column.name.lower())] = child
            elif "." in child.name:
                scope_name, _, column_name = child.name.partition(".")
                by_key[(scope_name.lower(), column_name.lower())] = child
        return by_key

    def _body(self, node: Node) -> exp.Expr | None:
        """The expression a lineage node contributes (None: a leaf, a union branch or unknown)."""
        if isinstance(node.expression, (exp.Table, exp.Placeholder)):
            return None
        body = node.expression.unalias() if isinstance(node.expression, exp.Alias) else node.expression
        return None if isinstance(body, exp.Select) else body

    def _size(self, node: Node, depth: int = 0) -> int:
        """Expression nodes of the folded expression of ``node`` (memoized; capped by depth)."""
        key = id(node)
        if key in self._size_memo:
            return self._size_memo[key]
        body = self._body(node)
        if body is None or depth > 40:
            size = 1
        else:
            children = self._children_by_column(node)
            size = sum(1 for _ in body.walk())
            for column in body.find_all(exp.Column):
                child = children.get((column.table.lower(), column.name.lower()))
                if child is not None:
                    size += self._size(child, depth + 1) - 1
        self._size_memo[key] = size
        return size

    def fold(self, root: Node, inputs: Mapping[ColumnRef, None]) -> str:
        """The output expression with every CTE/subquery column replaced by its own expression, down to
        the input columns (bare names when they all come from one relation); the outermost computing
        step when the folded expression would be too long to read."""
        qualify_inputs = len({ref.relation for ref in inputs}) > 1

        def folded(node: Node) -> exp.Expr | None:
            if isinstance(node.expression, exp.Table):
                ref = self.leaf_ref(node)
                if ref is None:
                    return None
                table = self.labels.get(ref.relation, "").split(" ")[0] if qualify_inputs else None
                return exp.column(ref.column, table=table)
            body = self._body(node)
            if body is None:
                return None
            holder = exp.Paren(this=body.copy())
            children = self._children_by_column(node)
            for column in list(holder.this.find_all(exp.Column)):
                child = children.get((column.table.lower(), column.name.lower()))
                if child is None:  # e.g. a column of a union: its name, without the CTE's alias
                    column.set("table", None)
                    continue
                replacement = folded(child)
                if replacement is None:
                    column.set("table", None)
                    continue
                if not isinstance(replacement, (exp.Column, exp.Literal, exp.Func, exp.Paren, exp.Cast, exp.Window)):
                    replacement = exp.Paren(this=replacement)
                column.replace(replacement)
            result: exp.Expr = holder.this
            return result

        if self._size(root) <= FOLDED_MAX_NODES:
            whole = folded(root)
            while isinstance(whole, exp.Paren):
                whole = whole.this
            text = " ".join(whole.sql(dialect=self.dialect).split()) if whole is not None else ""
            if text and len(text) <= FOLDED_MAX_CHARS:
                return text
        for node in root.walk():
            if not isinstance(node.expression, (exp.Table, exp.Placeholder)) and not _is_transparent(node.expression):
                return self._sql(node.expression)
        return ""


def _filters(tree: exp.Expr, dialect: str) -> tuple[Filter, ...]:
    found: dict[tuple[str, str], Filter] = {}
    for clause, key in ((exp.Where, "where"), (exp.Having, "having")):
        for node in tree.find_all(clause):
            for conjunct in node.this.flatten() if isinstance(node.this, exp.And) else [node.this]:
                _add_filter(found, key, conjunct, dialect)
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        if on is not None:
            for conjunct in on.flatten() if isinstance(on, exp.And) else [on]:
                _add_filter(found, "join", conjunct, dialect)
    for window in tree.find_all(exp.Window):
        if window.args.get("order"):  # an ordering picks rows (row_number() ... = 1)
            _add_filter(found, "window", window, dialect)
    return tuple(found.values())


def _add_filter(found: dict[tuple[str, str], Filter], clause: str, conjunct: exp.Expr, dialect: str) -> None:
    while isinstance(conjunct, exp.Paren):
        conjunct = conjunct.this
    text = " ".join(conjunct.sql(dialect=dialect).split())
    columns = tuple(sorted({column.name.lower() for column in conjunct.find_all(exp.Column)}))
    found.setdefault((clause, text), Filter(clause, text, columns))


def _join_keys(scope: Scope, walker: _ModelWalker, schema: Schema) -> list[frozenset[ColumnRef]]:
    """For every conjunct of every JOIN ... ON of the model: the input columns it compares."""
    cache: dict[tuple[Any, ...], Node] = {}
    keys: list[frozenset[ColumnRef]] = []
    for current in scope.traverse():
        for join in current.expression.args.get("joins") or []:
            on = join.args.get("on")
            if on is None:
                continue
            for conjunct in on.flatten() if isinstance(on, exp.And) else [on]:
                refs: set[ColumnRef] = set()
                for column in conjunct.find_all(exp.Column):
                    source = current.sources.get(column.table)
                    if isinstance(source, exp.Table):
                        leaf = Node(name=column.sql(dialect=walker.dialect), expression=source, source=source)
                        ref = walker.leaf_ref(leaf)
                        if ref is not None and not ref.relation.startswith("?"):
                            refs.add(ref)
                    elif isinstance(source, Scope):
                        try:
                            node = to_node(column.name, scope=source, dialect=walker.dialect, schema=schema,
                                           trim_selects=False, _cache=cache)
                        except (SqlglotError, ValueError):
                            continue
                        for leaf in node.walk():
                            ref = walker.leaf_ref(leaf)
                            if ref is not None and not ref.relation.startswith("?"):
                                refs.add(ref)
                if len({ref.relation for ref in refs}) > 1:
                    keys.append(frozenset(refs))
    return keys


def _matched_on(column: ColumnLineage, keys: list[frozenset[ColumnRef]]) -> tuple[ColumnRef, ...]:
    """Join keys of other relations compared with a relation this column's value comes from."""
    own = {ref.relation for ref in column.inputs}
    found: set[ColumnRef] = set()
    for refs in keys:
        if own & {ref.relation for ref in refs}:
            found.update(ref for ref in refs if ref.relation not in own)
    return tuple(sorted(found, key=lambda ref: (ref.relation, ref.column)))


def analyse_model(uid: str, node: Mapping[str, Any], schema: dict[str, Any], dialect: str,
                  relation_of: Mapping[tuple[str, str, str], str],
                  labels: Mapping[str, str]) -> tuple[list[ColumnLineage], tuple[Filter, ...]]:
    """Lineage of every output column of one compiled model (raises SqlglotError on unparseable SQL)."""
    sql = node.get("compiled_code")
    if not sql:
        raise ColumnLineageError(f"{uid} has no compiled_code: run `dbt compile`, not `dbt parse`")
    tree = sqlglot.parse_one(sql, dialect=dialect)
    qualified = qualify(tree, dialect=dialect, schema=schema, validate_qualify_columns=False, identify=False)
    scope = build_scope(qualified)
    if scope is None:
        raise ColumnLineageError(f"{uid}: the compiled SQL is not a query")
    nodes = lineage(None, qualified, schema, dialect=dialect, scope=scope, trim_selects=False)
    walker = _ModelWalker(dialect, relation_of, uid, labels)
    keys = _join_keys(scope, walker, ensure_schema(schema, dialect=dialect))
    columns = [walker.analyse(name.lower(), root) for name, root in nodes.items()]
    columns = [dataclasses.replace(column, matched_on=_matched_on(column, keys)) for column in columns]
    if node.get("resource_type") == "snapshot":
        present = {c.column for c in columns}
        columns += [ColumnLineage(uid, meta, COMPUTED, "added by dbt snapshot", ())
                    for meta in SNAPSHOT_META_COLUMNS if meta not in present and meta != "dbt_is_deleted"]
    return columns, _filters(qualified, dialect)


def analyse_manifest(manifest: Mapping[str, Any]) -> ProjectLineage:
    """Column lineage of every model and snapshot of the manifest's project, in DAG order."""
    started = time.monotonic()
    metadata = manifest.get("metadata") or {}
    adapter = str(metadata.get("adapter_type") or "duckdb")
    if adapter not in DIALECTS:
        raise ColumnLineageError(f"adapter {adapter!r} has no sqlglot dialect (known: {sorted(DIALECTS)})")
    dialect = DIALECTS[adapter]
    nodes = _project_nodes(manifest)
    sources = dict(manifest.get("sources") or {})
    relations: dict[str, Relation] = {}
    relation_of: dict[tuple[str, str, str], str] = {}
    for uid, raw in [*sources.items(), *nodes.items()]:
        if raw.get("relation_name"):
            relation_of[_table_key(exp.to_table(str(raw["relation_name"]), dialect=dialect))] = uid
    for uid, source in sources.items():
        relations[uid] = _relation(uid, source, tuple(str(c).lower() for c in source.get("columns") or {}))
    labels = {uid: rel.label for uid, rel in relations.items()}
    labels.update({uid: _relation(uid, raw, ()).label for uid, raw in nodes.items()})
    columns: dict[tuple[str, str], ColumnLineage] = {}
    failures: dict[str, str] = {}
    for uid in dag_order(nodes):
        node = nodes[uid]
        schema: dict[str, Any] = {}
        for parent in (node.get("depends_on") or {}).get("nodes") or []:
            raw = nodes.get(parent) or sources.get(parent)
            if raw is None or not raw.get("relation_name") or parent not in relations:
                continue
            table = exp.to_table(str(raw["relation_name"]), dialect=dialect)
            schema.setdefault(table.catalog, {}).setdefault(table.db, {})[table.name] = \
                {column: "unknown" for column in relations[parent].columns}
        try:
            found, filters = analyse_model(uid, node, schema, dialect, relation_of, labels)
        except (SqlglotError, ColumnLineageError, ValueError, RecursionError) as exc:
            failures[uid] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            relations[uid] = _relation(uid, node, tuple(str(c).lower() for c in node.get("columns") or {}))
            continue
        relations[uid] = _relation(uid, node, tuple(c.column for c in found), filters)
        for column in found:
            columns[(uid, column.column)] = column
    return ProjectLineage(manifest_hash(manifest), str(metadata.get("project_name") or ""), relations, columns,
                          failures, time.monotonic() - started)
