"""Behavioural probes as data: governance/probes/*.yml.

A probe names the protected model(s) it executes (by name, in order: a later model reads an earlier one's
output), small input relations by LOGICAL name (a model name, or a source as `source.table` / `table`),
rows for `{{ this }}` (the rows the model already holds, read by its incremental render), and assertions
over the output. A probe with `scope: manifest` executes no model: its assertions query the target's
compiled manifest as tables (manifest.nodes, manifest.reads, manifest.locations; see runner.manifest_plan).
An assertion is a DuckDB query that must return no row (each row it returns is a counterexample) or,
with `expect`, exactly the given rows (order-insensitive). Columns a row does not give are NULL. Which red
line runs which probe is said in governance/redlines.yml (`probes: [ids]`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from redline.config import ConfigError

BRANCHES = ("first_run", "incremental")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Assertion:
    """A property of the output: `sql` returns no row, or exactly the `expect` rows."""

    name: str
    sql: str
    message: str
    expect: tuple[tuple[Any, ...], ...] | None = None
    branches: tuple[str, ...] = BRANCHES


@dataclass(frozen=True)
class Probe:
    id: str
    description: str
    models: tuple[str, ...]
    inputs: Mapping[str, tuple[Row, ...]]
    previous: Mapping[str, tuple[Row, ...]]
    assertions: tuple[Assertion, ...]
    branches: tuple[str, ...]
    file: str
    line: int
    scope: str = "models"  # models: execute the models; manifest: assertions over the compiled manifest


def _rows(value: Any, where: str) -> tuple[Row, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ConfigError(f"{where}: expected a list of rows (mappings column: value)")
    for i, row in enumerate(value):
        for key in row:
            if not isinstance(key, str) or not _NAME.match(key) or "." in key:
                raise ConfigError(f"{where}[{i}]: bad column name {key!r}")
    return tuple(dict(r) for r in value)


def _relations(value: Any, where: str) -> dict[str, tuple[Row, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping relation -> rows")
    out: dict[str, tuple[Row, ...]] = {}
    for name, rows in value.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}: bad relation name {name!r} (a model name or source.table)")
        out[name] = _rows(rows, f"{where}.{name}")
    return out


def _branches(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return BRANCHES
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or any(b not in BRANCHES for b in items):
        raise ConfigError(f"{where}: branches must be a non-empty list of {list(BRANCHES)}, got {value!r}")
    return tuple(items)


def _assertion(data: Any, where: str, probe_branches: tuple[str, ...]) -> Assertion:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with name, sql, message")
    unknown = set(data) - {"name", "sql", "message", "expect", "branches"}
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("name", "sql"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{where}: '{key}' is required")
    expect = data.get("expect")
    rows: tuple[tuple[Any, ...], ...] | None = None
    if expect is not None:
        if not isinstance(expect, list) or not all(isinstance(r, list) for r in expect):
            raise ConfigError(f"{where}: expect must be a list of rows (lists of values)")
        rows = tuple(tuple(r) for r in expect)
    branches = _branches(data.get("branches"), f"{where}.branches")
    return Assertion(name=data["name"].strip(), sql=data["sql"].strip(),
                     message=str(data.get("message") or data["name"]).strip(), expect=rows,
                     branches=tuple(b for b in branches if b in probe_branches))


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that records the line of every mapping (to point a veto at the probe)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = dict(loader.construct_mapping(node, deep=True))
    mapping["__line__"] = node.start_mark.line + 1
    return {str(k): v for k, v in mapping.items()}


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def load_probe_file(path: Path, root: Path) -> list[Probe]:
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{rel}: cannot read probes: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("probes"), list):
        raise ConfigError(f"{rel}: expected a top-level 'probes:' list")
    probes: list[Probe] = []
    for i, entry in enumerate(data["probes"]):
        if not isinstance(entry, dict):
            raise ConfigError(f"{rel}: probes[{i}]: expected a mapping")
        line = int(entry.get("__line__", 1))
        entry = _strip_lines(entry)
        pid = entry.get("id")
        if not isinstance(pid, str) or not _ID.match(pid):
            raise ConfigError(f"{rel}: probes[{i}]: 'id' is required (letters, digits, . _ -)")
        where = f"{rel}: probe {pid}"
        unknown = set(entry) - {"id", "description", "models", "inputs", "this", "assert", "branches", "scope"}
        if unknown:
            raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
        scope = entry.get("scope", "models")
        if scope not in {"models", "manifest"}:
            raise ConfigError(f"{where}: scope must be models or manifest, got {scope!r}")
        models = entry.get("models", [] if scope == "manifest" else None)
        if isinstance(models, str):
            models = [models]
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models) or (
                scope == "models" and not models):
            raise ConfigError(f"{where}: 'models' must name the protected model(s) to execute")
        branches = _branches(entry.get("branches"), f"{where}.branches")
        raw_asserts = entry.get("assert")
        if not isinstance(raw_asserts, list) or not raw_asserts:
            raise ConfigError(f"{where}: 'assert' must be a non-empty list")
        assertions = tuple(_assertion(a, f"{where}.assert[{j}]", branches) for j, a in enumerate(raw_asserts))
        previous = _relations(entry.get("this"), f"{where}.this")
        for name in previous:
            if name not in models:
                raise ConfigError(f"{where}.this: {name} is not one of the probe's models {models}")
        probes.append(Probe(
            id=pid, description=str(entry.get("description", "")).strip(), models=tuple(models),
            inputs=_relations(entry.get("inputs"), f"{where}.inputs"), previous=previous,
            assertions=assertions, branches=branches, file=rel, line=line, scope=scope,
        ))
    return probes


def load_probes(root: Path) -> dict[str, Probe]:
    """Every probe of governance/probes/*.yml by id (ids are unique across files)."""
    out: dict[str, Probe] = {}
    folder = root / "governance" / "probes"
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        for probe in load_probe_file(path, root):
            if probe.id in out:
                raise ConfigError(f"{probe.file}: probe id {probe.id} is also defined in {out[probe.id].file}")
            out[probe.id] = probe
    return out


def rule_probes(root: Path, rules_path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """`probes: [ids]` of each rule in governance/redlines.yml."""
    path = rules_path or root / "governance" / "redlines.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: cannot read rules: {exc}") from exc
    out: dict[str, tuple[str, ...]] = {}
    for entry in (data or {}).get("rules") or []:
        if not isinstance(entry, dict) or "probes" not in entry:
            continue
        ids = entry["probes"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ConfigError(f"redlines.yml: rule {entry.get('id')}: probes must be a list of probe ids")
        out[str(entry.get("id"))] = tuple(ids)
    return out


def probed_models(probes: Sequence[Probe]) -> list[str]:
    return sorted({m.split(".v")[0] for p in probes for m in p.models})
