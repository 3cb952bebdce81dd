"""Everything dbt executes besides the models' SQL, read from a compile's manifest.json: pre/post-hooks of
models, snapshots and seeds, on-run-start/end operations, the project macros they call (transitively),
exposures and the compiled SQL of snapshots and seeds.

Hooks are stored unrendered (Jinja); `render_sketch` replaces the relation calls by stable placeholders
(`{{ source('upload', 'platform_viewership') }}` -> `__source__upload__platform_viewership`,
`{{ this }}` -> `__this__`, `{{ ref('m') }}` -> `__ref__m`) and drops control tags, which is enough to parse
the statements a hook runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from redline.manifest import ProjectCompile


@dataclass(frozen=True)
class Hook:
    owner: str  # node name, or on-run-start / on-run-end
    kind: str  # pre-hook | post-hook | on-run-start | on-run-end
    sql: str  # the hook as configured (Jinja)
    file: str  # where it is configured (the node's file or dbt_project.yml)


@lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> Mapping[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def manifest_data(compiled: ProjectCompile) -> Mapping[str, Any]:
    """The raw manifest of a compile ({} when the compile was not read from a file)."""
    path = compiled.manifest_path
    if not path.is_file():
        return {}
    return _load(str(path), path.stat().st_mtime)


def _hook_sqls(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item.get("sql"):
            out.append(str(item["sql"]))
        elif isinstance(item, str) and item:
            out.append(item)
    return out


def hooks(compiled: ProjectCompile) -> list[Hook]:
    """Every hook the project runs on this target."""
    out: list[Hook] = []
    for raw in (manifest_data(compiled).get("nodes") or {}).values():
        kind = str(raw.get("resource_type", ""))
        if kind == "operation":
            which = "on-run-start" if "on-run-start" in str(raw.get("unique_id", "")) else "on-run-end"
            out.append(Hook(which, which, str(raw.get("raw_code", "")), "dbt_project.yml"))
            continue
        if kind not in {"model", "snapshot", "seed"}:
            continue
        config = raw.get("config") or {}
        for key in ("pre-hook", "post-hook", "pre_hook", "post_hook"):
            for sql in _hook_sqls(config.get(key)):
                out.append(Hook(str(raw.get("name", "")), key.replace("_", "-"), sql,
                                str(raw.get("original_file_path", ""))))
    return out


def node_hooks(compiled: ProjectCompile, name: str, kind: str = "post-hook") -> list[Hook]:
    return [h for h in hooks(compiled) if h.owner == name and h.kind == kind]


def project_macros(compiled: ProjectCompile) -> dict[str, tuple[str, str]]:
    """name -> (macro SQL, file) for the project's own macros (not dbt's or an adapter's)."""
    data = manifest_data(compiled)
    project = str((data.get("metadata") or {}).get("project_name", ""))
    out: dict[str, tuple[str, str]] = {}
    for raw in (data.get("macros") or {}).values():
        if project and raw.get("package_name") != project:
            continue
        out[str(raw.get("name", ""))] = (str(raw.get("macro_sql", "")), str(raw.get("original_file_path", "")))
    return out


_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def expand(text: str, macros: Mapping[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, SQL) of the hook text and of every project macro it calls, transitively."""
    out: list[tuple[str, str]] = [("hook", text)]
    seen: set[str] = set()
    stack = [text]
    while stack:
        current = stack.pop()
        for name in _CALL.findall(current):
            if name in macros and name not in seen:
                seen.add(name)
                body = macros[name][0]
                out.append((name, body))
                stack.append(body)
    return out


_SOURCE = re.compile(r"source\(\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]\s*\)")
_REF = re.compile(r"ref\(\s*['\"]([^'\"]+)['\"]")


def render_sketch(text: str) -> str:
    """The hook/macro SQL with relation calls as placeholders and other Jinja removed (see module doc)."""
    from redline.rules.environment_scan import jinja_spans

    out: list[str] = []
    pos = 0
    for start, end in jinja_spans(text):
        out.append(text[pos:start])
        snippet = text[start:end]
        if snippet.startswith("{{"):
            inner = snippet[2:-2].strip()
            source = _SOURCE.search(inner)
            ref = _REF.search(inner)
            if inner == "this":
                out.append(" __this__ ")
            elif source:
                out.append(f" __source__{source.group(1)}__{source.group(2)} ")
            elif ref:
                out.append(f" __ref__{ref.group(1)} ")
            else:
                out.append(" __jinja__ ")
        else:
            out.append(" ")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def exposure_models(compiled: ProjectCompile) -> set[str]:
    """unique_ids of the models an exposure (the app, a dashboard) reads."""
    out: set[str] = set()
    for raw in (manifest_data(compiled).get("exposures") or {}).values():
        for uid in (raw.get("depends_on") or {}).get("nodes") or []:
            out.add(str(uid))
    return out


def executed_nodes(compiled: ProjectCompile) -> list[tuple[str, str, str, str]]:
    """(name, resource type, compiled SQL, file) of snapshots, seeds and operations with compiled code."""
    out: list[tuple[str, str, str, str]] = []
    for raw in (manifest_data(compiled).get("nodes") or {}).values():
        kind = str(raw.get("resource_type", ""))
        if kind in {"snapshot", "seed", "operation"} and raw.get("compiled_code"):
            out.append((str(raw.get("name", "")), kind, str(raw["compiled_code"]),
                        str(raw.get("original_file_path", ""))))
    return out
