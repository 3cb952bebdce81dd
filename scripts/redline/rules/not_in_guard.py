"""RL-2: a fallback guard written as `NOT IN (subquery)` counts as the NOT EXISTS guard only when it is NULL-safe.

`x not in (select c from t where <corr>)` equals `not exists (select 1 from t where <corr> and c = x)` only
when neither side can be NULL: one NULL `c` makes the NOT IN unknown for every record (the fallback
vanishes), and a NULL `x` drops the record where NOT EXISTS keeps it. So the subquery column must be provably
non-null (`c is not null` in the subquery, or `coalesce(c, <literal>)`), and the record's side must be
non-null too (`coalesce(x, <literal>)`) or OR-ed with `x is null`. The remaining correlation is then compared
on the declared keys exactly as a NOT EXISTS guard's is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.dataflow import scope_is_dead
from redline.sqlast import conjuncts, unparen, upstream_scopes

GuardIssue = Callable[[list[exp.Expr], Callable[[exp.Column], bool]], str]


def _is_null_test(node: exp.Expr) -> exp.Expr | None:
    """`X IS NULL` -> X."""
    node = unparen(node)
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null) and not node.args.get("negate"):
        tested: exp.Expr = node.this
        return tested
    return None


def _is_not_null_test(node: exp.Expr) -> exp.Expr | None:
    """`X IS NOT NULL` (`NOT (X IS NULL)`) -> X."""
    node = unparen(node)
    if isinstance(node, exp.Not):
        return _is_null_test(node.this)
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null) and node.args.get("negate"):
        tested: exp.Expr = node.this
        return tested
    return None


def _membership(node: exp.Expr) -> tuple[exp.Expr, exp.Expr, bool] | None:
    """(left side, subquery, negated?) of `x in (subquery)`, or of `x <> all (subquery)` (how the Snowflake
    dialect reads `x not in (subquery)`)."""
    if isinstance(node, exp.In) and node.args.get("query") is not None:
        return node.this, node.args["query"], False
    if isinstance(node, exp.NEQ) and isinstance(node.expression, exp.All):
        return node.this, node.expression.this, True
    return None


def not_in_nodes(cond: exp.Expr) -> Iterator[tuple[exp.Expr, exp.Expr, bool, str]]:
    """(left side, subquery, negated?, note) of each IN-subquery found shallowly in a condition. The note is
    'null-checked' when a NOT IN is OR-ed only with `<its left side> IS NULL`, 'extra' when OR-ed with
    anything else, '' otherwise."""

    def walk(node: exp.Expr, negated: bool, note: str) -> Iterator[tuple[exp.Expr, exp.Expr, bool, str]]:
        node = unparen(node)
        if isinstance(node, exp.Not):
            yield from walk(node.this, not negated, note)
            return
        found = _membership(node)
        if found is not None:
            outer, query, inverted = found
            yield outer, query, negated != inverted, note
            return
        if isinstance(node, exp.Or):
            parts = _disjuncts(node)
            ins = [p for p in parts if _membership(_strip_not(p)) is not None]
            checked = {tested.sql() for p in parts if (tested := _is_null_test(p)) is not None}
            rest = [p for p in parts if p not in ins and _is_null_test(p) is None]
            for part in ins:
                member = _membership(_strip_not(part))
                assert member is not None
                ok = not rest and member[0].sql() in checked
                yield from walk(part, negated, "null-checked" if ok else "extra")
            for part in rest:
                yield from walk(part, negated, "extra")
            return
        for child in node.iter_expressions():
            if isinstance(child, exp.Subquery | exp.Select | exp.SetOperation | exp.Exists):
                continue
            yield from walk(child, negated, note)

    yield from walk(cond, False, "")


def _disjuncts(node: exp.Expr) -> list[exp.Expr]:
    node = unparen(node)
    if isinstance(node, exp.Or):
        return _disjuncts(node.left) + _disjuncts(node.right)
    return [node]


def _strip_not(node: exp.Expr) -> exp.Expr:
    node = unparen(node)
    while isinstance(node, exp.Not):
        node = unparen(node.this)
    return node


def _coalesced_to_literal(node: exp.Expr) -> bool:
    """`coalesce(..., <non-null literal>)`: never NULL."""
    node = unparen(node)
    while isinstance(node, exp.Cast):
        node = unparen(node.this)
    if not isinstance(node, exp.Coalesce):
        return False
    args = [node.this, *(node.expressions or [])]
    last = unparen(args[-1])
    while isinstance(last, exp.Cast):
        last = unparen(last.this)
    return isinstance(last, exp.Literal)


def _subquery(scope: Scope, query: exp.Expr) -> tuple[exp.Select, Scope] | None:
    select = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(select, exp.Select):
        return None
    for sub in scope.subquery_scopes:
        if sub.expression is select or sub.expression is query:
            return select, sub
    return None


def not_in_guard_issue(scope: Scope, outer: exp.Expr, query: exp.Expr, note: str, guard_issue: GuardIssue) -> str:  # noqa: C901 - one branch per NULL-safe form a NOT IN guard may take
    """'' when `outer NOT IN (query)` is a NULL-safe full-key anti-join, else why it is not the guard."""
    if note == "extra":
        return "the NOT IN is OR-ed with an extra condition"
    found = _subquery(scope, query)
    if found is None:
        return "NOT IN over something other than one subquery"
    select, sub = found
    outer = unparen(outer)
    if isinstance(outer, exp.Tuple) or len(select.expressions) != 1:
        return "a multi-column NOT IN"
    projection = unparen(select.expressions[0])
    if isinstance(projection, exp.Alias):
        projection = unparen(projection.this)
    where_terms = conjuncts(select.args.get("where"))
    non_null_in_where = {tested.sql() for t in where_terms if (tested := _is_not_null_test(t)) is not None}
    if not (_coalesced_to_literal(projection) or projection.sql() in non_null_in_where):
        return (f"NULL-unsafe NOT IN: the subquery column `{projection.sql()[:60]}` may be NULL (one NULL makes "
                "the NOT IN unknown for every record: add `where <column> is not null` or use NOT EXISTS)")
    if not (_coalesced_to_literal(outer) or note == "null-checked"):
        return (f"NULL-unsafe NOT IN: a record whose `{outer.sql()[:60]}` is NULL is dropped (NOT EXISTS keeps "
                "it): OR it with `<key> is null` or use NOT EXISTS")
    if scope_is_dead(sub):
        return "NOT IN over a subquery with a constant-false condition"
    external = {id(c) for c in sub.external_columns}
    terms: list[exp.Expr] = []
    for upstream in upstream_scopes(sub):
        part = upstream.expression
        if not isinstance(part, exp.Select):
            continue
        for term in _own_terms(part):
            tested = _is_not_null_test(term)
            if tested is not None and tested.sql() == projection.sql():
                continue  # implied by the key equality below
            terms.append(term)
    equality = exp.EQ(this=outer.copy(), expression=projection.copy())
    outer_ids = {id(c) for c in equality.this.find_all(exp.Column)}

    def inner(col: exp.Column) -> bool:
        return id(col) not in external and id(col) not in outer_ids

    return guard_issue([*terms, equality], inner)


def _own_terms(select: exp.Select) -> list[exp.Expr]:
    """Conjuncts of one SELECT's WHERE and JOIN ... ON conditions."""
    out = list(conjuncts(select.args.get("where")))
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is not None:
            out += conjuncts(on)
    return out
