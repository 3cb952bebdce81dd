"""A mutant and its result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

Transform = Callable[[exp.Expr], bool]  # mutate a tree copy in place; False = not applicable


@dataclass(frozen=True)
class Mutant:
    """One change to one protected input, and whether the rule must flag it."""

    id: str
    rule: str
    model: str
    target: str
    operator: str
    description: str
    equivalent: bool
    sql: str | None = None
    grants: Mapping[str, Any] | None = None
    source: tuple[str, str] | None = None  # (relpath, text)
    also_check: tuple[str, ...] = ()  # models whose checks read the mutated model (e.g. downstream)
    everywhere: str = ""  # this projection is added on every compile (a target-independent edit)


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    flagged: bool
    detail: str
    by_error: bool = False  # flagged only as "could not evaluate" (exit 2), not as a violation

    @property
    def ok(self) -> bool:
        return self.flagged != self.mutant.equivalent
