"""Description coverage: models, columns, sources, macros and exposures without a description."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DESCRIBED_NODE_TYPES = frozenset({"model", "seed", "snapshot", "analysis"})
# Adapter implementations of a dispatched macro (duckdb__x, ...) are documented by their dispatcher x.
# Columns dbt adds to every snapshot; its docs explain them.
SNAPSHOT_META_COLUMNS = frozenset({"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_is_deleted"})
ADAPTER_IMPLEMENTATION = re.compile(r"^(default|duckdb|postgres|snowflake|redshift|bigquery|spark|databricks)__")


@dataclass(frozen=True)
class Gap:
    """Something the docs site shows without a description."""

    resource_type: str
    name: str
    path: str
    column: str | None = None
    detail: str = "no description"

    def __str__(self) -> str:
        what = f"{self.resource_type} {self.name}" + (f", column {self.column}" if self.column else "")
        return f"{self.path}: {what}: {self.detail}"


def _blank(value: Any) -> bool:
    return not str(value or "").strip()


def description_gaps(manifest: dict[str, Any], catalog: dict[str, Any] | None = None) -> list[Gap]:  # noqa: C901 - one loop per manifest resource type (models, sources, macros, exposures)
    """Models, seeds, snapshots, sources, macros and exposures of the project (and their columns and
    macro arguments) that have no description. With a catalog, columns that exist in the database but
    are missing from the YAML are reported too."""
    project_name = (manifest.get("metadata") or {}).get("project_name")
    catalog_nodes = {**((catalog or {}).get("nodes") or {}), **((catalog or {}).get("sources") or {})}
    gaps: list[Gap] = []

    def columns(unique_id: str, node: dict[str, Any], kind: str, name: str, path: str) -> None:
        declared = node.get("columns") or {}
        for column_name, column in declared.items():
            if _blank(column.get("description")):
                gaps.append(Gap(kind, name, path, column_name))
        known = {str(c).lower() for c in declared} | (SNAPSHOT_META_COLUMNS if kind == "snapshot" else set())
        for column_name in (catalog_nodes.get(unique_id) or {}).get("columns") or {}:
            if str(column_name).lower() not in known:
                gaps.append(Gap(kind, name, path, str(column_name).lower(), "in the database but not in the YAML"))

    for unique_id, node in sorted((manifest.get("nodes") or {}).items()):
        kind = str(node.get("resource_type"))
        if kind not in DESCRIBED_NODE_TYPES or node.get("package_name") != project_name:
            continue
        name = str(node.get("name")) + (f" v{node['version']}" if node.get("version") is not None else "")
        path = str(node.get("original_file_path") or "")
        if _blank(node.get("description")):
            gaps.append(Gap(kind, name, path))
        columns(unique_id, node, kind, name, path)
    for unique_id, source in sorted((manifest.get("sources") or {}).items()):
        if source.get("package_name") != project_name:
            continue
        name = f"{source.get('source_name')}.{source.get('name')}"
        path = str(source.get("original_file_path") or "")
        if _blank(source.get("source_description")):
            gaps.append(Gap("source", str(source.get("source_name")), path))
        if _blank(source.get("description")):
            gaps.append(Gap("source table", name, path))
        columns(unique_id, source, "source table", name, path)
    for _unique_id, macro in sorted((manifest.get("macros") or {}).items()):
        if macro.get("package_name") != project_name:
            continue
        name, path = str(macro.get("name")), str(macro.get("original_file_path") or "")
        if ADAPTER_IMPLEMENTATION.match(name):
            continue
        if _blank(macro.get("description")):
            gaps.append(Gap("macro", name, path))
        for argument in macro.get("arguments") or []:
            if _blank(argument.get("description")):
                gaps.append(Gap("macro", name, path, f"argument {argument.get('name')}"))
    for _unique_id, exposure in sorted((manifest.get("exposures") or {}).items()):
        if exposure.get("package_name") == project_name and _blank(exposure.get("description")):
            gaps.append(Gap("exposure", str(exposure.get("name")), str(exposure.get("original_file_path") or "")))
    # A source's own description repeats for each of its tables: report it once.
    return list(dict.fromkeys(gaps))
