"""RL-2: REF_ID_SERIES = strict title-checked branch UNION fallback branch guarded by a correlated NOT EXISTS."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check
from redline.sqlast import parse, root_scope, set_operation_branches, unparen, upstream_scopes


def _own_conditions(select: exp.Expr) -> list[exp.Expr]:
    """WHERE and JOIN ... ON conditions of one SELECT (not of its subqueries)."""
    out: list[exp.Expr] = []
    where = select.args.get("where")
    if where is not None:
        out.append(where.this)
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is not None:
            out.append(on)
    return out


def _walk_shallow(node: exp.Expr) -> Iterator[exp.Expr]:
    """Walk a condition without entering subqueries/EXISTS."""
    yield node
    for child in node.iter_expressions():
        if isinstance(child, exp.Exists | exp.Subquery | exp.Select | exp.SetOperation):
            continue
        yield from _walk_shallow(child)


@dataclass(frozen=True)
class Patterns:
    title: re.Pattern[str]
    correlation: re.Pattern[str]


def _is_title_eq(node: exp.Expr, pats: Patterns) -> bool:
    if not isinstance(node, exp.EQ | exp.NullSafeEQ):
        return False
    sides = [node.this, node.expression]
    return all(any(pats.title.search(c.name.lower()) for c in side.find_all(exp.Column)) for side in sides)


def _title_eqs(cond: exp.Expr, pats: Patterns) -> list[exp.Expr]:
    return [n for n in _walk_shallow(cond) if _is_title_eq(n, pats)]


def _exists_nodes(cond: exp.Expr) -> Iterator[tuple[exp.Exists, bool]]:
    """(EXISTS node, negated?) found shallowly in a condition."""
    def walk(node: exp.Expr, negated: bool) -> Iterator[tuple[exp.Exists, bool]]:
        node = unparen(node)
        if isinstance(node, exp.Not):
            yield from walk(node.this, not negated)
            return
        if isinstance(node, exp.Exists):
            yield node, negated
            return
        for child in node.iter_expressions():
            if isinstance(child, exp.Subquery | exp.Select | exp.SetOperation):
                continue
            yield from walk(child, negated)
    yield from walk(cond, False)


def _subquery_scope(scope: Scope, select: exp.Expr) -> Scope | None:
    for sub in scope.subquery_scopes:
        if sub.expression is select:
            return sub
    return None


@dataclass(frozen=True)
class BranchFacts:
    title_checked: bool
    guards: tuple[str, ...]  # descriptions of NOT EXISTS guards found and why they do not count
    guarded: bool


def _branch_facts(branch: Scope, pats: Patterns) -> BranchFacts:
    title_checked = False
    guarded = False
    notes: list[str] = []
    for scope in upstream_scopes(branch):
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        for cond in _own_conditions(select):
            if _title_eqs(cond, pats):
                title_checked = True
            for exists, negated in _exists_nodes(cond):
                sub_select = exists.this
                sub = _subquery_scope(scope, sub_select)
                if sub is None:
                    continue
                sub_conds = [c for s in upstream_scopes(sub) if isinstance(s.expression, exp.Select)
                             for c in _own_conditions(s.expression)]
                eqs = [eq for c in sub_conds for eq in _title_eqs(c, pats)]
                external = {id(c) for c in sub.external_columns}
                correlated_title = any(id(c) in external for eq in eqs for c in eq.find_all(exp.Column))
                correlated_key = any(
                    isinstance(n, exp.EQ) and any(id(c) in external for c in n.find_all(exp.Column))
                    and any(pats.correlation.search(c.name.lower()) for c in n.find_all(exp.Column))
                    for c in sub_conds for n in _walk_shallow(c)
                )
                if not negated:
                    if eqs:
                        title_checked = True  # EXISTS (title match): a positive title check
                    notes.append("EXISTS without NOT")
                elif not eqs:
                    notes.append("NOT EXISTS without a title-match condition")
                elif not correlated_title:
                    notes.append("NOT EXISTS whose title condition is not correlated with the outer record")
                elif not correlated_key:
                    notes.append("NOT EXISTS not correlated on the record's ref_id")
                else:
                    guarded = True
    return BranchFacts(title_checked, tuple(notes), guarded)


@model_check("union_fallback_guard")
def union_fallback_guard(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """The model's output must come from a UNION of (a) a strict branch that checks titles and (b) a fallback
    branch that does not check titles and carries a NOT EXISTS guard whose title-match condition is correlated
    with the outer record (same ref_id), so no record is produced by both branches.
    Without the fallback, platform titles that differ from catalog titles never match (Tubi, 2025-12-02).
    """
    pats = Patterns(
        title=re.compile(str(params.get("title_columns", "title")), re.IGNORECASE),
        correlation=re.compile(str(params.get("correlation_columns", "ref_id")), re.IGNORECASE),
    )
    tree = parse(node.sql, node.dialect)
    root = root_scope(tree)
    unions = [s for s in upstream_scopes(root)
              if isinstance(s.expression, exp.Union)]
    if not unions:
        yield Problem(node.name, "no UNION reaches the model's output: the fallback branch is gone",
                      "UNION of the strict (title-checked) branch and the NOT EXISTS-guarded fallback branch",
                      anchor="union")
        return
    best: list[str] | None = None
    for union in unions:
        facts = [_branch_facts(b, pats) for b in set_operation_branches(union)]
        strict = [f for f in facts if f.title_checked and not f.guarded]
        fallback = [f for f in facts if f.guarded and not f.title_checked]
        issues: list[str] = []
        if not strict:
            issues.append("strict branch: no title-match condition (the strict branch lost its title check)")
        if not fallback:
            notes = sorted({n for f in facts for n in f.guards})
            if any(f.guarded and f.title_checked for f in facts):
                notes.append("the guarded branch also checks titles, so it is no fallback")
            issues.append("fallback branch: no correlated NOT EXISTS title guard"
                          + (f" (found: {'; '.join(notes)})" if notes else ""))
        if not issues:
            return
        if best is None or len(issues) < len(best):
            best = issues
    for issue in best or []:
        anchor = "not exists|union" if issue.startswith("fallback") else "union"
        yield Problem(node.name, issue,
                      "strict branch with title check UNION fallback branch with correlated NOT EXISTS guard",
                      anchor=anchor)
