"""The lineage graph read from a dbt manifest: layers, nodes, edges and red-line protection."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Layer bands, left to right. Models go by their first folder under models/.
LAYERS: tuple[str, ...] = ("sources", "seeds", "bronze", "snapshots", "silver", "gold", "exposures")
LAYER_TITLES = {
    "sources": "sources",
    "seeds": "seeds",
    "bronze": "bronze · phase 0",
    "snapshots": "snapshots",
    "silver": "silver · phases 1-2",
    "gold": "gold · phase 3",
    "exposures": "exposures",
}
LAYER_COLORS = {  # (band fill, node fill, node edge)
    "sources": ("#eef6e8", "#7cb342", "#558b2f"),
    "seeds": ("#f1f1f1", "#9e9e9e", "#616161"),
    "bronze": ("#f7ede2", "#b7773a", "#8d5524"),
    "snapshots": ("#f1f1f1", "#8d6e63", "#5d4037"),
    "silver": ("#eef1f4", "#78909c", "#455a64"),
    "gold": ("#fbf3d9", "#d4a017", "#9a7410"),
    "exposures": ("#f3e8f5", "#8e44ad", "#6c3483"),
}
RED_LINE_COLOR = "#c62828"
DRAWN_RESOURCE_TYPES = frozenset({"model", "seed", "snapshot"})


class LineageError(Exception):
    """The manifest cannot be read or has nothing to draw."""


@dataclass(frozen=True)
class Node:
    unique_id: str
    label: str
    layer: str
    group: str  # sub-folder (upload, reference, normalization, matching, ...) or source name
    materialized: str
    red_lines: tuple[str, ...]


@dataclass(frozen=True)
class Lineage:
    nodes: dict[str, Node]
    edges: tuple[tuple[str, str], ...]  # (parent, child)
    project: str
    dbt_version: str


def _layer_of_model(node: dict[str, Any]) -> tuple[str, str]:
    fqn = list(node.get("fqn") or [])
    folders = fqn[1:-1]
    if node.get("version") is not None and len(folders) >= 1 and folders[-1] == node.get("name"):
        folders = folders[:-1]  # versioned models: fqn ends with name, v<N>
    layer = folders[0] if folders else "models"
    group = folders[1] if len(folders) > 1 else ""
    return layer, group


def _label(node: dict[str, Any]) -> str:
    name = str(node.get("name"))
    version = node.get("version")
    return f"{name} v{version}" if version is not None else name


def load(manifest_path: Path, red_lines: Mapping[str, Sequence[str]] | None = None) -> Lineage:
    """Nodes and edges of the project's own package (tests, macros and other packages left out)."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LineageError(f"{manifest_path}: cannot read the manifest ({exc}); run `dbt parse` first") from exc
    return from_manifest(manifest, red_lines)


def from_manifest(manifest: dict[str, Any], red_lines: Mapping[str, Sequence[str]] | None = None) -> Lineage:
    """The lineage of a manifest; ``red_lines`` maps a model name to the red lines it carries
    (``viewership.protected_models.red_lines_by_model``) for the outline of protected models."""
    protected = red_lines or {}
    metadata = manifest.get("metadata") or {}
    project = str(metadata.get("project_name") or "")
    nodes: dict[str, Node] = {}
    parents: dict[str, list[str]] = {}
    for unique_id, node in (manifest.get("nodes") or {}).items():
        if node.get("resource_type") not in DRAWN_RESOURCE_TYPES:
            continue
        if project and node.get("package_name") != project:
            continue
        if node.get("resource_type") == "model":
            layer, group = _layer_of_model(node)
        else:
            layer, group = f"{node['resource_type']}s", ""
        nodes[unique_id] = Node(unique_id, _label(node), layer, group,
                                str((node.get("config") or {}).get("materialized") or ""),
                                tuple(protected.get(str(node.get("name")), ())) if node.get("resource_type") == "model"
                                else ())
        parents[unique_id] = list((node.get("depends_on") or {}).get("nodes") or [])
    for unique_id, source in (manifest.get("sources") or {}).items():
        if project and source.get("package_name") != project:
            continue
        nodes[unique_id] = Node(unique_id, f"{source.get('source_name')}.{source.get('name')}", "sources",
                                str(source.get("source_name") or ""), "source", ())
    for unique_id, exposure in (manifest.get("exposures") or {}).items():
        if project and exposure.get("package_name") != project:
            continue
        nodes[unique_id] = Node(unique_id, str(exposure.get("label") or exposure.get("name")), "exposures",
                                str(exposure.get("type") or ""), "exposure", ())
        parents[unique_id] = list((exposure.get("depends_on") or {}).get("nodes") or [])
    if not any(node.layer not in {"sources", "exposures"} for node in nodes.values()):
        raise LineageError("the manifest has no models of this project to draw")
    edges = sorted({(parent, child) for child, ps in parents.items() for parent in ps if parent in nodes})
    return Lineage(nodes, tuple(edges), project, str(metadata.get("dbt_version") or ""))
