"""Bucket precedence (Constitution C-5: core bucket matching logic): each bucket model emits its fixed
priority, and the winner is chosen by bucket priority, then branch priority, ascending."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.dataflow import live, live_find
from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check, param
from redline.rules.phases import output_origins, resolve_phase
from redline.rules.union_guard import _literal_outputs
from redline.sqlast import conjuncts, parse, root_scope, set_operation_branches, upstream_scopes


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
    passthrough = {str(k).lower(): re.compile(str(v), re.IGNORECASE)
                   for k, v in dict(params.get("passthrough", {})).items()}
    found_recomputed: list[Problem] = []
    tie_break = [str(t) for t in params.get("tie_break", [])]
    for window in live_find(node.sql, node.dialect, exp.Window):
        assert isinstance(window, exp.Window)
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
        if ok and tie_break:
            rest = [(k.this if isinstance(k, exp.Ordered) and not k.args.get("desc") else k)
                    .sql(dialect=node.dialect).lower() for k in keys[len(columns):len(columns) + len(tie_break)]]
            want = [_order_key(t, node.dialect) for t in tie_break]
            if rest != want:
                found_recomputed.append(Problem(
                    node.name, f"the tie-break after {columns} is {rest}, not {want}",
                    f"order by {', '.join(columns + tie_break)}", anchor="row_number"))
                continue
        if ok:
            problems = list(_recomputed(node, window, passthrough))
            if not problems:
                return
            found_recomputed.extend(problems)
    if found_recomputed:
        yield from found_recomputed[:1]
        return
    yield Problem(node.name, f"no row_number() window ordered by {columns} ascending",
                  f"row_number() over (partition by ... order by {', '.join(columns)}, ...)", anchor="row_number")


def _order_key(text: str, dialect: str) -> str:
    """One ORDER BY key as the dialect prints it (formatting and letter case do not matter)."""
    import sqlglot

    return str(sqlglot.parse_one(text, dialect=dialect).sql(dialect=dialect)).lower()


def _recomputed(node: CompiledNode, window: exp.Window,
                passthrough: Mapping[str, re.Pattern[str]]) -> Iterator[Problem]:
    """The window's order columns named in `passthrough` must be the priorities the bucket models emit,
    passed through unchanged (not re-mapped by a CASE or arithmetic in a later CTE)."""
    scopes, _nodes = live(node.sql, node.dialect)
    enclosing = window.find_ancestor(exp.Select)
    owner = next((s for s in scopes if s.expression is enclosing), None)
    if owner is None:
        return
    order = window.args.get("order")
    for key in list(order.expressions) if order is not None else []:
        inner = key.this if isinstance(key, exp.Ordered) else key
        if not isinstance(inner, exp.Column) or inner.name.lower() not in passthrough:
            continue
        pattern = passthrough[inner.name.lower()]
        sources = dict((name, src) for name, (_n, src) in owner.selected_sources.items())
        src = sources.get(inner.table) if inner.table else (next(iter(sources.values())) if len(sources) == 1 else None)
        origins = output_origins(src, inner.name) if isinstance(src, Scope) else []
        for origin in origins:
            if origin.expression is not None or not pattern.search(origin.relation):
                got = origin.expression.sql(dialect=node.dialect)[:60] if origin.expression is not None \
                    else origin.relation
                yield Problem(node.name, f"{inner.name} is re-computed before the winner is chosen (`{got}`), "
                              "not the priority the bucket model emits",
                              f"{inner.name} passed through from the bucket models unchanged", anchor=inner.name)
                return


@model_check("branch_order")
def branch_order(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Within a set operation of the model, the branch labelled first in `order` (strict) gets a lower
    priority value than the next (fallback): the winner prefers strict matches."""
    label = str(params.get("label_column", "branch")).lower()
    column = str(param(params, "column", str)).lower()
    order = [str(x) for x in param(params, "order", list)]
    values: dict[str, object] = {}
    for scope in upstream_scopes(root_scope(parse(node.sql, node.dialect))):
        if scope.set_operation_scopes:
            for branch in set_operation_branches(scope):
                lits = _literal_outputs(branch)
                if label in lits and column in lits:
                    values[str(lits[label])] = lits[column]
    ranks = [values.get(name) for name in order]
    if any(r is None for r in ranks):
        yield Problem(node.name, f"no literal {column} for branches {order} (found {values})",
                      f"{column} literals per {label}", anchor=column)
        return
    for first, second, a, b in zip(order, order[1:], ranks, ranks[1:], strict=False):
        if not (isinstance(a, int | float) and isinstance(b, int | float) and a < b):
            yield Problem(node.name, f"{column} of '{first}' ({a}) is not below '{second}' ({b})",
                          f"{first} before {second}", anchor=column)


@model_check("no_filter_on")
def no_filter_on(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """No condition of the model drops candidates by their bucket or branch (e.g. `where branch = 'strict'`
    downstream of REF_ID_SERIES silently removes its fallback): the winner rule alone chooses among them."""
    columns = {str(c).lower() for c in param(params, "columns", list)}
    for scope in live(node.sql, node.dialect)[0]:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        terms = list(conjuncts(select.args.get("where"))) + list(conjuncts(select.args.get("having")))
        for join in select.args.get("joins") or []:
            terms.extend(conjuncts(join.args.get("on")))
        for term in terms:
            names = {c.name.lower() for c in term.find_all(exp.Column)}
            if names and names <= columns:
                yield Problem(node.name, f"candidates are filtered by `{term.sql(dialect=node.dialect)[:80]}`",
                              f"no filter on {sorted(columns)}: the winner ordering chooses", anchor="where")
