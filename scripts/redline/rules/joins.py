"""RL-4: matched rows only, through inner joins: an outer join must not let records of a superset relation
(every normalized record) reach the output without a match (issue #15, class 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.dataflow import scope_is_dead
from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check, param
from redline.sqlast import parse, root_scope, upstream_scopes


def _tables(source: exp.Table | Scope) -> set[str]:
    """Physical relations a FROM/JOIN source reads rows from (through CTEs and derived tables)."""
    if isinstance(source, exp.Table):
        return {source.name.lower()}
    out: set[str] = set()
    for scope in upstream_scopes(source):
        if scope_is_dead(scope):
            continue
        for _name, (_node, src) in scope.selected_sources.items():
            if isinstance(src, exp.Table):
                out.add(src.name.lower())
    return out


@model_check("matched_rows_only")
def matched_rows_only(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Rows of a `superset` relation (all normalized records) reach the output only joined with a `matched`
    relation (the bucket candidates) through an inner join: a LEFT/RIGHT/FULL join that preserves the
    superset side against the matched side lets unmatched records reach the final table."""
    superset = {str(x).lower() for x in param(params, "superset", list)}
    matched = re.compile(str(param(params, "matched", str)), re.IGNORECASE)
    root = root_scope(parse(node.sql, node.dialect))
    reads_matched = False
    for scope in upstream_scopes(root):
        select = scope.expression
        if scope_is_dead(scope) or not isinstance(select, exp.Select):
            continue
        sources = scope.selected_sources
        from_ = select.args.get("from_") or select.args.get("from")
        ordered: list[tuple[str, set[str]]] = []
        if from_ is not None:
            name = from_.this.alias_or_name
            if name in sources:
                ordered.append(("", _tables(sources[name][1])))
        for join in select.args.get("joins") or []:
            name = join.this.alias_or_name
            tables = _tables(sources[name][1]) if name in sources else set()
            side = (join.side or "").upper()
            kind = (join.kind or "").upper()
            before = set().union(*(t for _s, t in ordered)) if ordered else set()
            preserved, nullable = set(), set()
            if side == "LEFT":
                preserved, nullable = before, tables
            elif side == "RIGHT":
                preserved, nullable = tables, before
            elif side == "FULL" or kind == "OUTER":
                preserved, nullable = before | tables, before | tables
            if preserved & superset and any(matched.search(t) for t in nullable):
                yield Problem(node.name, f"{side or kind} JOIN keeps every row of {sorted(preserved & superset)} "
                              f"whether or not it matched ({join.sql(dialect=node.dialect)[:80]})",
                              "an inner join between the records and the matched candidates", anchor="join")
            ordered.append((side, tables))
        if any(matched.search(t) for _s, ts in ordered for t in ts):
            reads_matched = True
    if not reads_matched:
        yield Problem(node.name, "the output does not read the matched candidates",
                      f"rows from a relation matching {matched.pattern}", anchor="from")
