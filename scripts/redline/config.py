"""Rules and waivers as data: governance/redlines.yml and governance/exceptions.yml.

The YAML decides which checks run, on which models, at what severity and with what parameters; Python only
defines the checks (see registry.py). Every problem in these files is a ConfigError naming the file and entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dbtcommon.project import ProjectFileError, read_environments
from redline.rule_types import CheckSpec, ConfigError, Governance, History, Rule, Selector, Waiver

# The public names, kept importable from this module.
__all__ = [
    "CheckSpec",
    "ConfigError",
    "EnvironmentMap",
    "Governance",
    "History",
    "Rule",
    "Selector",
    "Waiver",
    "load_environment_map",
    "load_governance",
    "load_rules",
    "load_waivers",
]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a string or a list of strings, got {value!r}")


def _selector(data: Any, where: str) -> Selector:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: applies_to must be a mapping with names/tags/paths")
    unknown = set(data) - {"names", "tags", "paths"}
    if unknown:
        raise ConfigError(f"{where}: unknown applies_to keys {sorted(unknown)}")
    sel = Selector(
        names=_strings(data.get("names"), f"{where}.names"),
        tags=_strings(data.get("tags"), f"{where}.tags"),
        paths=_strings(data.get("paths"), f"{where}.paths"),
    )
    return sel


def _required(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' is required and must be a non-empty string")
    return value.strip()


def load_rules(path: Path) -> tuple[Rule, ...]:  # noqa: C901 - validates every field of a rule entry, one message per problem
    """Parse redlines.yml into Rules; unknown check names are reported by the registry at run time."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read rules: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ConfigError(f"{path}: expected a top-level 'rules:' list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["rules"]):
        where = f"{path}: rules[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping")
        rule_id = _required(entry, "id", where)
        where = f"{path}: rule {rule_id}"
        if rule_id in seen:
            raise ConfigError(f"{where}: duplicate rule id")
        seen.add(rule_id)
        severity = entry.get("severity", "error")
        if severity not in {"error", "warning"}:
            raise ConfigError(f"{where}: severity must be error or warning, got {severity!r}")
        hist = entry.get("history")
        if not isinstance(hist, dict):
            raise ConfigError(f"{where}: 'history' (incident_date, incident, impact, rationale, owner) is required")
        history = History(
            incident_date=str(hist.get("incident_date", "")).strip() or "unknown",
            incident=_required(hist, "incident", f"{where}.history"),
            impact=_required(hist, "impact", f"{where}.history"),
            rationale=_required(hist, "rationale", f"{where}.history"),
            owner=_required(hist, "owner", f"{where}.history"),
        )
        raw_checks = entry.get("checks")
        if not isinstance(raw_checks, list) or not raw_checks:
            raise ConfigError(f"{where}: 'checks' must be a non-empty list")
        checks: list[CheckSpec] = []
        for j, c in enumerate(raw_checks):
            cw = f"{where}.checks[{j}]"
            if not isinstance(c, dict):
                raise ConfigError(f"{cw}: expected a mapping")
            match = c.get("match", "all")
            if match not in {"all", "any"}:
                raise ConfigError(f"{cw}: match must be all or any")
            params = c.get("params") or {}
            if not isinstance(params, dict):
                raise ConfigError(f"{cw}: params must be a mapping")
            checks.append(CheckSpec(
                check=_required(c, "check", cw),
                selector=_selector(c.get("applies_to", {}), cw),
                params=params,
                match=match,
                label=str(c.get("label", "")),
            ))
        absolute = bool(entry.get("absolute", False))
        override = str(entry.get("override", "")).strip()
        if not absolute and not override:
            raise ConfigError(f"{where}: a rule that is not absolute needs an 'override' procedure")
        rules.append(Rule(
            id=rule_id,
            title=_required(entry, "title", where),
            severity=severity,
            absolute=absolute,
            override=override or "None: this red line is absolute and cannot be overridden or waived.",
            history=history,
            checks=tuple(checks),
            remediation=str(entry.get("remediation", "")).strip(),
            example=str(entry.get("example", "")).strip(),
        ))
    return tuple(rules)


