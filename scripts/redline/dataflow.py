"""Data-flow helpers: which parts of a query decide its output.

A protected construct counts only when it reaches the output. A scope is *live* when the final select reads
it (FROM/JOIN, set-operation branches, WHERE/HAVING subqueries, scalar subqueries) through live scopes, and
its own conditions are not constant-false: a WHERE/HAVING/inner-JOIN condition that sqlglot's simplifier
reduces to FALSE (`and 1 = 0`, `and false`, a var() rendered to a false literal) keeps no row, so nothing in
that scope decides anything. Inside a live scope, a CASE branch whose condition simplifies to FALSE is dead,
and so is the THEN of `case when <constant true> ...` for every later branch.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.scope import Scope
from sqlglot.optimizer.simplify import simplify

from redline.sqlast import parse, root_scope, unparen

_SCOPE_BOUNDARIES = (exp.Select, exp.SetOperation, exp.Subquery, exp.With, exp.CTE)


def constant(cond: exp.Expr | None) -> bool | None:
    """True/False when the condition is constant (after simplification), None when it depends on the row."""
    if cond is None:
        return None
    node = unparen(cond.this if isinstance(cond, exp.Where | exp.Having) else cond)
    if not any(isinstance(n, exp.Boolean | exp.Literal | exp.Null) for n in node.walk()):
        return None  # no constant inside: nothing to resolve (and no simplifier cost)
    try:
        reduced = unparen(simplify(_without_impossible(node.copy())))
    except (OptimizeError, RecursionError, ValueError, TypeError):
        return None
    if isinstance(reduced, exp.Boolean):
        return bool(reduced.this)
    if isinstance(reduced, exp.Null):
        return False
    return None


def impossible_comparison(node: exp.Expr) -> bool:
    """`lower(x) = 'Revenue'` / `upper(x) = 'q1'`: an equality no real value can satisfy (the case-folded side
    never has the other letter case)."""
    if not isinstance(node, exp.EQ):
        return False
    for fold, lit in ((node.this, node.expression), (node.expression, node.this)):
        fold, lit = unparen(fold), unparen(lit)
        if isinstance(lit, exp.Literal) and lit.is_string:
            text = str(lit.this)
            if isinstance(fold, exp.Lower) and text != text.lower():
                return True
            if isinstance(fold, exp.Upper) and text != text.upper():
                return True
    return False


def _without_impossible(node: exp.Expr) -> exp.Expr:
    for eq in list(node.find_all(exp.EQ)):
        if impossible_comparison(eq):
            if eq is node:
                return exp.false()
            eq.replace(exp.false())
    return node


def scope_is_dead(scope: Scope) -> bool:
    """The scope keeps no row whatever the data: a constant-false WHERE/HAVING, inner JOIN ON or LIMIT 0."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        return False
    if constant(select.args.get("where")) is False or constant(select.args.get("having")) is False:
        return True
    for join in select.args.get("joins") or []:
        side = (join.side or "").upper()
        if not side and constant(join.args.get("on")) is False:
            return True
    limit = select.args.get("limit")
    if isinstance(limit, exp.Limit):
        value = limit.expression
        if isinstance(value, exp.Literal) and not value.is_string and str(value.this) == "0":
            return True
    return False


def live_scopes(scope: Scope) -> list[Scope]:
    """The scope and every live scope it reads (rows or conditions) from, transitively; dead scopes and
    everything read only through them are left out. A set operation whose branches are all dead is dead."""
    seen: list[Scope] = []

    def visit(current: Scope) -> bool:
        if any(current is s for s in seen):
            return True
        if scope_is_dead(current):
            return False
        if current.set_operation_scopes:
            alive = [child for child in current.set_operation_scopes if visit(child)]
            if not alive:
                return False
            seen.append(current)
            return True
        seen.append(current)
        for _name, (_node, source) in current.selected_sources.items():
            if isinstance(source, Scope):
                visit(source)
        for sub in current.subquery_scopes:
            visit(sub)
        return True

    visit(scope)
    return seen


def live_branches(scope: Scope) -> list[Scope]:
    """The live leaf branches of a set-operation scope (flattened)."""
    out: list[Scope] = []
    for child in scope.set_operation_scopes:
        if scope_is_dead(child):
            continue
        if isinstance(child.expression, exp.SetOperation):
            out.extend(live_branches(child))
        else:
            out.append(child)
    return out


def own_nodes(scope: Scope) -> Iterator[exp.Expr]:
    """The nodes of one scope's own expression (not of its CTEs, subqueries or branches), with dead CASE
    branches pruned."""
    root = scope.expression

    def walk(node: exp.Expr) -> Iterator[exp.Expr]:
        yield node
        if isinstance(node, exp.Case):
            yield from _live_case_parts(node, walk)
            return
        if isinstance(node, exp.And | exp.Or):
            # `x and <false>` / `x or <true>`: x decides nothing
            absorbing = isinstance(node, exp.And) is False
            if any(constant(side) is absorbing for side in (node.left, node.right)):
                return
        for child in node.iter_expressions():
            if child is not root and isinstance(child, _SCOPE_BOUNDARIES):
                continue
            yield from walk(child)

    yield from walk(root)


def _live_case_parts(case: exp.Case, walk: object) -> Iterator[exp.Expr]:
    assert callable(walk)
    if case.this is not None:
        yield from walk(case.this)
    for when in case.args.get("ifs") or []:
        verdict = constant(when.this) if case.this is None else None
        if verdict is False:
            continue
        yield from walk(when.this)
        yield from walk(when.args["true"])
        if verdict is True:
            return  # later branches and the default are unreachable
    default = case.args.get("default")
    if default is not None:
        yield from walk(default)


@lru_cache(maxsize=256)
def _live(sql: str, dialect: str) -> tuple[tuple[Scope, ...], tuple[exp.Expr, ...]]:
    scopes = tuple(live_scopes(root_scope(parse(sql, dialect))))
    nodes = tuple(n for s in scopes for n in own_nodes(s))
    return scopes, nodes


def live(sql: str, dialect: str) -> tuple[tuple[Scope, ...], tuple[exp.Expr, ...]]:
    """(live scopes, nodes of the live scopes) of a compiled query (cached)."""
    return _live(sql, dialect)


def live_find(sql: str, dialect: str, *kinds: type[exp.Expr]) -> list[exp.Expr]:
    """Nodes of the given kinds that decide the query's output (in a live scope, not in a dead branch)."""
    return [n for n in live(sql, dialect)[1] if isinstance(n, kinds)]
