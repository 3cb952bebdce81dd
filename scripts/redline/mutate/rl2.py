"""Union and filter mutants: bypass, swap or extend the filter CTEs and the title match of a model."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlglot import exp

from redline.manifest import CompiledNode
from redline.mutate.records import Transform
from redline.mutate.sql_edits import _ancestors, _cond, _matching_conjuncts, _rebuild_where
from redline.sqlast import conjuncts, parse


def _apply(tree: exp.Expr, transform: Transform, dialect: str) -> str:
    copy = tree.copy()
    if not transform(copy):
        return ""
    return copy.sql(dialect=dialect)


def _filter_ctes(copy: exp.Expr, preds: Sequence[tuple[exp.Expr, Mapping[str, Sequence[Any]], str]]) -> list[exp.CTE]:
    out = []
    for cte in copy.find_all(exp.CTE):
        select = cte.this
        if isinstance(select, exp.Select) and any(
                _matching_conjuncts(select, r, dm) for r, dm, _c in preds):
            out.append(cte)
    return out


def _bypass(preds: Sequence[tuple[exp.Expr, Mapping[str, Sequence[Any]], str]]) -> Transform:
    def apply(copy: exp.Expr) -> bool:
        ctes = _filter_ctes(copy, preds)
        if not ctes:
            return False
        cte = ctes[0]
        source = cte.this.args.get("from")
        if source is None:
            return False
        src_table = source.this
        changed = False
        for table in copy.find_all(exp.Table):
            if table.name == cte.alias_or_name and not table.db:
                table.replace(src_table.copy())
                changed = True
        # the qualifier `pending.*` must follow the renamed relation
        for col in copy.find_all(exp.Column):
            if col.table == cte.alias_or_name:
                col.set("table", exp.to_identifier(src_table.alias_or_name))
        return changed
    return apply


def _swap_conjuncts(preds: Sequence[tuple[exp.Expr, Mapping[str, Sequence[Any]], str]]) -> Transform:
    def apply(copy: exp.Expr) -> bool:
        ctes = _filter_ctes(copy, preds)
        if not ctes:
            return False
        select = ctes[0].this
        terms = conjuncts(select.args.get("where"))
        _rebuild_where(select, list(reversed([exp.Paren(this=t.copy()) for t in terms])))
        return True
    return apply


def _extra_conjunct(preds: Sequence[tuple[exp.Expr, Mapping[str, Sequence[Any]], str]]) -> Transform:
    def apply(copy: exp.Expr) -> bool:
        ctes = _filter_ctes(copy, preds)
        if not ctes:
            return False
        select = ctes[0].this
        terms = [exp.Paren(this=t.copy()) for t in conjuncts(select.args.get("where"))]
        _rebuild_where(select, [*terms, _cond("1 = 1", "duckdb")])
        return True
    return apply


def _rename_filter_cte(preds: Sequence[tuple[exp.Expr, Mapping[str, Sequence[Any]], str]]) -> Transform:
    def apply(copy: exp.Expr) -> bool:
        ctes = _filter_ctes(copy, preds)
        if not ctes:
            return False
        old = ctes[0].alias_or_name
        new = f"{old}_rows_renamed"
        ctes[0].set("alias", exp.TableAlias(this=exp.to_identifier(new)))
        for table in copy.find_all(exp.Table):
            if table.name == old and not table.db:
                table.set("this", exp.to_identifier(new))
        for col in copy.find_all(exp.Column):
            if col.table == old:
                col.set("table", exp.to_identifier(new))
        return True
    return apply


def _title_eq(node: exp.Expr, pattern: re.Pattern[str]) -> bool:
    if not isinstance(node, exp.EQ):
        return False
    return all(any(pattern.search(c.name) for c in side.find_all(exp.Column))
               for side in (node.this, node.expression))


def rl2_mutants(node: CompiledNode, params: Mapping[str, Any]) -> Iterator[tuple[str, str, str, bool]]:  # noqa: C901 - one block per mutation operator of the union guard, in the documented order
    d = node.dialect
    tree = parse(node.sql, d)
    title = re.compile(str(params.get("title_columns", "title")), re.IGNORECASE)
    corr = re.compile(str(params.get("correlation_columns", "ref_id")), re.IGNORECASE)

    def on_union(fn: Callable[[exp.Union], exp.Expr | None]) -> Transform:
        def apply(copy: exp.Expr) -> bool:
            unions = list(copy.find_all(exp.Union))
            if not unions:
                return False
            new = fn(unions[0])
            if new is None:
                return False
            unions[0].replace(new)
            return True
        return apply

    yield "drop_union_fallback", "keep only the strict branch (UNION and fallback deleted)", \
        _apply(tree, on_union(lambda u: u.this.copy()), d), False
    yield "drop_union_strict", "keep only the fallback branch", \
        _apply(tree, on_union(lambda u: u.expression.copy()), d), False
    yield "union_to_intersect", "UNION -> INTERSECT", _apply(tree, on_union(
        lambda u: exp.Intersect(this=u.this.copy(), expression=u.expression.copy(), distinct=True)), d), False
    yield "union_to_except", "UNION -> EXCEPT", _apply(tree, on_union(
        lambda u: exp.Except(this=u.this.copy(), expression=u.expression.copy(), distinct=True)), d), False
    yield "equivalent_union_all", "UNION -> UNION ALL (branches are disjoint)", _apply(tree, on_union(
        lambda u: exp.Union(this=u.this.copy(), expression=u.expression.copy(), distinct=False)), d), True
    yield "equivalent_swap_branches", "fallback branch first", _apply(tree, on_union(
        lambda u: exp.Union(this=u.expression.copy(), expression=u.this.copy(),
                            distinct=u.args.get("distinct", True))), d), True

    def not_exists_nodes(copy: exp.Expr) -> list[exp.Not]:
        return [n for n in copy.find_all(exp.Not) if isinstance(n.this, exp.Exists)]

    def on_guard(fn: Callable[[exp.Not], bool]) -> Transform:
        def apply(copy: exp.Expr) -> bool:
            guards = not_exists_nodes(copy)
            return bool(guards) and fn(guards[0])
        return apply

    def drop_guard(g: exp.Not) -> bool:
        g.replace(exp.true())
        return True

    def invert_guard(g: exp.Not) -> bool:
        g.replace(g.this.copy())
        return True

    def guard_eqs(g: exp.Not, pattern: re.Pattern[str]) -> list[exp.EQ]:
        return [e for e in g.find_all(exp.EQ) if any(pattern.search(c.name) for c in e.find_all(exp.Column))]

    def drop_guard_title(g: exp.Not) -> bool:
        eqs = [e for e in guard_eqs(g, title) if _title_eq(e, title)]
        for e in eqs:
            e.replace(exp.true())
        return bool(eqs)

    def uncorrelate_title(g: exp.Not) -> bool:
        eqs = [e for e in guard_eqs(g, title) if _title_eq(e, title)]
        if not eqs:
            return False
        e = eqs[0]
        e.set("expression", e.this.copy())  # inner = inner: no reference to the outer record
        return True

    def drop_guard_key(g: exp.Not) -> bool:
        eqs = [e for e in guard_eqs(g, corr) if not _title_eq(e, title)]
        for e in eqs:
            e.replace(exp.true())
        return bool(eqs)

    def swap_guard_eq(g: exp.Not) -> bool:
        for e in g.find_all(exp.EQ):
            e.set("this", e.expression.copy()) if False else None
            left, right = e.this.copy(), e.expression.copy()
            e.set("this", right)
            e.set("expression", left)
        return True

    def paren_guard(g: exp.Not) -> bool:
        g.set("this", exp.Paren(this=g.this.copy()))
        return True

    yield "drop_not_exists", "delete the NOT EXISTS guard", _apply(tree, on_guard(drop_guard), d), False
    yield "invert_not_exists", "NOT EXISTS -> EXISTS", _apply(tree, on_guard(invert_guard), d), False
    yield "drop_guard_title", "NOT EXISTS without its title condition", \
        _apply(tree, on_guard(drop_guard_title), d), False
    yield "uncorrelate_guard_title", "NOT EXISTS title condition no longer refers to the record", \
        _apply(tree, on_guard(uncorrelate_title), d), False
    yield "drop_guard_ref_id", "NOT EXISTS no longer correlated on ref_id", \
        _apply(tree, on_guard(drop_guard_key), d), False
    yield "equivalent_swap_guard_eq", "swap the operands of the guard's equalities", \
        _apply(tree, on_guard(swap_guard_eq), d), True
    yield "equivalent_paren_guard", "NOT (EXISTS (...))", _apply(tree, on_guard(paren_guard), d), True

    def strict_title(fn_name: str) -> Transform:
        def apply(copy: exp.Expr) -> bool:
            unions = list(copy.find_all(exp.Union))
            if not unions:
                return False
            branches = [unions[0].this, unions[0].expression]
            for branch in branches:
                if any(isinstance(n, exp.Not) and isinstance(n.this, exp.Exists) for n in branch.find_all(exp.Not)):
                    continue
                eqs = [e for e in branch.find_all(exp.EQ) if _title_eq(e, title)
                       and not any(isinstance(a, exp.Exists) for a in _ancestors(e, branch))]
                if not eqs:
                    return False
                for e in eqs:
                    if fn_name == "drop":
                        e.replace(exp.true())
                    else:
                        left, right = e.this.copy(), e.expression.copy()
                        e.set("this", right)
                        e.set("expression", left)
                return True
            return False
        return apply

    yield "drop_strict_title", "strict branch without its title check", _apply(tree, strict_title("drop"), d), False
    yield "equivalent_swap_strict_eq", "swap the strict title equality's operands", \
        _apply(tree, strict_title("swap"), d), True
