"""The check registry: a check is a small function registered by name; its docstring is the rationale.

Kinds: `model` checks get one compiled node at a time; `target` checks get the selected nodes of one
target's compile at once; `project` checks run once over all compiles (cross-target comparisons) or the
raw sources.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redline.config import EnvironmentMap
from redline.manifest import CompiledNode, ProjectCompile


class CheckError(Exception):
    """The check could not evaluate its input (unparseable SQL, bad parameters): exit code 2."""


@dataclass(frozen=True)
class Problem:
    """What a check found: a model that breaks the rule, what is missing and where to point."""

    model: str
    message: str
    missing: str
    anchor: str = ""  # text to locate in the model's source for file:line
    file: str = ""  # source file when not the model's own (raw-source checks)
    line: int = 0


@dataclass(frozen=True)
class CheckContext:
    """What every check can see besides its own input."""

    root: Path
    env_map: EnvironmentMap
    compiles: Mapping[str, ProjectCompile]
    target: str  # "*" for project checks
    focus: frozenset[str] | None = None  # only these models (mutation testing); None = all
    overrides: Mapping[str, str] = field(default_factory=dict)  # relpath -> source text (mutation testing)


ModelCheck = Callable[[CheckContext, CompiledNode, Mapping[str, Any]], Iterator[Problem]]
TargetCheck = Callable[[CheckContext, Sequence[CompiledNode], Mapping[str, Any]], Iterator[Problem]]
ProjectCheck = Callable[[CheckContext, Mapping[str, Any]], Iterator[Problem]]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    kind: str  # model | target | project
    func: Callable[..., Iterator[Problem]]
    doc: str


REGISTRY: dict[str, RegisteredCheck] = {}


def _register(name: str, kind: str) -> Callable[[Callable[..., Iterator[Problem]]], Callable[..., Iterator[Problem]]]:
    def wrap(func: Callable[..., Iterator[Problem]]) -> Callable[..., Iterator[Problem]]:
        if name in REGISTRY:
            raise RuntimeError(f"check '{name}' registered twice")
        REGISTRY[name] = RegisteredCheck(name, kind, func, (func.__doc__ or "").strip())
        return func

    return wrap


def model_check(name: str) -> Callable[[ModelCheck], ModelCheck]:
    """Register a check run once per selected model per target."""
    return _register(name, "model")


def target_check(name: str) -> Callable[[TargetCheck], TargetCheck]:
    """Register a check run once per target over all selected models."""
    return _register(name, "target")


def project_check(name: str) -> Callable[[ProjectCheck], ProjectCheck]:
    """Register a check run once over the whole project (all targets, raw sources)."""
    return _register(name, "project")


def get(name: str) -> RegisteredCheck:
    import redline.rules  # noqa: F401  (registers the checks)

    if name not in REGISTRY:
        raise CheckError(f"unknown check '{name}' (known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[name]


def param(params: Mapping[str, Any], key: str, kind: type, default: Any = None) -> Any:
    """Read one parameter with a type check; a missing required parameter is a CheckError."""
    if key not in params:
        if default is None:
            raise CheckError(f"parameter '{key}' is required")
        return default
    value = params[key]
    if not isinstance(value, kind):
        raise CheckError(f"parameter '{key}' must be {kind.__name__}, got {value!r}")
    return value
