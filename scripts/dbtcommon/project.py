"""The dbt project on disk: where its root is and its environment map (``vars.environments``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT_FILE = "dbt_project.yml"


class ProjectFileError(Exception):
    """No project found, or a dbt_project.yml that cannot be used; callers re-raise it as their own error."""


def find_project_root(*starts: Path) -> Path:
    """The nearest directory at or above each start (in order; default: the working directory) holding
    dbt_project.yml."""
    bases = [s.resolve() for s in starts] or [Path.cwd().resolve()]
    for base in bases:
        for candidate in (base, *base.parents):
            if (candidate / PROJECT_FILE).is_file():
                return candidate
    raise ProjectFileError(f"no {PROJECT_FILE} at or above {', '.join(str(b) for b in bases)}")


def read_environments(root: Path) -> dict[str, dict[str, Any]]:
    """vars.environments of root/dbt_project.yml: per target name, its map entries."""
    path = root / PROJECT_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectFileError(f"{path}: cannot read: {exc}") from exc
    envs = ((data or {}).get("vars") or {}).get("environments")
    if not isinstance(envs, dict) or not envs:
        raise ProjectFileError(f"{path}: vars.environments is missing or empty")
    return {str(k): dict(v) for k, v in envs.items() if isinstance(v, dict)}
