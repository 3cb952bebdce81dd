"""Compile the project for lineage (dbt compile --target dev, cached) and cache the lineage by manifest hash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from viewership.column_lineage.extract import ColumnLineageError, ProjectLineage, analyse_manifest, manifest_hash

CACHE_FILE = "column_lineage.json"


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ColumnLineageError(f"{path}: cannot read the manifest ({exc}); run `dbt compile` first") from exc
    if not isinstance(data, dict) or "nodes" not in data:
        raise ColumnLineageError(f"{path}: not a dbt manifest (no `nodes`)")
    return data


def load_or_analyse(manifest: dict[str, Any], cache_path: Path | None) -> tuple[ProjectLineage, bool]:
    """The project's lineage, from ``cache_path`` when it was computed for the same manifest hash
    (True), else computed now and written there (False)."""
    digest = manifest_hash(manifest)
    if cache_path is not None and cache_path.is_file():
        try:
            cached = ProjectLineage.from_json(json.loads(cache_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, ColumnLineageError):
            cached = None
        if cached is not None and cached.manifest_hash == digest:
            return cached, True
    project = analyse_manifest(manifest)
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(project.to_json()), encoding="utf-8")
    return project, False


def compile_dev(root: Path, work_dir: Path) -> tuple[Path, float]:
    """``dbt compile --target dev`` (DuckDB, a private empty database; is_incremental() answered false so
    the full-build SQL is analysed) into ``work_dir/dev``; skipped when the project's inputs did not
    change since the last compile there. Returns the manifest path and the compile seconds (0 = reused)."""
    from redline.compiler import CompileError, compile_targets

    try:
        result = compile_targets(["dev"], root, work_dir, assume_incremental=False)["dev"]
    except CompileError as exc:
        raise ColumnLineageError(str(exc)) from exc
    return result.manifest, result.seconds
