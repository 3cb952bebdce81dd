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
import time
from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage, to_node
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.schema import Schema, ensure_schema

from viewership.column_lineage.manifest_graph import _project_nodes, _relation, _table_key, dag_order, manifest_hash
from viewership.column_lineage.records import (
    COMPUTED,
    DIALECTS,
    PASSED_THROUGH,
    RENAMED,
    SNAPSHOT_META_COLUMNS,
    ColumnLineage,
    ColumnLineageError,
    ColumnRef,
    Filter,
    ProjectLineage,
    Relation,
)
from viewership.column_lineage.walker import _ModelWalker

# The public names, kept importable from this module.
__all__ = [
    "COMPUTED",
    "PASSED_THROUGH",
    "RENAMED",
    "ColumnLineageError",
    "ColumnRef",
    "Filter",
    "ProjectLineage",
    "Relation",
    "analyse_manifest",
    "analyse_model",
    "manifest_hash",
]


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


def _join_keys(scope: Scope, walker: _ModelWalker, schema: Schema) -> list[frozenset[ColumnRef]]:  # noqa: C901 - one case per shape of a join condition sqlglot's lineage returns
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
