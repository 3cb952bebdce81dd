"""Date and validation protections of DOMAIN §8.1, checked as literals/comparisons in the compiled AST
(string literals and comparisons, never comments)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sqlglot import exp

from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check, param
from redline.sqlast import parse


def _string_literals(node: CompiledNode) -> list[str]:
    return [str(lit.this) for lit in parse(node.sql, node.dialect).find_all(exp.Literal) if lit.is_string]


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
    for lit in _string_literals(node):
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
    tree = parse(node.sql, node.dialect)

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

    accepted = {
        exp.GTE: {minimum}, exp.GT: {minimum - 1}, exp.LT: {minimum}, exp.LTE: {minimum - 1},
    }
    flipped = {exp.GTE: exp.LTE, exp.GT: exp.LT, exp.LT: exp.GT, exp.LTE: exp.GTE}
    for cmp in tree.find_all(*_COMPARISONS):
        for side, other, kind in ((cmp.expression, cmp.this, type(cmp)), (cmp.this, cmp.expression, None)):
            value = number(side)
            if value is None or not yearish(other):
                continue
            op = kind if kind is not None else flipped.get(type(cmp))  # literal on the left: flip
            if op in accepted and value in accepted[op]:
                return
    for between in tree.find_all(exp.Between):
        low = number(between.args["low"])
        if low == minimum and yearish(between.this):
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
    tree = parse(node.sql, node.dialect)
    seen: set[str] = set()
    for cmp in tree.find_all(exp.EQ, exp.NEQ, exp.In, exp.Like, exp.ILike):
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
