"""sqlglot helpers the mutation operators share: parse a condition, rebuild a WHERE, enumerate variants."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from redline.sqlast import conjuncts, equivalent


def _cond(sql: str, dialect: str) -> exp.Expr:
    where = sqlglot.parse_one(f"select 1 where {sql}", dialect=dialect).args["where"]
    cond: exp.Expr = where.this
    return cond


def _rebuild_where(select: exp.Expr, terms: Sequence[exp.Expr]) -> None:
    if not terms:
        select.set("where", None)
        return
    cond = terms[0]
    for term in terms[1:]:
        cond = exp.and_(cond, term)
    select.set("where", exp.Where(this=cond))


def _variants(tree: exp.Expr, dialect: str, count: int, transform: Callable[[exp.Expr, int], bool]) -> Iterator[str]:
    """Apply a transform to the i-th target in a fresh copy, for every i; yield the SQL of each applicable one."""
    for i in range(count):
        copy = tree.copy()
        if transform(copy, i):
            yield copy.sql(dialect=dialect)


def _matching_conjuncts(tree: exp.Expr, required: exp.Expr,
                        domains: Mapping[str, Sequence[Any]]) -> list[tuple[exp.Select, exp.Expr]]:
    out: list[tuple[exp.Select, exp.Expr]] = []
    for select in tree.find_all(exp.Select):
        for term in conjuncts(select.args.get("where")):
            if equivalent(term, required, domains):
                out.append((select, term))
    return out


def _ancestors(node: exp.Expr, stop: exp.Expr) -> Iterator[exp.Expr]:
    current = node.parent
    while current is not None and current is not stop:
        yield current
        current = current.parent
