"""What governance/ is read into: rules, their checks and selectors, waivers, and the ConfigError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A rules/waiver/project file that cannot be used (exit code 2)."""


@dataclass(frozen=True)
class Selector:
    """Which nodes a check applies to: by name, tag or path glob (any match selects)."""

    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.names or self.tags or self.paths)


@dataclass(frozen=True)
class CheckSpec:
    """One check of a rule: the registered check name, where it applies and its parameters."""

    check: str
    selector: Selector
    params: Mapping[str, Any]
    match: str = "all"  # all: every selected model must pass; any: at least one must
    label: str = ""


@dataclass(frozen=True)
class History:
    """Why the rule exists."""

    incident_date: str
    incident: str
    impact: str
    rationale: str
    owner: str


@dataclass(frozen=True)
class Rule:
    """A red line: id, title, severity, checks and history."""

    id: str
    title: str
    severity: str  # error | warning
    absolute: bool
    override: str
    history: History
    checks: tuple[CheckSpec, ...]
    remediation: str = ""
    example: str = ""


@dataclass(frozen=True)
class Waiver:
    """An exception from governance/exceptions.yml (validated separately: problems are failures)."""

    rule: str
    model: str
    reason: str
    approver: str
    expires: dt.date | None
    index: int
    problems: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Governance:
    """Everything read from governance/."""

    rules: tuple[Rule, ...]
    waivers: tuple[Waiver, ...]
    rules_path: Path
    waivers_path: Path

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id.lower() == rule_id.lower():
                return rule
        known = ", ".join(r.id for r in self.rules)
        raise ConfigError(f"unknown rule '{rule_id}' (known: {known})")