def as_date(value: Any) -> dt.date | None:
    """A YAML date (date, datetime or ISO text) as a date; None when it is none of those."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def load_waivers(path: Path, rules: Sequence[Rule], today: dt.date) -> tuple[Waiver, ...]:  # noqa: C901 - validates every field of a waiver, one problem per missing or bad field
    """Parse exceptions.yml; incomplete, expired or unwaivable entries carry their problems (a failure)."""
    if not path.exists():
        return ()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read waivers: {exc}") from exc
    entries = data.get("exceptions") if isinstance(data, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'exceptions' must be a list")
    by_id = {r.id: r for r in rules}
    waivers: list[Waiver] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: exceptions[{i}] must be a mapping")
        problems: list[str] = []
        values: dict[str, str] = {}
        for key in ("rule", "model", "reason", "approver"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"'{key}' is missing")
            values[key] = str(value or "").strip()
        expires = as_date(entry.get("expiry", entry.get("expires")))
        if expires is None:
            problems.append("'expiry' is missing or not a YYYY-MM-DD date")
        elif expires < today:
            problems.append(f"expired on {expires.isoformat()}")
        rule = by_id.get(values["rule"])
        if values["rule"] and rule is None:
            problems.append(f"rule '{values['rule']}' does not exist")
        elif rule is not None and rule.absolute:
            problems.append(f"{rule.id} is absolute and cannot be waived")
        waivers.append(Waiver(
            rule=values["rule"], model=values["model"], reason=values["reason"],
            approver=values["approver"], expires=expires, index=i, problems=tuple(problems),
        ))
    return tuple(waivers)


def load_governance(root: Path, today: dt.date | None = None,
                    rules_path: Path | None = None, waivers_path: Path | None = None) -> Governance:
    """Read both governance files of a project."""
    rp = rules_path or root / "governance" / "redlines.yml"
    wp = waivers_path or root / "governance" / "exceptions.yml"
    rules = load_rules(rp)
    waivers = load_waivers(wp, rules, today or dt.datetime.now(dt.UTC).date())
    return Governance(rules=rules, waivers=waivers, rules_path=rp, waivers_path=wp)


@dataclass(frozen=True)
class EnvironmentMap:
    """vars.environments of dbt_project.yml: per target, the databases and env-bound table names."""

    targets: Mapping[str, Mapping[str, Any]]

    def databases(self, target: str) -> frozenset[str]:
        """Database names this target's map uses (upper-cased; empty for local targets)."""
        out: set[str] = set()
        for value in self.targets.get(target, {}).values():
            if isinstance(value, dict) and value.get("database"):
                out.add(str(value["database"]).upper())
        return frozenset(out)

    def schemas(self, target: str) -> frozenset[str]:
        out: set[str] = set()
        for value in self.targets.get(target, {}).values():
            if isinstance(value, dict) and value.get("schema"):
                out.add(str(value["schema"]).upper())
        return frozenset(out)

    def location(self, target: str, name: str) -> Mapping[str, Any]:
        entry = self.targets.get(target, {}).get(name)
        if not isinstance(entry, dict):
            raise ConfigError(f"location '{name}' is not defined for target '{target}' in vars.environments")
        return entry

    def table_names(self, target: str) -> frozenset[str]:
        """Env-bound table names (scalar entries such as episode_details_table), upper-cased."""
        return frozenset(str(v).upper() for v in self.targets.get(target, {}).values()
                         if isinstance(v, str) and v)

    def all_databases(self) -> frozenset[str]:
        return frozenset().union(*(self.databases(t) for t in self.targets)) if self.targets else frozenset()

    def all_table_names(self) -> frozenset[str]:
        return frozenset().union(*(self.table_names(t) for t in self.targets)) if self.targets else frozenset()

    def hard_coded_names(self) -> frozenset[str]:
        """Every name RL-3 forbids in raw sources: all env databases and env-bound table names."""
        return self.all_databases() | self.all_table_names()


def load_environment_map(root: Path) -> EnvironmentMap:
    """Read vars.environments from dbt_project.yml (the only place naming environment databases)."""
    try:
        envs = read_environments(root)
    except ProjectFileError as exc:
        raise ConfigError(str(exc)) from exc
    return EnvironmentMap(targets=envs)
