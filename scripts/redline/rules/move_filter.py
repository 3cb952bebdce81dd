"""RL-1: the move model keeps its processed/phase filter on every path from the upload table to its output."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.dataflow import scope_is_dead
from redline.manifest import CompiledNode
from redline.registry import CheckContext, CheckError, Problem, model_check, param
from redline.sqlast import Unevaluable, column_names, conjuncts, equivalent, parse, root_scope, selected_scopes, truthy


def _is_source(table: exp.Table, name: str, schema: str) -> bool:
    return table.name.lower() == name.lower() and (not table.db or table.db.lower() == schema.lower())


@model_check("required_filter")
def required_filter(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Every row the model reads from the source table must pass WHERE conjuncts equivalent to the required
    predicates (three-valued truth table over their columns), somewhere between the source and the output.

    Example: `where (processed is null or processed = false) and (phase is null or phase = '')`;
    `coalesce(processed, false) = false` is equivalent, `processed = false` is not (it drops NULL rows).
    """
    source = param(params, "source", dict)
    table_name = str(source.get("table", ""))
    location = str(source.get("location", ""))
    if not table_name or not location:
        raise CheckError("params.source needs table and location")
    schema = str(ctx.env_map.location(node.target, location).get("schema", ""))
    predicates = param(params, "predicates", list)
    required: list[tuple[str, exp.Expr, dict[str, list[Any]], str]] = []
    for item in predicates:
        sql = str(item["sql"])
        cond = parse(f"select 1 where {sql}", node.dialect).args["where"].this
        domains = {str(k).lower(): list(v) for k, v in dict(item["domains"]).items()}
        required.append((sql, cond, domains, str(item.get("anchor", ""))))

    tree = parse(node.sql, node.dialect)
    memo: dict[int, frozenset[int]] = {}
    reads_source = False

    def unsatisfied(scope: Scope) -> frozenset[int]:
        """Indexes of required predicates not yet applied to source rows reaching this scope's output."""
        nonlocal reads_source
        key = id(scope)
        if key in memo:
            return memo[key]
        memo[key] = frozenset()  # cycle guard
        if scope_is_dead(scope):
            memo[key] = frozenset()
            return memo[key]  # a constant-false condition: no row reaches the output through here
        missing: set[int] = set()
        for child in scope.set_operation_scopes:
            missing |= unsatisfied(child)
        per_source: dict[str, set[int]] = {}
        for name, src in selected_scopes(scope):
            if isinstance(src, exp.Table):
                if _is_source(src, table_name, schema):
                    reads_source = True
                    per_source[name.lower()] = set(range(len(required)))
            else:
                left = set(unsatisfied(src))
                if left:
                    per_source[name.lower()] = left
        filtered_here = False
        if per_source and isinstance(scope.expression, exp.Select):
            where = scope.expression.args.get("where")
            for term in conjuncts(where):
                qualifiers = {c.table.lower() for c in term.find_all(exp.Column)}
                for alias, open_ in per_source.items():
                    # a conjunct filters this source's rows only when its columns are this source's
                    # (`u2.processed` does not filter the rows of a second, self-joined scan `u`)
                    if not qualifiers <= {alias, ""}:
                        continue
                    for idx in list(open_):
                        _sql, cond, domains, _anchor = required[idx]
                        if equivalent(term, cond, domains):
                            open_.discard(idx)
                            filtered_here = True
            if filtered_here and not satisfiable(conjuncts(where)):
                contradictions.append(where.this.sql(dialect=node.dialect)[:120] if where is not None else "")
        for open_ in per_source.values():
            missing |= open_
        result = frozenset(missing)
        memo[key] = result
        return result

    all_domains: dict[str, list[Any]] = {}
    for _sql, _cond, domains, _anchor in required:
        all_domains.update(domains)
    contradictions: list[str] = []

    def satisfiable(terms: list[exp.Expr]) -> bool:
        """Some row of the domains passes every conjunct over those columns (the filter keeps some row)."""
        usable = [t for t in terms if column_names(t) and column_names(t) <= set(all_domains)]
        cols = sorted(set().union(*(column_names(t) for t in usable))) if usable else []
        try:
            for values in itertools.product(*(all_domains[c] for c in cols)):
                row = dict(zip(cols, values, strict=True))
                if all(truthy(t, row) for t in usable):
                    return True
        except Unevaluable:
            return True
        return not usable

    left = unsatisfied(root_scope(tree))
    for where_sql in contradictions:
        yield Problem(node.name, f"the filter keeps no {location}.{table_name} row: its WHERE is a contradiction "
                      f"for every processed/phase value (`{where_sql}`)",
                      "a WHERE that keeps the pending rows", anchor="where")
    if not reads_source:
        yield Problem(node.name, f"the model no longer reads {location}.{table_name}",
                      f"a read of the {location} source {table_name} through the filtered CTE",
                      anchor="source(")
        return
    for idx in sorted(left):
        sql, _cond, _domains, anchor = required[idx]
        yield Problem(
            node.name,
            f"rows of {location}.{table_name} reach the output without a WHERE conjunct equivalent to ({sql})",
            f"top-level WHERE conjunct equivalent to `{sql}` on the path from the source to the output",
            anchor=anchor or "where",
        )
