"""Which columns and predicates of a model a red line protects (governance/redlines.yml).

A rule's checks say which models they apply to (``applies_to``: names, tags, path globs) and, through
their parameters, which columns they guard: ``column``/``columns``, the regex parameters
``year_columns``/``title_columns``/``correlation_columns`` and the ``domains`` of required predicates;
checks that guard a column without naming it in ``params`` use their documented default (``phase_value``
guards ``phase``, ``data_type_branch`` ``data_type``, ``year_guard`` ``year``). A model's protected
predicates are the WHERE/JOIN/HAVING conjuncts and window orderings of its compiled SQL that use a column
a pattern finds (regular expressions are searched, as the checks do; output columns must match whole).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redline.config import Rule, Selector
from viewership.column_lineage.extract import Filter, Relation

# Column parameters of the redline checks: (parameter, default, is a regular expression).
COLUMN_PARAMETERS: dict[str, tuple[tuple[str, str | None, bool], ...]] = {
    "phase_value": (("column", "phase", False),),
    "output_literal": (("column", None, False),),
    "window_order_prefix": (("columns", None, False),),
    "data_type_branch": (("column", "data_type", False),),
    "year_guard": (("year_columns", "year", True),),
    "union_fallback_guard": (("title_columns", "title", True), ("correlation_columns", "ref_id", True)),
}


@dataclass(frozen=True)
class Guard:
    """One rule's hold on one model: the column patterns it protects (none = the whole model only)."""

    rule: str
    title: str
    patterns: tuple[re.Pattern[str], ...]  # output columns and the columns of predicates
    predicate_patterns: tuple[re.Pattern[str], ...] = ()  # columns of required predicates (the input's)

    def protects(self, column: str) -> bool:
        """An output column is protected when a pattern matches its whole name."""
        return any(pattern.fullmatch(column) for pattern in self.patterns)

    def names(self, column: str) -> bool:
        """A predicate names a protected column when a pattern matches within a column it uses (as the
        redline checks read their regular expressions: ``title`` finds ``title_key``)."""
        return any(pattern.search(column) for pattern in (*self.patterns, *self.predicate_patterns))


def _applies(selector: Selector, relation: Relation) -> bool:
    return bool(relation.name in selector.names
                or set(relation.tags) & set(selector.tags)
                or any(fnmatch.fnmatch(relation.path, glob) for glob in selector.paths))


def _patterns(check: str, params: Mapping[str, Any]) -> list[re.Pattern[str]]:
    patterns: list[re.Pattern[str]] = []
    for name, default, is_regex in COLUMN_PARAMETERS.get(check, ()):
        value = params.get(name, default)
        values = value if isinstance(value, list) else [] if value is None else [value]
        for item in values:
            text = str(item).lower()
            patterns.append(re.compile(text if is_regex else re.escape(text), re.IGNORECASE))
    return patterns


def _predicate_patterns(params: Mapping[str, Any]) -> list[re.Pattern[str]]:
    """The columns of a required predicate (``predicates[].domains``): columns of the model's input."""
    return [re.compile(f"^{re.escape(str(column).lower())}$") for predicate in params.get("predicates") or []
            if isinstance(predicate, dict) for column in predicate.get("domains") or {}]


def guards(rules: Iterable[Rule], relation: Relation) -> list[Guard]:
    """The rules that hold on ``relation`` (a model), each with the columns it protects there."""
    found: list[Guard] = []
    for rule in rules:
        patterns: list[re.Pattern[str]] = []
        predicates: list[re.Pattern[str]] = []
        applies = False
        for check in rule.checks:
            if check.selector.is_empty() or not _applies(check.selector, relation):
                continue
            applies = True
            patterns.extend(_patterns(check.check, check.params))
            predicates.extend(_predicate_patterns(check.params))
        if applies:
            found.append(Guard(rule.id, rule.title, tuple(dict.fromkeys(patterns)), tuple(dict.fromkeys(predicates))))
    return found


def protected_columns(model_guards: Iterable[Guard], columns: Iterable[str]) -> dict[str, list[str]]:
    """column -> rule ids protecting it."""
    out: dict[str, list[str]] = {}
    for guard in model_guards:
        for column in columns:
            if guard.protects(column):
                out.setdefault(column, []).append(guard.rule)
    return out


def protected_predicates(model_guards: Iterable[Guard], filters: Iterable[Filter]) -> list[tuple[Filter, list[str]]]:
    """(predicate, rule ids) for every WHERE/JOIN/HAVING conjunct or window ordering naming a protected column."""
    model_guards = list(model_guards)
    out: list[tuple[Filter, list[str]]] = []
    for predicate in filters:
        rules = [guard.rule for guard in model_guards if any(guard.names(column) for column in predicate.columns)]
        if rules:
            out.append((predicate, rules))
    return out
