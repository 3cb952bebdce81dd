"""What column lineage is made of: column references, relations, filters, per-column and per-project results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
