"""Read the dbt project's own configuration from Python: the environment map and the profile targets.

The environment map lives only in ``dbt_project.yml`` (vars.environments, red line RL-3) and connection
settings only in ``profiles.yml``; this module reads both instead of repeating them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from dbtcommon.project import ProjectFileError, find_project_root, read_environments


class ProjectError(Exception):
    """Configuration that cannot be used (unknown target, missing profile, bad map)."""


def project_root() -> Path:
    """The dbt project directory: $VIEWERSHIP_PROJECT_DIR, else the nearest parent (of the working directory,
    then of this package) with dbt_project.yml."""
    env = os.environ.get("VIEWERSHIP_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    try:
        return find_project_root(Path.cwd(), Path(__file__))
    except ProjectFileError as exc:
        raise ProjectError("cannot find dbt_project.yml (set VIEWERSHIP_PROJECT_DIR)") from exc


@dataclass(frozen=True)
class Location:
    """Where a logical location lives on a target; database None means the connection's own database."""

    database: str | None
    schema: str


@cache
def _environments(root: Path) -> dict[str, dict[str, Any]]:
    try:
        return read_environments(root)
    except ProjectFileError as exc:
        raise ProjectError(str(exc)) from exc


def environment_map(target: str, root: Path | None = None) -> dict[str, Any]:
    """The environment map entry of one target name."""
    envs = _environments(root or project_root())
    if target not in envs:
        known = ", ".join(sorted(envs))
        raise ProjectError(f"target '{target}' is not in the environment map (vars.environments: {known})")
    return dict(envs[target])


def location(target: str, name: str, root: Path | None = None) -> Location:
    """Resolve a logical location (upload, catalog, dictionary, ...) for a target."""
    entry = environment_map(target, root).get(name)
    if not isinstance(entry, dict) or "schema" not in entry:
        raise ProjectError(f"location '{name}' is not defined for target '{target}' in vars.environments")
    return Location(database=entry.get("database"), schema=str(entry["schema"]))


def _render(value: Any, env: jinja2.Environment) -> Any:
    if isinstance(value, dict):
        return {k: _render(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, env) for v in value]
    if isinstance(value, str) and "{{" in value:
        rendered = env.from_string(value).render()
        return int(rendered) if rendered.isdigit() and "as_number" in value else rendered
    return value


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ProjectError(f"environment variable {name} is required by profiles.yml and is not set")
    return value


def profiles_path(root: Path | None = None) -> Path:
    """profiles.yml: $DBT_PROFILES_DIR, else the project directory."""
    directory = Path(os.environ.get("DBT_PROFILES_DIR") or (root or project_root()))
    path = directory / "profiles.yml"
    if not path.is_file():
        raise ProjectError(f"{path} not found: run 'make setup' (it copies profiles.example.yml)")
    return path


def target_config(target: str | None = None, root: Path | None = None) -> tuple[str, dict[str, Any]]:
    """Render one output of the dbt profile with the same env_var() rules dbt uses."""
    with profiles_path(root).open(encoding="utf-8") as fh:
        profiles = yaml.safe_load(fh) or {}
    profile = profiles.get("viewership")
    if not isinstance(profile, dict):
        raise ProjectError("profiles.yml has no 'viewership' profile")
    env = jinja2.Environment(autoescape=False)
    env.globals["env_var"] = _env_var
    env.filters["as_number"] = lambda v: v
    name = target or os.environ.get("DBT_TARGET") or str(_render(profile.get("target", "dev"), env))
    outputs = profile.get("outputs") or {}
    if name not in outputs:
        raise ProjectError(f"target '{name}' is not an output of profiles.yml ({', '.join(sorted(outputs))})")
    return name, dict(_render(outputs[name], env))
