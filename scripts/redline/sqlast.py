"""SQL helpers on sqlglot ASTs: parsing, CTE/scope lineage and a three-valued predicate evaluator.

The evaluator decides predicate equivalence by truth table: every column of the predicate takes each value
of its domain (NULL included), the predicate is evaluated with SQL's three-valued logic, and two predicates
are equivalent when they keep exactly the same rows (WHERE keeps a row only when the value is TRUE).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.scope import Scope, build_scope

from redline.registry import CheckError


@lru_cache(maxsize=512)
def parse(sql: str, dialect: str) -> exp.Expr:
    """Parse one statement (cached; callers must not mutate the tree: use .copy())."""
    try:
        tree = sqlglot.parse_one(sql, dialect=dialect)
    except (ParseError, TokenError) as exc:
        raise CheckError(f"cannot parse the compiled SQL in the {dialect} dialect: {str(exc)[:300]}") from exc
    if tree is None:
        raise CheckError("empty SQL")
    return tree


def root_scope(tree: exp.Expr) -> Scope:
    scope = build_scope(tree)
    if scope is None:
        raise CheckError("the compiled SQL is not a query")
    return scope


def conjuncts(where: exp.Expr | None) -> list[exp.Expr]:
    """Top-level AND-ed terms of a condition (parentheses removed)."""
    if where is None:
        return []
    node = where.this if isinstance(where, exp.Where) else where
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def column_names(node: exp.Expr) -> set[str]:
    return {c.name.lower() for c in node.find_all(exp.Column)}


def unparen(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def selected_scopes(scope: Scope) -> Iterator[tuple[str, exp.Table | Scope]]:
    """Sources a scope reads rows from (FROM and JOIN, not WHERE subqueries)."""
    for name, (_node, source) in scope.selected_sources.items():
        yield name, source


def set_operation_branches(scope: Scope) -> list[Scope]:
    """The leaf SELECT scopes of a UNION/INTERSECT/EXCEPT scope (flattened)."""
    out: list[Scope] = []
    for child in scope.set_operation_scopes:
        if isinstance(child.expression, exp.SetOperation):
            out.extend(set_operation_branches(child))
        else:
            out.append(child)
    return out


def upstream_scopes(scope: Scope) -> list[Scope]:
    """The scope and every scope it reads rows from, transitively (CTEs, derived tables, set branches)."""
    seen: list[Scope] = []
    stack = [scope]
    while stack:
        current = stack.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        stack.extend(current.set_operation_scopes)
        for _name, source in selected_scopes(current):
            if isinstance(source, Scope):
                stack.append(source)
    return seen


# ---------------------------------------------------------------------------------------------------------
# Three-valued evaluation
# ---------------------------------------------------------------------------------------------------------


class Unevaluable(Exception):
    """The predicate uses something the evaluator does not model; it is then not proven equivalent."""


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "t", "1", "yes", "y", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "f", "0", "no", "n", "off"}:
        return False
    if isinstance(value, int | float):
        return value != 0
    raise Unevaluable(f"cannot read {value!r} as a boolean")


def _coerce_pair(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, bool) and isinstance(b, str):
        return a, _bool(b)
    if isinstance(b, bool) and isinstance(a, str):
        return _bool(a), b
    if isinstance(a, bool) != isinstance(b, bool) and isinstance(a, int | float) and isinstance(b, int | float):
        return float(a), float(b)
    if isinstance(a, str) != isinstance(b, str):
        raise Unevaluable(f"comparison of {a!r} with {b!r}")
    return a, b


def _compare(node: exp.Expr, a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    a, b = _coerce_pair(a, b)
    if isinstance(node, exp.EQ):
        return bool(a == b)
    if isinstance(node, exp.NEQ):
        return bool(a != b)
    if isinstance(node, exp.GT):
        return bool(a > b)
    if isinstance(node, exp.GTE):
        return bool(a >= b)
    if isinstance(node, exp.LT):
        return bool(a < b)
    if isinstance(node, exp.LTE):
        return bool(a <= b)
    raise Unevaluable(type(node).__name__)


def evaluate(node: exp.Expr, row: Mapping[str, Any]) -> Any:  # noqa: C901 - an expression interpreter: one branch per supported SQL node type
    """Evaluate a scalar SQL expression on one row (dict of lower-cased column name -> value; None = NULL)."""
    if isinstance(node, exp.Paren):
        return evaluate(node.this, row)
    if isinstance(node, exp.Column):
        key = node.name.lower()
        if key not in row:
            raise Unevaluable(f"column {key} has no domain")
        return row[key]
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return str(node.this)
        text = str(node.this)
        return float(text) if "." in text else int(text)
    if isinstance(node, exp.Neg):
        value = evaluate(node.this, row)
        return None if value is None else -value
    if isinstance(node, exp.Not):
        value = _bool(evaluate(node.this, row))
        return None if value is None else not value
    if isinstance(node, exp.And):
        left, right = _bool(evaluate(node.left, row)), _bool(evaluate(node.right, row))
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if isinstance(node, exp.Or):
        left, right = _bool(evaluate(node.left, row)), _bool(evaluate(node.right, row))
        if left is True or right is True:
            return True
        return None if left is None or right is None else False
    if isinstance(node, exp.Is):
        value = evaluate(node.this, row)
        target = node.expression
        negate = bool(node.args.get("negate"))  # sqlglot may spell IS NOT as Is(negate=True)
        if isinstance(target, exp.Null):
            return (value is None) != negate
        if isinstance(target, exp.Boolean):
            return (_bool(value) is bool(target.this)) != negate
        raise Unevaluable("IS with a non-constant")
    if isinstance(node, exp.NullSafeEQ | exp.NullSafeNEQ):
        a, b = evaluate(node.this, row), evaluate(node.expression, row)
        same = (a is None and b is None) or (a is not None and b is not None and
                                             _compare(exp.EQ(), a, b) is True)
        return same if isinstance(node, exp.NullSafeEQ) else not same
    if isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
        return _compare(node, evaluate(node.this, row), evaluate(node.expression, row))
    if isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("unnest"):
            raise Unevaluable("IN (subquery)")
        value = evaluate(node.this, row)
        options = [evaluate(e, row) for e in node.expressions]
        if value is None:
            return None
        if any(o is not None and _compare(exp.EQ(), value, o) for o in options):
            return True
        return None if any(o is None for o in options) else False
    if isinstance(node, exp.Coalesce):
        for item in [node.this, *node.expressions]:
            value = evaluate(item, row)
            if value is not None:
                return value
        return None
    if isinstance(node, exp.Nullif):
        a, b = evaluate(node.this, row), evaluate(node.expression, row)
        return None if a is not None and b is not None and _compare(exp.EQ(), a, b) else a
    if isinstance(node, exp.If):
        cond = _bool(evaluate(node.this, row))
        branch = node.args.get("true") if cond else node.args.get("false")
        return None if branch is None else evaluate(branch, row)
    if isinstance(node, exp.Case):
        subject = node.this
        for when in node.args.get("ifs") or []:
            if subject is not None:
                hit = _compare(exp.EQ(), evaluate(subject, row), evaluate(when.this, row)) is True
            else:
                hit = _bool(evaluate(when.this, row)) is True
            if hit:
                return evaluate(when.args["true"], row)
        default = node.args.get("default")
        return None if default is None else evaluate(default, row)
    if isinstance(node, exp.Cast | exp.TryCast):
        value = evaluate(node.this, row)
        to = node.to.this if isinstance(node.to, exp.DataType) else None
        if value is None:
            return None
        if to == exp.DataType.Type.BOOLEAN:
            return _bool(value)
        if to in exp.DataType.TEXT_TYPES:
            return ("true" if value else "false") if isinstance(value, bool) else str(value)
        return value
    if isinstance(node, exp.Trim):
        value = evaluate(node.this, row)
        return None if value is None else str(value).strip(" ")
    if isinstance(node, exp.Lower | exp.Upper):
        value = evaluate(node.this, row)
        if value is None:
            return None
        return str(value).lower() if isinstance(node, exp.Lower) else str(value).upper()
    if isinstance(node, exp.Length):
        value = evaluate(node.this, row)
        return None if value is None else len(str(value))
    raise Unevaluable(f"{type(node).__name__} is not modelled")


def truthy(node: exp.Expr, row: Mapping[str, Any]) -> bool:
    """Would WHERE keep this row?"""
    return _bool(evaluate(node, row)) is True


def equivalent(candidate: exp.Expr, required: exp.Expr,
               domains: Mapping[str, Sequence[Any]]) -> bool:
    """True when both predicates keep the same rows for every combination of their columns' domains."""
    cols = sorted(column_names(required))
    if column_names(candidate) != set(cols):
        return False
    if any(c not in domains for c in cols):
        raise CheckError(f"no domain for column(s) {[c for c in cols if c not in domains]}")
    try:
        for values in itertools.product(*(domains[c] for c in cols)):
            row = dict(zip(cols, values, strict=True))
            if truthy(candidate, row) != truthy(required, row):
                return False
    except Unevaluable:
        return False
    return True


def find_equivalent_conjunct(where: exp.Expr | None, required: exp.Expr,
                             domains: Mapping[str, Sequence[Any]]) -> exp.Expr | None:
    for term in conjuncts(where):
        if equivalent(term, required, domains):
            return term
    return None


def cte_names(tree: exp.Expr) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def physical_tables(tree: exp.Expr) -> list[exp.Table]:
    """Table references that are relations, not references to the query's own CTEs."""
    ctes = cte_names(tree)
    return [t for t in tree.find_all(exp.Table)
            if t.name and (t.db or t.catalog or t.name.lower() not in ctes)]
