"""RL-2: REF_ID_SERIES = strict title-checked branch UNION fallback branch guarded by a correlated NOT EXISTS."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.dataflow import live_branches, scope_is_dead
from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check
from redline.rules.not_in_guard import not_in_guard_issue, not_in_nodes
from redline.sqlast import Unevaluable, conjuncts, evaluate, parse, root_scope, truthy, unparen, upstream_scopes


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


_LOSSY = (exp.Left, exp.Right, exp.Substring, exp.SplitPart)
_LOSSY_NAMES = {"left", "right", "substr", "substring", "split_part", "prefix"}


def _lossy(node: exp.Expr) -> bool:
    """A comparison side that keeps only part of the key (a prefix, a substring)."""
    return any(isinstance(n, _LOSSY) or (isinstance(n, exp.Anonymous) and str(n.this).lower() in _LOSSY_NAMES)
               for n in node.walk())


def _shape(node: exp.Expr) -> str:
    """The side of a comparison with its columns blanked: both sides must apply the same normalization."""
    copy = unparen(node.copy())
    if isinstance(copy, exp.Column):
        return "_"
    for col in list(copy.find_all(exp.Column)):
        col.replace(exp.column("_"))
    return copy.sql()


def _guard_issue(conds: list[exp.Expr], inner: Callable[[exp.Column], bool], pats: Patterns) -> str:
    """Why a correlated anti-join condition is not exactly `<same ref_id> and <title key> = <record title key>`
    (the strict branch's full match key): '' when it is. Every conjunct must be a correlated equality of the
    ref_id or of the title key (a disjunction of title equalities is allowed: several title columns);
    anything else is an extra condition that lets records through both branches or none."""
    found: set[str] = set()
    for term in (t for c in conds for t in conjuncts(c)):
        term = unparen(term)
        disjuncts = _disjuncts(term)
        kinds: set[str] = set()
        for d in disjuncts:
            kind = _key_equality(unparen(d), inner, pats)
            if kind.startswith("!") and len(disjuncts) > 1:
                return f"the guard ORs in an extra condition (`{term.sql()[:80]}`)"
            if kind.startswith("!"):
                return kind[1:]
            kinds.add(kind)
        if len(disjuncts) > 1 and kinds != {"title"}:
            return f"the guard ORs in an extra condition (`{term.sql()[:80]}`)"
        found |= kinds
    missing = [k for k in ("ref_id", "title") if k not in found]
    if missing:
        return f"the guard does not compare the full key (no {' / '.join(missing)} equality)"
    return ""


def _disjuncts(node: exp.Expr) -> list[exp.Expr]:
    node = unparen(node)
    if isinstance(node, exp.Or):
        return _disjuncts(node.left) + _disjuncts(node.right)
    return [node]


def _key_equality(node: exp.Expr, inner: Callable[[exp.Column], bool], pats: Patterns) -> str:
    """'ref_id' / 'title' for a correlated key equality, '!why' otherwise."""
    text = node.sql()[:80]
    if not isinstance(node, exp.EQ | exp.NullSafeEQ):
        return f"!the guard has an extra condition (`{text}`): it no longer excludes exactly the strict matches"
    left, right = node.this, node.expression
    lcols, rcols = list(left.find_all(exp.Column)), list(right.find_all(exp.Column))
    if not lcols or not rcols:
        return f"!the guard compares with a constant (`{text}`)"
    sides = {all(inner(c) for c in lcols), all(inner(c) for c in rcols)}
    if sides != {True, False} or any(inner(c) for c in lcols) == any(inner(c) for c in rcols):
        return f"!the guard condition `{text}` is not a correlation of the subquery with the outer record"
    if _lossy(left) or _lossy(right):
        return f"!the guard compares only part of the key (`{text}`)"
    if _shape(left) != _shape(right):
        return f"!the guard compares differently normalized keys (`{text}`)"
    for kind, pattern in (("title", pats.title), ("ref_id", pats.correlation)):
        if all(pattern.search(c.name.lower()) for c in lcols + rcols):
            return kind
    return f"!the guard correlates on the wrong key (`{text}`)"


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


def _anti_join(select: exp.Select, join: exp.Join, pats: Patterns) -> str | None:
    """For `left join T on <key> ... where T.<col> is null`: '' when it is a full-key anti-join (the same
    guard as NOT EXISTS), the reason when it is an anti-join with a wrong correlation, None when the join is
    no anti-join."""
    if (join.side or "").upper() != "LEFT":
        return None
    alias = join.this.alias_or_name.lower()
    nulls = [t for t in conjuncts(select.args.get("where")) if isinstance(unparen(t), exp.Is)
             and not unparen(t).args.get("negate") and isinstance(unparen(t).expression, exp.Null)
             and isinstance(unparen(t).this, exp.Column) and unparen(t).this.table.lower() == alias]
    if not nulls:
        return None

    def inner(col: exp.Column) -> bool:
        return bool(col.table.lower() == alias)

    using = join.args.get("using") or []
    if using:
        names = [u.name.lower() for u in using]
        has = {k for k, pat in (("title", pats.title), ("ref_id", pats.correlation))
               if any(pat.search(n) for n in names)}
        extra = [n for n in names if not pats.title.search(n) and not pats.correlation.search(n)]
        if extra:
            return f"the anti-join also matches on {extra}"
        return "" if has == {"title", "ref_id"} else "the anti-join does not compare the full key"
    on = join.args.get("on")
    return _guard_issue([on] if on is not None else [], inner, pats)


def _literal_outputs(branch: Scope, depth: int = 0) -> dict[str, object]:
    """Output columns that are the same literal on every row of a branch (e.g. `'strict' as branch`); a
    `select *` branch reading one CTE or subquery (a UNION split into per-branch CTEs) takes that source's."""
    out: dict[str, object] = {}
    select = branch.expression
    if not isinstance(select, exp.Select):
        return out
    for projection in select.expressions:
        if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column)
                                                and isinstance(projection.this, exp.Star)):
            sources = [source for _node, source in branch.selected_sources.values()]
            if depth < 8 and len(sources) == 1 and isinstance(sources[0], Scope):
                for name, value in _literal_outputs(sources[0], depth + 1).items():
                    out.setdefault(name, value)
            continue
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        while isinstance(inner, exp.Cast | exp.Paren):
            inner = inner.this
        if isinstance(inner, exp.Literal | exp.Boolean | exp.Null):
            try:
                out[projection.alias_or_name.lower()] = evaluate(inner, {})
            except Unevaluable:
                continue
    return out


