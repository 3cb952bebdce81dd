"""Predicate mutants: rewrites of a required predicate sorted by its truth table (weaker or equivalent)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from redline.manifest import CompiledNode
from redline.mutate.records import Transform
from redline.mutate.rl2 import _apply, _bypass, _extra_conjunct, _rename_filter_cte, _swap_conjuncts
from redline.mutate.sql_edits import _cond, _matching_conjuncts, _rebuild_where, _variants
from redline.sqlast import column_names, conjuncts, equivalent, parse

WEAK_PER_PREDICATE = 12
EQUIVALENT_PER_PREDICATE = 8


def _literal_sql(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _disjuncts(node: exp.Expr) -> list[exp.Expr]:
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(node, exp.Or):
        return [*_disjuncts(node.this), *_disjuncts(node.expression)]
    return [node]


def predicate_rewrites(required: exp.Expr, domains: Mapping[str, Sequence[Any]], others: Sequence[str],
                       dialect: str) -> tuple[list[str], list[str]]:
    """(weakening, equivalent) rewrites of a required predicate, generated from its own disjuncts and its
    columns' domains (rules file) and sorted by the three-valued truth table: a candidate that keeps other
    rows than the predicate for some domain combination is a weakening, one that keeps the same rows is an
    equivalent rewrite the check must accept. `others` are conditions on other columns (never equivalent)."""
    parts = [d.sql(dialect=dialect) for d in _disjuncts(required)]
    whole = required.sql(dialect=dialect)
    weak_templates: list[str] = [*parts, " and ".join(f"({p})" for p in parts), "true"]
    weak_templates += [f"{whole} or {other}" for other in others]
    more_weak: list[str] = ["1 = 1"]
    same_templates: list[str] = [" or ".join(f"({p})" for p in reversed(parts)),
                                 "not (" + " and ".join(f"not ({p})" for p in parts) + ")",
                                 f"case when {whole} then true else false end"]
    for column in sorted(column_names(required)):
        lits = [_literal_sql(v) for v in domains.get(column, []) if v is not None]
        weak_templates += [f"{column} is not null", f"{column} is null"]
        weak_templates += [f"{column} is null or {column} <> {lit}" for lit in lits[:1]]
        weak_templates += [f"{column} = {lit}" for lit in lits[:2]] + [f"{column} <> {lit}" for lit in lits[:1]]
        weak_templates += [f"coalesce({column}, {lit}) = {other}" for lit in lits[:2] for other in lits[:2]]
        more_weak += [f"{column} = {lit}" for lit in lits[2:]] + [f"{column} <> {lit}" for lit in lits[1:]]
        for lit in lits:
            for other in lits:
                same_templates += [f"coalesce({column}, {lit}) = {other}", f"{other} = coalesce({column}, {lit})"]
            same_templates += [f"nullif({column}, {lit}) is null", f"{column} is not distinct from {lit}",
                               f"not coalesce({column}, {lit})", f"{column} is not true"]
    weak_templates = [*weak_templates[:10], *more_weak[:1], *weak_templates[10:], *more_weak[1:]]
    weak: list[str] = []
    same: list[str] = []
    seen: set[str] = set()
    for templates, bucket, limit, want in ((weak_templates, weak, WEAK_PER_PREDICATE, False),
                                           (same_templates, same, EQUIVALENT_PER_PREDICATE, True)):
        for text in templates:
            if len(bucket) >= limit:
                break
            try:
                cond = _cond(text, dialect)
                # the dialect's generator must keep the meaning (sqlglot's snowflake generator turns
                # `x is not true` into `not x`, which is not the same): judge the round-tripped SQL
                round_trip = _cond(cond.sql(dialect=dialect), dialect)
            except sqlglot.errors.ParseError:
                continue
            key = round_trip.sql(dialect=dialect)
            if key in seen:
                continue
            if equivalent(round_trip, required, domains) is want and \
                    equivalent(cond, required, domains) is want:
                seen.add(key)
                bucket.append(text)
    return weak, same


def rl1_mutants(node: CompiledNode, params: Mapping[str, Any],  # noqa: C901 - one block per mutation operator of the required filter, in the documented order
                note_relation: str) -> Iterator[tuple[str, str, str, bool]]:
    """(operator, description, sql, equivalent) for a required_filter check (the move filter)."""
    d = node.dialect
    tree = parse(node.sql, d)
    preds = []
    for item in params["predicates"]:
        domains = {str(k).lower(): list(v) for k, v in dict(item["domains"]).items()}
        preds.append((_cond(str(item["sql"]), d), domains, next(iter(domains))))
    for index, (required, domains, _column) in enumerate(preds):
        hits = _matching_conjuncts(tree, required, domains)
        others = [f"{col} = {_literal_sql(next((v for v in dm[col] if v is not None), None))}"
                  for j, (_r, dm, col) in enumerate(preds) if j != index]
        weak_forms, same_forms = predicate_rewrites(required, domains, others, d)

        def replace_term(new_sql: str | None, k: int = 0, *, r: exp.Expr = required,
                         dm: Mapping[str, Sequence[Any]] = domains) -> Transform:
            def apply(copy: exp.Expr) -> bool:
                found = _matching_conjuncts(copy, r, dm)
                if k >= len(found):
                    return False
                select, term = found[k]
                terms = conjuncts(select.args.get("where"))
                new_terms = [t for t in terms if t is not term]
                if new_sql is not None:
                    new_terms.insert(terms.index(term), exp.Paren(this=_cond(new_sql, d)))
                _rebuild_where(select, new_terms)
                return True
            return apply

        for k in range(len(hits)):
            yield "drop_predicate", f"drop `{required.sql(d)}`", _apply(tree, replace_term(None, k), d), False
            for weak in weak_forms:
                yield "weaken_predicate", f"`{weak}` instead of `{required.sql(d)}`", \
                    _apply(tree, replace_term(weak, k), d), False
            for same in same_forms:
                yield "equivalent_predicate", f"`{same}`", _apply(tree, replace_term(same, k), d), True
        # generic operators on the conjunct's own nodes
        for op, cls in (("or_to_and", exp.Or), ("negate_is_null", exp.Is), ("eq_to_neq", exp.EQ)):
            def generic(copy: exp.Expr, i: int, cls: type = cls, op: str = op, r: exp.Expr = required,
                        dm: Mapping[str, Sequence[Any]] = domains) -> bool:
                found = _matching_conjuncts(copy, r, dm)
                if not found:
                    return False
                targets = [n for n in found[0][1].walk() if isinstance(n, cls)]
                if i >= len(targets):
                    return False
                t = targets[i]
                if op == "or_to_and":
                    t.replace(exp.And(this=t.this, expression=t.expression))
                elif op == "negate_is_null":
                    t.replace(exp.Not(this=t.copy()))
                else:
                    t.replace(exp.NEQ(this=t.this, expression=t.expression))
                return True
            for i, sql in enumerate(_variants(tree, d, 3, generic)):
                yield op, f"{op} #{i} in `{required.sql(d)}`", sql, False
    # bypass: read the CTE before the filter
    yield "bypass_filter", "read the unfiltered CTE instead of the filtered one", _apply(tree, _bypass(preds), d), False
    # equivalent rewrites of the whole query
    yield "equivalent_reorder", "swap the filter's conjuncts", _apply(tree, _swap_conjuncts(preds), d), True
    yield "equivalent_extra", "add `and 1 = 1`", _apply(tree, _extra_conjunct(preds), d), True
    yield "equivalent_rename", "rename the filtered CTE", _apply(tree, _rename_filter_cte(preds), d), True
    yield "equivalent_comment", f"comment naming {note_relation}", f"-- copied from {note_relation}\n" + node.sql, True
