"""Bucket precedence (Constitution C-5: core bucket matching logic): each bucket model emits its fixed
priority, and the winner is chosen by bucket priority, then branch priority, ascending."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlglot import exp

from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check, param
from redline.rules.phases import resolve_phase
from redline.sqlast import parse


@model_check("output_literal")
def output_literal(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """The output column must be the given literal on every branch (e.g. a bucket's priority)."""
    column = str(param(params, "column", str))
    expected = str(params.get("value"))
    origins = resolve_phase(ctx, node, column)
    if not origins:
        yield Problem(node.name, f"the output has no `{column}` column", f"{column} = {expected}", anchor=column)
    for _model, origin in origins:
        e = origin.expression
        if not isinstance(e, exp.Literal) or str(e.this) != expected:
            got = e.sql(dialect=node.dialect) if e is not None else f"{origin.relation}.{origin.column}"
            yield Problem(node.name, f"{column} is `{got[:60]}`, expected {expected}", f"{column} = {expected}",
                          anchor=f"as {column}")


@model_check("window_order_prefix")
def window_order_prefix(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """A row_number() window must order by the given columns first, ascending (the winner rule: bucket
    priority, then strict before fallback)."""
    columns = [str(c).lower() for c in param(params, "columns", list)]
    tree = parse(node.sql, node.dialect)
    for window in tree.find_all(exp.Window):
        if not isinstance(window.this, exp.RowNumber):
            continue
        order = window.args.get("order")
        keys = list(order.expressions) if order is not None else []
        if len(keys) < len(columns):
            continue
        ok = True
        for key, column in zip(keys, columns, strict=False):
            inner = key.this if isinstance(key, exp.Ordered) else key
            desc = bool(key.args.get("desc")) if isinstance(key, exp.Ordered) else False
            if desc or not isinstance(inner, exp.Column) or inner.name.lower() != column:
                ok = False
                break
        if ok:
            return
    yield Problem(node.name, f"no row_number() window ordered by {columns} ascending",
                  f"row_number() over (partition by ... order by {', '.join(columns)}, ...)", anchor="row_number")