def _filtered_out(branch: Scope, union: Scope, scopes: list[Scope]) -> bool:
    """A scope reading the union filters on a column that is a literal in this branch, and the filter is false
    for it (`select * from candidates where branch = 'strict'` keeps one branch only)."""
    literals = _literal_outputs(branch)
    if not literals:
        return False
    for consumer in scopes:
        select = consumer.expression
        if not isinstance(select, exp.Select):
            continue
        if not any(src is union for _n, (_x, src) in consumer.selected_sources.items()):
            continue
        for term in conjuncts(select.args.get("where")):
            names = {c.name.lower() for c in term.find_all(exp.Column)}
            if not names or not names <= set(literals) or any(
                    isinstance(n, exp.Subquery | exp.Exists) for n in term.walk()):
                continue
            try:
                if not truthy(term, literals):
                    return True
            except Unevaluable:
                continue
    return False


def _outside(external: set[int]) -> Callable[[exp.Column], bool]:
    """Columns of the subquery itself (not correlated references to the outer record)."""
    def inner(col: exp.Column) -> bool:
        return id(col) not in external
    return inner


def _row_scopes(branch: Scope) -> list[Scope]:
    """Scopes whose rows reach the branch's output (dead ones, with a constant-false condition, left out)."""
    return [s for s in upstream_scopes(branch) if not scope_is_dead(s)]


def _branch_facts(branch: Scope, pats: Patterns) -> BranchFacts:
    title_checked = False
    guarded = False
    notes: list[str] = []
    for scope in _row_scopes(branch):
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        conds: list[exp.Expr] = []
        where = select.args.get("where")
        if where is not None:
            conds.append(where.this)
        for join in select.args.get("joins") or []:
            anti = _anti_join(select, join, pats)
            if anti == "":
                guarded = True
                continue
            if anti is not None:
                notes.append(f"LEFT JOIN ... IS NULL anti-join: {anti}")
                continue
            on = join.args.get("on")
            if on is not None:
                conds.append(on)
            if any(pats.title.search(u.name.lower()) for u in join.args.get("using") or []):
                title_checked = True  # `join title_keys using (ref_id_key, title_key)`
        for cond in conds:
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
                elif scope_is_dead(sub):
                    notes.append("NOT EXISTS over a subquery with a constant-false condition")
                else:
                    issue = _guard_issue(sub_conds, _outside(external), pats)
                    if issue:
                        notes.append(f"NOT EXISTS: {issue}")
                    else:
                        guarded = True
            for outer, query, negated, note in not_in_nodes(cond):
                if not negated:
                    continue
                issue = not_in_guard_issue(scope, outer, query, note,
                                           lambda terms, inner: _guard_issue(terms, inner, pats))
                if issue:
                    notes.append(f"NOT IN: {issue}")
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
    unions = [s for s in _row_scopes(root)
              if isinstance(s.expression, exp.Union) and len(live_branches(s)) >= 2]
    if not unions:
        yield Problem(node.name, "no UNION reaches the model's output (with two live branches): the "
                      "fallback branch is gone",
                      "UNION of the strict (title-checked) branch and the NOT EXISTS-guarded fallback branch",
                      anchor="union")
        return
    best: list[str] | None = None
    row_scopes = _row_scopes(root)
    for union in unions:
        branches = [b for b in live_branches(union) if not _filtered_out(b, union, row_scopes)]
        facts = [_branch_facts(b, pats) for b in branches]
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
