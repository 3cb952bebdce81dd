"""Date and validation protections of DOMAIN §8.1, checked as literals/comparisons in the compiled AST
(string literals and comparisons, never comments)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sqlglot import exp

from redline.dataflow import impossible_comparison, live_find
from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check, param
from redline.sqlast import parse


def _string_literals(node: CompiledNode, live_only: bool = True) -> list[str]:
    """String literals of the compiled SQL; with live_only, only those that decide the output (in a scope the
    final select reads, not under a constant-false condition)."""
    found = live_find(node.sql, node.dialect, exp.Literal) if live_only else \
        list(parse(node.sql, node.dialect).find_all(exp.Literal))
    return [str(lit.this) for lit in found if isinstance(lit, exp.Literal) and lit.is_string]


@model_check("required_literal")
def required_literal(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """A string literal from `any_of` must appear in the compiled SQL (e.g. the month-name mapping's
    'january', lower-case quarter 'q1'); comments do not count."""
    options = [str(x) for x in param(params, "any_of", list)]
    case_sensitive = bool(params.get("case_sensitive", False))
    literals = _string_literals(node)
    if case_sensitive:
        found = any(opt in literals for opt in options)
    else:
        lowered = {x.lower() for x in literals}
        found = any(opt.lower() in lowered for opt in options)
    if not found:
        what = str(params.get("what", "required literal"))
        yield Problem(node.name, f"{what}: none of {options} appears as a string literal",
                      f"{what} ({' or '.join(repr(o) for o in options)})", anchor=str(params.get("anchor", "")))


@model_check("forbidden_literal")
def forbidden_literal(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """No string literal containing a forbidden marker (e.g. 'Missing week', the obsolete validation)."""
    markers = [str(x).lower() for x in param(params, "markers", list)]
    for lit in _string_literals(node, live_only=False):
        for marker in markers:
            if marker in lit.lower():
                yield Problem(node.name, f"string literal {lit!r} contains the forbidden marker {marker!r}",
                              f"no {marker!r}", anchor=lit)


_COMPARISONS = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.NEQ)


@model_check("year_guard")
def year_guard(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """A comparison of a year expression with the minimum year (>= 2000, > 1999, < 2000, <= 1999 or
    BETWEEN 2000 ...) must exist: placeholder dates such as 1970-01-01 are rejected (2025-12-08)."""
    minimum = int(params.get("minimum", 2000))
    pattern = re.compile(str(params.get("year_columns", "year")), re.IGNORECASE)
    def yearish(e: exp.Expr) -> bool:
        if any(pattern.search(c.name) for c in e.find_all(exp.Column)):
            return True
        return any(isinstance(x, exp.Year) or (isinstance(x, exp.Extract) and "year" in x.this.sql().lower())
                   for x in e.walk())

    def number(e: exp.Expr) -> int | None:
        while isinstance(e, exp.Cast | exp.Paren):
            e = e.this
        if isinstance(e, exp.Literal) and not e.is_string and str(e.this).isdigit():
            return int(str(e.this))
        return None

    accepted: dict[type[exp.Expr], set[int]] = {
        exp.GTE: {minimum}, exp.GT: {minimum - 1}, exp.LT: {minimum}, exp.LTE: {minimum - 1},
    }
    flipped: dict[type[exp.Expr], type[exp.Expr]] = {exp.GTE: exp.LTE, exp.GT: exp.LT, exp.LT: exp.GT, exp.LTE: exp.GTE}
    each = [re.compile(str(p), re.IGNORECASE) for p in params.get("each", [])]
    guarded: list[exp.Expr] = []  # year expressions found guarded
    for cmp in live_find(node.sql, node.dialect, *_COMPARISONS):
        pairs: list[tuple[exp.Expr, exp.Expr, type[exp.Expr] | None]] = [
            (cmp.expression, cmp.this, type(cmp)), (cmp.this, cmp.expression, None)]
        for side, other, kind in pairs:
            value = number(side)
            if value is None or not yearish(other):
                continue
            op = kind if kind is not None else flipped.get(type(cmp))  # literal on the left: flip
            if op in accepted and value in accepted[op]:
                guarded.append(other)
    for between in live_find(node.sql, node.dialect, exp.Between):
        low = number(between.args["low"])
        if low == minimum and yearish(between.this):
            guarded.append(between.this)
    if guarded:
        texts = [g.sql(dialect=node.dialect) for g in guarded]
        for pattern in each:
            if not any(pattern.search(t) for t in texts):
                yield Problem(node.name, f"the year guard (>= {minimum}) is missing on the date path "
                              f"`{pattern.pattern}` (guarded: {sorted(set(texts))[:4]})",
                              f"a year >= {minimum} guard on every date path ({pattern.pattern})",
                              anchor=str(params.get("anchor", "")))
        return
    yield Problem(node.name, f"no guard comparing a year with {minimum}",
                  f"a guard excluding dates with year < {minimum} (e.g. `year >= {minimum}`)",
                  anchor=str(params.get("anchor", "")))


@model_check("data_type_branch")
def data_type_branch(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """The model must branch on the record's data type: a comparison (=, IN, LIKE, CASE WHEN) of the
    data-type column with each of the given values (revenue vs viewership)."""
    column = str(params.get("column", "data_type")).lower()
    values = [str(v).lower() for v in param(params, "values", list)]
    seen: set[str] = set()
    for cmp in live_find(node.sql, node.dialect, exp.EQ, exp.NEQ, exp.In, exp.Like, exp.ILike):
        if impossible_comparison(cmp):
            continue  # lower(data_type) = 'Revenue' never holds
        if not any(c.name.lower() == column for c in cmp.find_all(exp.Column)):
            continue
        for lit in cmp.find_all(exp.Literal):
            if lit.is_string:
                text = str(lit.this).lower().strip("%")
                seen |= {v for v in values if v == text}
    missing = [v for v in values if v not in seen]
    if missing:
        yield Problem(node.name, f"no branch on {column} for {missing}",
                      f"a condition on {column} distinguishing {' vs '.join(values)}", anchor=column)
