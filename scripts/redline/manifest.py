"""Read a dbt manifest.json (after `dbt compile`) into frozen CompiledNode records."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redline.config import ConfigError, Selector

# sqlglot dialect per dbt adapter type
DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "snowflake": "snowflake"}


class ManifestError(Exception):
    """A manifest that cannot be read (exit code 2)."""


@dataclass(frozen=True)
class CompiledNode:
    """One model (or other node) as compiled for one target."""

    unique_id: str
    name: str
    resource_type: str
    original_file_path: str
    tags: tuple[str, ...]
    materialized: str
    meta: Mapping[str, Any]
    grants: Mapping[str, Any]
    compiled_code: str | None
    raw_code: str
    depends_on: tuple[str, ...]
    relation_name: str | None
    database: str | None
    schema: str | None
    alias: str | None
    dialect: str
    target: str
    macros: tuple[str, ...] = ()  # depends_on.macros: the macros the node calls directly

    @property
    def sql(self) -> str:
        if self.compiled_code is None:
            raise ManifestError(f"{self.unique_id} has no compiled_code in the {self.target} manifest")
        return self.compiled_code


@dataclass(frozen=True)
class ProjectCompile:
    """The compiled project of one target."""

    target: str
    adapter: str
    dialect: str
    nodes: Mapping[str, CompiledNode]
    target_database: str | None
    manifest_path: Path
    invocation_id: str = ""
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    macros: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # the project's own, by unique_id

    def models(self) -> list[CompiledNode]:
        return sorted((n for n in self.nodes.values() if n.resource_type == "model"), key=lambda n: n.name)

    def by_name(self, name: str) -> CompiledNode | None:
        for node in self.nodes.values():
            if node.resource_type == "model" and node.name == name:
                return node
        return None

    def select(self, selector: Selector) -> tuple[list[CompiledNode], list[str]]:
        """Models matching a selector, and the selector's names that match no model."""
        models = self.models()
        chosen: dict[str, CompiledNode] = {}
        for node in models:
            if node.name in selector.names or set(node.tags) & set(selector.tags) or any(
                fnmatch.fnmatch(node.original_file_path, pattern) for pattern in selector.paths
            ):
                chosen[node.unique_id] = node
        present = {n.name for n in models}
        missing = [name for name in selector.names if name not in present]
        return sorted(chosen.values(), key=lambda n: n.name), missing


def _node(raw: Mapping[str, Any], dialect: str, target: str) -> CompiledNode:
    config = raw.get("config") or {}
    meta = dict(raw.get("meta") or {})
    meta.update(config.get("meta") or {})
    return CompiledNode(
        unique_id=str(raw["unique_id"]),
        name=str(raw["name"]),
        resource_type=str(raw["resource_type"]),
        original_file_path=str(raw.get("original_file_path", "")),
        tags=tuple(str(t) for t in raw.get("tags") or ()),
        materialized=str(config.get("materialized", "")),
        meta=meta,
        grants=dict(config.get("grants") or {}),
        compiled_code=raw.get("compiled_code"),
        raw_code=str(raw.get("raw_code", "")),
        depends_on=tuple(str(d) for d in (raw.get("depends_on") or {}).get("nodes") or ()),
        macros=tuple(str(m) for m in (raw.get("depends_on") or {}).get("macros") or ()),
        relation_name=raw.get("relation_name"),
        database=raw.get("database"),
        schema=raw.get("schema"),
        alias=raw.get("alias"),
        dialect=dialect,
        target=target,
    )


def load_manifest(path: Path, target: str) -> ProjectCompile:
    """Read a manifest produced by `dbt compile --target <target>`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from exc
    metadata = data.get("metadata") or {}
    adapter = str(metadata.get("adapter_type", ""))
    if adapter not in DIALECTS:
        raise ManifestError(f"{path}: adapter_type {adapter!r} has no sqlglot dialect (known: {sorted(DIALECTS)})")
    dialect = DIALECTS[adapter]
    nodes = {uid: _node(raw, dialect, target) for uid, raw in (data.get("nodes") or {}).items()}
    target_db = None
    for raw in (data.get("nodes") or {}).values():
        if raw.get("resource_type") == "operation":
            target_db = raw.get("database")
            break
    return ProjectCompile(
        target=target, adapter=adapter, dialect=dialect, nodes=nodes, target_database=target_db,
        manifest_path=path, invocation_id=str(metadata.get("invocation_id", "")),
        sources={uid: dict(raw) for uid, raw in (data.get("sources") or {}).items()},
        macros={uid: dict(raw) for uid, raw in (data.get("macros") or {}).items()
                if raw.get("package_name") == metadata.get("project_name")},
    )


def check_compiled(compiles: Iterable[ProjectCompile]) -> None:
    """Every model must have compiled code (a manifest from `dbt parse` has none)."""
    for pc in compiles:
        missing = [n.name for n in pc.models() if n.compiled_code is None]
        if missing:
            raise ManifestError(f"{pc.manifest_path}: models without compiled_code ({', '.join(missing[:5])}): "
                                "run `dbt compile`, not `dbt parse`")


def require_target(compiles: Mapping[str, ProjectCompile], target: str) -> ProjectCompile:
    if target not in compiles:
        raise ConfigError(f"no compile for target '{target}'")
    return compiles[target]
