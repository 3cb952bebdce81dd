"""The manifest as a graph: the project's nodes, their hash, layer, relation and DAG order."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

import sqlglot
from sqlglot import exp

from viewership.column_lineage.records import ANALYZED_TYPES, FORMAT_VERSION, Filter, Relation


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
