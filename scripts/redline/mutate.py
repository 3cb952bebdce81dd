"""`redline mutate`: mutation testing of the red-line checks themselves.

Mutants are made from the compiled SQL (per target dialect), the resolved YAML config (grants) and the raw
sources of the protected models: each mutant weakens or removes one protection (drop or weaken a predicate,
drop the UNION branch, drop or invert NOT EXISTS, hard-code a database, drop a grant, swap a phase, change a
bucket order...) and must be flagged by its rule (killed). Equivalent rewrites (reordered, qualified,
renamed, three-valued-equivalent predicates, names in comments/strings/CTEs...) must NOT be flagged: each
flag is a false positive. Exit 1 below the kill-rate threshold or with any false positive.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
import sqlglot
from sqlglot import exp

from redline.compiler import CompileError
from redline.config import ConfigError, EnvironmentMap, Governance, load_environment_map, load_governance
from redline.engine import ERROR, VIOLATION, evaluate
from redline.manifest import CompiledNode, ManifestError, ProjectCompile
from redline.registry import CheckError
from redline.sqlast import conjuncts, equivalent, parse, physical_tables

Transform = Callable[[exp.Expr], bool]  # mutate a tree copy in place; False = not applicable


@dataclass(frozen=True)
class Mutant:
    """One change to one protected input, and whether the rule must flag it."""

    id: str
    rule: str
    model: str
    target: str
    operator: str
    description: str
    equivalent: bool
    sql: str | None = None
    grants: Mapping[str, Any] | None = None
    source: tuple[str, str] | None = None  # (relpath, text)
    also_check: tuple[str, ...] = ()  # models whose checks read the mutated model (e.g. downstream)
    same_everywhere: bool = False  # apply the same AST change on every compile (a target-independent edit)


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    flagged: bool
    detail: str
    by_error: bool = False  # flagged only as "could not evaluate" (exit 2), not as a violation

    @property
    def ok(self) -> bool:
        return self.flagged != self.mutant.equivalent


# --------------------------------------------------------------------------------------------------------
# AST helpers
# --------------------------------------------------------------------------------------------------------


def _cond(sql: str, dialect: str) -> exp.Expr:
    where = sqlglot.parse_one(f"select 1 where {sql}", dialect=dialect).args["where"]
    cond: exp.Expr = where.this
    return cond


def _rebuild_where(select: exp.Expr, terms: Sequence[exp.Expr]) -> None:
    if not terms:
        select.set("where", None)
        return
    cond = terms[0]
    for term in terms[1:]:
        cond = exp.and_(cond, term)
    select.set("where", exp.Where(this=cond))


def _variants(tree: exp.Expr, dialect: str, count: int, transform: Callable[[exp.Expr, int], bool]) -> Iterator[str]:
    """Apply a transform to the i-th target in a fresh copy, for every i; yield the SQL of each applicable one."""
    for i in range(count):
        copy = tree.copy()
        if transform(copy, i):
            yield copy.sql(dialect=dialect)


def _matching_conjuncts(tree: exp.Expr, required: exp.Expr,
                        domains: Mapping[str, Sequence[Any]]) -> list[tuple[exp.Select, exp.Expr]]:
    out: list[tuple[exp.Select, exp.Expr]] = []
    for select in tree.find_all(exp.Select):
        for term in conjuncts(select.args.get("where")):
            if equivalent(term, required, domains):
                out.append((select, term))
    return out


# --------------------------------------------------------------------------------------------------------
# Mutant generators, one per protection
# --------------------------------------------------------------------------------------------------------

RL1_WEAK = {
    "processed": ["processed = false", "processed is null", "processed = true", "processed is not null",
                  "processed is null or processed = true", "processed <> true", "true",
                  "coalesce(processed, true) = false", "processed is null and processed = false",
                  "processed is null or processed = false or phase = '0'"],
    "phase": ["phase is null", "phase = ''", "phase is not null", "phase is null or phase = '0'",
              "phase is null or phase <> ''", "trim(phase) = ''", "phase is null and phase = ''",
              "coalesce(phase, '0') = ''", "1 = 1", "phase is null or phase = '' or processed = true"],
}
RL1_EQUIVALENT = {
    "processed": ["coalesce(processed, false) = false", "not coalesce(processed, false)", "processed is not true",
                  "processed = false or processed is null", "(processed is null) or (not processed)",
                  "case when processed then false else true end", "false = coalesce(processed, false)"],
    "phase": ["coalesce(phase, '') = ''", "phase = '' or phase is null", "nullif(phase, '') is null",
              "length(coalesce(phase, '')) = 0", "'' = coalesce(phase, '')"],
}


def rl1_mutants(node: CompiledNode, params: Mapping[str, Any]) -> Iterator[tuple[str, str, str, bool]]:
    """(operator, description, sql, equivalent) for the move filter."""
    d = node.dialect
    tree = parse(node.sql, d)
    preds = []
    for item in params["predicates"]:
        domains = {str(k).lower(): list(v) for k, v in dict(item["domains"]).items()}
        preds.append((_cond(str(item["sql"]), d), domains, next(iter(domains))))
    for required, domains, column in preds:
        hits = _matching_conjuncts(tree, required, domains)

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
            for weak in RL1_WEAK[column]:
                yield "weaken_predicate", f"`{weak}` instead of `{required.sql(d)}`", \
                    _apply(tree, replace_term(weak, k), d), False
            for same in RL1_EQUIVALENT[column]:
                # the dialect's generator must keep the rewrite equivalent (sqlglot's snowflake generator
                # turns `x is not true` into `not x`, which is not): such rewrites are skipped
                round_trip = _cond(_cond(same, d).sql(dialect=d), d)
                if not equivalent(round_trip, required, domains):
                    continue
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
    yield "equivalent_comment", "comment naming UPLOAD_DB", \
        "-- copied from UPLOAD_DB.PUBLIC.platform_viewership\n" + node.sql, True


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


def rl2_mutants(node: CompiledNode, params: Mapping[str, Any]) -> Iterator[tuple[str, str, str, bool]]:
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


def _ancestors(node: exp.Expr, stop: exp.Expr) -> Iterator[exp.Expr]:
    current = node.parent
    while current is not None and current is not stop:
        yield current
        current = current.parent


def rl3_mutants(node: CompiledNode, env_map: EnvironmentMap,
                compiled: ProjectCompile) -> Iterator[tuple[str, str, str, bool]]:
    d = node.dialect
    tree = parse(node.sql, d)
    own = env_map.databases(node.target) | ({compiled.target_database.upper()} if compiled.target_database else set())
    foreign = sorted(env_map.all_databases() - own)
    tables = physical_tables(tree)
    for i in range(min(len(tables), 2)):
        for db in foreign[:3]:
            def hard_code(copy: exp.Expr, i: int = i, db: str = db) -> bool:
                found = physical_tables(copy)
                if i >= len(found):
                    return False
                t = found[i]
                t.set("catalog", exp.to_identifier(db))
                if t.args.get("db") is None:
                    t.set("db", exp.to_identifier("PUBLIC"))
                return True
            yield "hard_code_database", f"relation #{i} in {db}", _apply(tree, hard_code, d), False
    other_tables = sorted(env_map.all_table_names() - env_map.table_names(node.target))
    if other_tables and tables:
        def foreign_table(copy: exp.Expr, name: str = other_tables[0]) -> bool:
            t = physical_tables(copy)[0]
            t.set("this", exp.to_identifier(name))
            return True
        yield "foreign_table_name", f"relation renamed to {other_tables[0]}", _apply(tree, foreign_table, d), False
    yield "unrendered_jinja", "an unrendered {{ ref() }} left in the SQL", \
        node.sql.replace("select", "select {{ ref('x') }} as leftover,", 1), False
    for operator, projection in EVERYWHERE.items():
        yield operator, f"every target: `{projection}` added", _apply(tree, _add_projection(projection), d), True


EVERYWHERE = {
    "equivalent_string_literal": "'copied from TEST_STAGING to NOSEY_PROD' as note_text",
    "equivalent_quoted_alias": '1 as "ASSETS"',
}


def _add_projection(sql: str) -> Transform:
    def apply(copy: exp.Expr) -> bool:
        selects = [s for s in copy.find_all(exp.Select)]
        if not selects:
            return False
        root = copy if isinstance(copy, exp.Select) else selects[-1]
        root.set("expressions", [*root.expressions, sqlglot.parse_one(f"select {sql}").expressions[0]])
        return True
    return apply


def target_dependent(node: CompiledNode) -> Iterator[tuple[str, str, str, bool]]:
    """Only this target's SQL changes (as `{% if target.name == 'prod' %}` would do)."""
    tree = parse(node.sql, node.dialect)

    def extra(copy: exp.Expr) -> bool:
        root = copy if isinstance(copy, exp.Select) else None
        if root is None:
            return False
        terms = [exp.Paren(this=t.copy()) for t in conjuncts(root.args.get("where"))]
        _rebuild_where(root, [*terms, _cond("1 = 0", "duckdb")])
        return True
    yield "target_dependent_logic", f"extra filter only on {node.target}", _apply(tree, extra, node.dialect), False


def literal_mutants(node: CompiledNode, column: str, value: str, alternatives: Sequence[str],
                    operator: str, equivalent_forms: Sequence[str] = ()) -> Iterator[tuple[str, str, str, bool]]:
    """Replace the literal producing `column` in the final projection(s)."""
    d = node.dialect
    tree = parse(node.sql, d)

    def targets(copy: exp.Expr) -> list[exp.Expr]:
        out: list[exp.Expr] = []
        for alias in copy.find_all(exp.Alias):
            if alias.alias.lower() == column.lower():
                inner = alias.this
                while isinstance(inner, exp.Cast | exp.Paren):
                    inner = inner.this
                if isinstance(inner, exp.Literal) and str(inner.this) == value:
                    out.append(alias)
        return out

    for alt in alternatives:
        def swap(copy: exp.Expr, alt: str = alt) -> bool:
            found = targets(copy)
            for alias in found:
                inner = alias.this
                while isinstance(inner, exp.Cast | exp.Paren):
                    inner = inner.this
                is_string = isinstance(inner, exp.Literal) and inner.is_string
                inner.replace(exp.Literal.string(alt) if is_string else exp.Literal.number(alt))
            return bool(found)
        yield operator, f"{column} = {alt!r} instead of {value!r}", _apply(tree, swap, d), False
    for form in equivalent_forms:
        def same(copy: exp.Expr, form: str = form) -> bool:
            found = targets(copy)
            for alias in found:
                alias.set("this", sqlglot.parse_one(f"select {form}", dialect=d).expressions[0])
            return bool(found)
        yield f"equivalent_{operator}", f"{column} as `{form}`", _apply(tree, same, d), True


def replace_relation(node: CompiledNode, old: str, new: str) -> Iterator[tuple[str, str, str, bool]]:
    d = node.dialect
    tree = parse(node.sql, d)

    def apply(copy: exp.Expr) -> bool:
        changed = False
        for t in physical_tables(copy):
            if t.name.lower() == old.lower():
                t.set("this", exp.to_identifier(new))
                changed = True
        return changed
    yield "read_unmatched_rows", f"read {new} instead of {old}", _apply(tree, apply, d), False


def string_literal_mutants(node: CompiledNode, old: str, new: str, operator: str,
                           equivalent: bool = False) -> Iterator[tuple[str, str, str, bool]]:
    d = node.dialect
    tree = parse(node.sql, d)

    def apply(copy: exp.Expr) -> bool:
        hits = [lit for lit in copy.find_all(exp.Literal) if lit.is_string and str(lit.this) == old]
        for lit in hits:
            lit.replace(exp.Literal.string(new))
        return bool(hits)
    yield operator, f"'{old}' -> '{new}'", _apply(tree, apply, d), equivalent


def number_comparison_mutants(node: CompiledNode, value: int, alternatives: Sequence[int],
                              operator: str) -> Iterator[tuple[str, str, str, bool]]:
    d = node.dialect
    tree = parse(node.sql, d)
    for alt in alternatives:
        def apply(copy: exp.Expr, alt: int = alt) -> bool:
            hits = [lit for lit in copy.find_all(exp.Literal) if not lit.is_string and str(lit.this) == str(value)
                    and isinstance(lit.parent, exp.GTE | exp.GT | exp.LT | exp.LTE)]
            for lit in hits:
                lit.replace(exp.Literal.number(alt))
            return bool(hits)
        yield operator, f"year guard {value} -> {alt}", _apply(tree, apply, d), False

    def flip(copy: exp.Expr) -> bool:
        hits = [c for c in copy.find_all(exp.GTE) if isinstance(c.expression, exp.Literal)
                and str(c.expression.this) == str(value)]
        for c in hits:
            c.replace(exp.GT(this=c.this.copy(), expression=exp.Literal.number(value - 1)))
        return bool(hits)
    yield f"equivalent_{operator}", f">= {value} -> > {value - 1}", _apply(tree, flip, d), True


def swapped_comparisons(node: CompiledNode, operator: str,
                        selector: Callable[[exp.Expr], bool]) -> Iterator[tuple[str, str, str, bool]]:
    """Equivalent rewrite: `a = b` -> `b = a`, `a >= b` -> `b <= a` for the selected comparisons."""
    d = node.dialect
    flip = {exp.EQ: exp.EQ, exp.NEQ: exp.NEQ, exp.GTE: exp.LTE, exp.GT: exp.LT, exp.LTE: exp.GTE, exp.LT: exp.GT}

    def apply(copy: exp.Expr) -> bool:
        hits = [c for c in copy.find_all(exp.EQ, exp.NEQ, exp.GTE, exp.GT, exp.LTE, exp.LT) if selector(c)]
        for c in hits:
            c.replace(flip[type(c)](this=c.expression.copy(), expression=c.this.copy()))
        return bool(hits)
    yield operator, "comparison operands swapped", _apply(parse(node.sql, d), apply, d), True


def _compares_column_with(column: str, literal_is_string: bool) -> Callable[[exp.Expr], bool]:
    def selector(c: exp.Expr) -> bool:
        sides = (c.this, c.expression)
        has_column = any(col.name.lower() == column for side in sides for col in side.find_all(exp.Column))
        has_literal = any(isinstance(side, exp.Literal) and side.is_string == literal_is_string for side in sides)
        return has_column and has_literal
    return selector


def _compares_year(c: exp.Expr) -> bool:
    return any(isinstance(side, exp.Literal) and not side.is_string and str(side.this) == "2000"
               for side in (c.this, c.expression))


def window_mutants(node: CompiledNode, columns: Sequence[str]) -> Iterator[tuple[str, str, str, bool]]:
    d = node.dialect
    tree = parse(node.sql, d)

    def windows(copy: exp.Expr) -> list[exp.Window]:
        out = []
        for w in copy.find_all(exp.Window):
            order = w.args.get("order")
            if isinstance(w.this, exp.RowNumber) and order is not None and order.expressions and \
                    isinstance(order.expressions[0].this, exp.Column) and \
                    order.expressions[0].this.name.lower() == columns[0]:
                out.append(w)
        return out

    def swap(copy: exp.Expr) -> bool:
        ws = windows(copy)
        for w in ws:
            keys = w.args["order"].expressions
            keys[0], keys[1] = keys[1], keys[0]
            w.args["order"].set("expressions", keys)
        return bool(ws)

    def desc(copy: exp.Expr) -> bool:
        ws = windows(copy)
        for w in ws:
            w.args["order"].expressions[0].set("desc", True)
        return bool(ws)

    def asc(copy: exp.Expr) -> bool:
        ws = windows(copy)
        for w in ws:
            w.args["order"].expressions[0].set("desc", False)
        return bool(ws)

    yield "swap_bucket_order", "branch priority before bucket priority", _apply(tree, swap, d), False
    yield "reverse_bucket_order", "bucket priority descending", _apply(tree, desc, d), False
    yield "equivalent_explicit_asc", "explicit ascending order", _apply(tree, asc, d), True


def grant_mutants(node: CompiledNode) -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    yield "drop_grant", "grants: {}", {}, False
    yield "empty_grant", "grants: {select: []}", {"select": []}, False
    yield "other_role", "grants: {select: [WEB_APP_RO]}", {"select": ["WEB_APP_RO"]}, False
    yield "other_privilege", "grants: {insert: [WEB_APP]}", {"insert": ["WEB_APP"]}, False
    yield "equivalent_extra_role", "grants: {select: [WEB_APP, ANALYST]}", {"select": ["WEB_APP", "ANALYST"]}, True
    yield "equivalent_plus_key", "grants: {+select: [web_app]}", {"+select": ["web_app"]}, True


RAW_KILLS = [
    ("hard_code_source", "source() replaced by UPLOAD_DB.PUBLIC.platform_viewership",
     "{{ source('upload', 'platform_viewership') }}", "UPLOAD_DB.PUBLIC.platform_viewership"),
    ("hard_code_quoted", 'source() replaced by "TEST_STAGING"."PUBLIC"."platform_viewership"',
     "{{ source('upload', 'platform_viewership') }}", '"TEST_STAGING"."PUBLIC"."platform_viewership"'),
    ("hard_code_config", "config(database='NOSEY_PROD') added", "\nwith\n",
     "\n{{ config(database='NOSEY_PROD') }}\nwith\n"),
    ("hard_code_two_part", "from ASSETS.episode_details", "\nwith\n",
     "\nwith\n\nhard_coded as (select * from ASSETS.episode_details),\n"),
    ("hard_code_table", "from EPISODE_DETAILS_TEST_STAGING", "\nwith\n",
     "\nwith\n\nhard_coded as (select * from EPISODE_DETAILS_TEST_STAGING),\n"),
]
RAW_EQUIVALENTS = [
    ("comment_name", "a SQL comment naming UPLOAD_DB.PUBLIC.platform_viewership", "\nwith\n",
     "\n-- legacy: UPLOAD_DB.PUBLIC.platform_viewership and NOSEY_PROD.PUBLIC.x\nwith\n"),
    ("jinja_comment_name", "a Jinja comment naming TEST_STAGING.PUBLIC.x", "\nwith\n",
     "\n{# moved from TEST_STAGING.PUBLIC.platform_viewership #}\nwith\n"),
    ("string_name", "a string literal naming ASSETS.PUBLIC.EPISODE_DETAILS", "\nwith\n",
     "\nwith\n\nnotes as (select 'was ASSETS.PUBLIC.EPISODE_DETAILS' as note_text),\n"),
    ("cte_named_like_db", "a CTE named assets, used qualified", "\nwith\n",
     "\nwith\n\nassets as (select 1 as ref_id),\nassets_used as (select assets.ref_id from assets),\n"),
    ("quoted_alias", 'a quoted alias "NOSEY_PROD"', "\nwith\n", '\nwith\n\nq as (select 1 as "NOSEY_PROD"),\n'),
    ("ref_named_like_db", "ref('assets') (a model named like a database)", "\nwith\n",
     "\nwith\n\nr as (select * from {{ ref('assets') }}),\n"),
]
YAML_KILLS = [
    ("yaml_database", "database: TEST_STAGING on a model", "    config:\n",
     "    config:\n      database: TEST_STAGING\n"),
    ("yaml_alias", "alias: EPISODE_DETAILS_TEST_STAGING", "    config:\n",
     "    config:\n      alias: EPISODE_DETAILS_TEST_STAGING\n"),
]
YAML_EQUIVALENTS = [
    ("yaml_description", "description mentioning NOSEY_PROD", "    config:\n",
     "    config:\n      meta: {note: 'prod runs in NOSEY_PROD'}\n"),
]


def generate(gov: Governance, compiles: Mapping[str, ProjectCompile], env_map: EnvironmentMap,
             root: Path, mutate_targets: Sequence[str] | None = None) -> list[Mutant]:
    """Every mutant of every protected model on the chosen compiles (the others are comparison partners)."""
    mutants: list[Mutant] = []

    def add(rule: str, node: CompiledNode, items: Iterator[tuple[str, str, str, bool]],
            also: tuple[str, ...] = ()) -> None:
        for operator, description, sql, is_equivalent in items:
            if not sql:
                continue
            mutants.append(Mutant(f"{rule}:{node.name}:{node.target}:{operator}:{len(mutants)}", rule, node.name,
                                  node.target, operator, description, is_equivalent, sql=sql, also_check=also,
                                  same_everywhere=operator in EVERYWHERE))

    def spec_params(rule_id: str, check: str) -> Mapping[str, Any]:
        for spec in gov.rule(rule_id).checks:
            if spec.check == check:
                return spec.params
        raise ConfigError(f"{rule_id} has no {check} check")

    protected: set[str] = set()
    for target, compiled in compiles.items():
        if mutate_targets is not None and target not in mutate_targets:
            continue
        move = compiled.by_name("stg_upload__platform_viewership")
        if move is not None:
            add("RL-1", move, rl1_mutants(move, spec_params("RL-1", "required_filter")))
            protected.add(move.name)
        refser = compiled.by_name("int_match_ref_id_series")
        if refser is not None:
            add("RL-2", refser, rl2_mutants(refser, spec_params("RL-2", "union_fallback_guard")))
            protected.add(refser.name)
        for spec in gov.rule("RL-4").checks:
            nodes, _ = compiled.select(spec.selector)
            for node in nodes:
                if spec.check == "phase_value":
                    value = str(spec.params["value"])
                    alts = [v for v in ("0", "1", "2", "3", "4", "") if v != value]
                    add("RL-4", node, literal_mutants(node, "phase", value, alts, "swap_phase",
                                                      [f"'{value}'", f"cast('{value}' as varchar(10))"]))
                elif spec.check == "reads_only":
                    for other in ("int_episode_details_validated", "int_viewership_matched"):
                        add("RL-4", node, replace_relation(node, other, "int_viewership_normalized"))
                protected.add(node.name)
        validated = compiled.by_name("int_episode_details_validated")
        if validated is not None:
            add("RL-4", validated, replace_relation(validated, "int_viewership_matched", "int_viewership_normalized"),
                also=("fct_episode_details",))
            add("RL-7", validated, string_literal_mutants(validated, "revenue", "rev", "drop_revenue_branch"))
            add("RL-7", validated, _missing_week(validated))
            add("RL-7", validated, swapped_comparisons(validated, "equivalent_swapped_data_type_test",
                                                       _compares_column_with("data_type", True)))
        for spec in gov.rule("RL-8").checks:
            nodes, _ = compiled.select(spec.selector)
            for node in nodes:
                if spec.check == "output_literal":
                    value = str(spec.params["value"])
                    alts = [str(int(value) + 1), str(int(value) - 1 if int(value) > 1 else 9)]
                    add("RL-8", node, literal_mutants(node, "bucket_priority", value, alts, "change_bucket_order"))
                elif spec.check == "window_order_prefix":
                    add("RL-8", node, window_mutants(node, [str(c) for c in spec.params["columns"]]))
        parsed = [n for n in compiled.models() if n.original_file_path.startswith("models/silver/normalization/")]
        for node in parsed:
            literals = {str(lit.this) for lit in parse(node.sql, node.dialect).find_all(exp.Literal) if lit.is_string}
            if "january" in literals:
                add("RL-6", node, string_literal_mutants(node, "january", "jan_uary", "drop_month_name"))
            if "q1" in literals and "q" not in literals:
                add("RL-6", node, string_literal_mutants(node, "q1", "Q1", "upper_case_quarter"))
            add("RL-6", node, number_comparison_mutants(node, 2000, [1970, 1900], "weaken_year_guard"))
            add("RL-6", node, swapped_comparisons(node, "equivalent_swapped_year_guard", _compares_year))
        for name in sorted(protected | {"int_match_ref_id_series"}):
            found = compiled.by_name(name)
            if found is not None:
                add("RL-3", found, rl3_mutants(found, env_map, compiled))
        partner = {"prod": "staging", "staging": "prod"}.get(target)
        if partner in compiles:
            for name in sorted(protected):
                found = compiled.by_name(name)
                if found is not None:
                    add("RL-3", found, target_dependent(found))
        for spec in gov.rule("RL-5").checks:
            nodes, _ = compiled.select(spec.selector)
            for node in nodes:
                for operator, description, grants, same in grant_mutants(node):
                    mutants.append(Mutant(f"RL-5:{node.name}:{target}:{operator}:{len(mutants)}", "RL-5", node.name,
                                          target, operator, description, same, grants=grants))
    # raw sources (target-independent)
    first = next(iter(compiles.values()), None)
    move = first.by_name("stg_upload__platform_viewership") if first else None
    if move is not None:
        path = move.original_file_path
        text = (root / path).read_text(encoding="utf-8")
        for operator, description, old, new in RAW_KILLS + RAW_EQUIVALENTS:
            if old in text:
                eq = (operator, description, old, new) in RAW_EQUIVALENTS
                mutants.append(Mutant(f"RL-3:{move.name}:source:{operator}:{len(mutants)}", "RL-3", move.name, "*",
                                      operator, description, eq, source=(path, text.replace(old, new, 1))))
    yml = root / "models" / "gold" / "_gold__models.yml"
    if yml.is_file():
        text = yml.read_text(encoding="utf-8")
        rel = yml.relative_to(root).as_posix()
        for operator, description, old, new in YAML_KILLS + YAML_EQUIVALENTS:
            if old in text:
                eq = (operator, description, old, new) in YAML_EQUIVALENTS
                mutants.append(Mutant(f"RL-3:gold_yaml:source:{operator}:{len(mutants)}", "RL-3", "_gold__models",
                                      "*", operator, description, eq, source=(rel, text.replace(old, new, 1))))
    return mutants


def _missing_week(node: CompiledNode) -> Iterator[tuple[str, str, str, bool]]:
    yield "reintroduce_missing_week", "validation message 'Missing week' reintroduced", \
        _apply(parse(node.sql, node.dialect), _add_projection("'Missing week' as obsolete_reason"), node.dialect), False


def run_mutant(mutant: Mutant, gov: Governance, compiles: Mapping[str, ProjectCompile], root: Path,
               env_map: EnvironmentMap) -> MutantResult:
    mutated = dict(compiles)
    overrides: dict[str, str] = {}
    if mutant.source is not None:
        overrides[mutant.source[0]] = mutant.source[1]
    else:
        compiled = compiles[mutant.target]
        node = compiled.by_name(mutant.model)
        if node is None:
            return MutantResult(mutant, False, "model vanished")
        if mutant.sql is not None:
            node = replace(node, compiled_code=mutant.sql)
        if mutant.same_everywhere:
            for other_target, other in compiles.items():
                other_node = other.by_name(mutant.model)
                if other_target == mutant.target or other_node is None:
                    continue
                sql = _apply(parse(other_node.sql, other_node.dialect),
                             _add_projection(EVERYWHERE[mutant.operator]), other_node.dialect)
                other_nodes = dict(other.nodes)
                other_nodes[other_node.unique_id] = replace(other_node, compiled_code=sql)
                mutated[other_target] = replace(other, nodes=other_nodes)
        if mutant.grants is not None:
            node = replace(node, grants=mutant.grants)
        nodes = dict(compiled.nodes)
        nodes[node.unique_id] = node
        mutated[mutant.target] = replace(compiled, nodes=nodes)
    focus = frozenset({mutant.model, *mutant.also_check})
    outcome = evaluate(gov, mutated, root, env_map, [mutant.rule], focus=focus, overrides=overrides)
    hits = [f for f in outcome.findings if f.status in {VIOLATION, ERROR}]
    detail = hits[0].message if hits else ""
    by_error = bool(hits) and all(f.status == ERROR for f in hits)
    return MutantResult(mutant, bool(hits), detail[:200], by_error)


@dataclass(frozen=True)
class MutationSummary:
    results: tuple[MutantResult, ...]
    seconds: float

    @property
    def killers(self) -> list[MutantResult]:
        return [r for r in self.results if not r.mutant.equivalent]

    @property
    def killed(self) -> int:
        return sum(1 for r in self.killers if r.flagged)

    @property
    def kill_rate(self) -> float:
        return self.killed / len(self.killers) if self.killers else 0.0

    @property
    def false_positives(self) -> list[MutantResult]:
        return [r for r in self.results if r.mutant.equivalent and r.flagged]


def run_all(gov: Governance, compiles: Mapping[str, ProjectCompile], root: Path,
            env_map: EnvironmentMap, mutate_targets: Sequence[str] | None = None) -> MutationSummary:
    started = time.monotonic()
    baseline = evaluate(gov, compiles, root, env_map)
    if baseline.exit_code != 0:
        bad = "; ".join(f"{f.rule.id} {f.model}: {f.message}" for f in baseline.findings[:5])
        raise CheckError(f"the unmutated project is not clean, mutation results would be meaningless: {bad}")
    mutants = generate(gov, compiles, env_map, root, mutate_targets)
    results = tuple(run_mutant(m, gov, compiles, root, env_map) for m in mutants)
    return MutationSummary(results, time.monotonic() - started)


@click.command()
@click.option("--target", "targets", multiple=True, type=click.Choice(["dev", "ci", "staging", "prod"]),
              help="Compiles to use (default: dev, staging, prod; mutants are made on dev and prod, staging is "
                   "the comparison partner of prod).")
@click.option("--manifest", "manifests", multiple=True, metavar="TARGET=PATH")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--min-kill-rate", type=float, default=0.95, show_default=True)
@click.option("--min-mutants", type=int, default=200, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--verbose", is_flag=True, help="List every mutant.")
def mutate(targets: tuple[str, ...], manifests: tuple[str, ...], project_dir: Path | None,
           work_dir: Path | None, min_kill_rate: float, min_mutants: int, fmt: str, verbose: bool) -> None:
    """Mutation-test the red-line checks: kill rate of weakening mutants and false positives on equivalents."""
    from redline.cli import find_root, gather

    try:
        root = project_dir.resolve() if project_dir else find_root()
        gov = load_governance(root)
        env_map = load_environment_map(root)
        chosen = list(targets) or ([] if manifests else ["dev", "staging", "prod"])
        compiles, _ = gather(root, chosen, manifests, work_dir)
        mutated = [t for t in compiles if t != "staging"] if "prod" in compiles else list(compiles)
        summary = run_all(gov, compiles, root, env_map, mutated)
    except (ConfigError, ManifestError, CompileError, CheckError) as exc:
        click.echo(f"redline mutate: could not evaluate: {exc}", err=True)
        sys.exit(2)
    survivors = [r for r in summary.killers if not r.flagged]
    fps = summary.false_positives
    total = len(summary.results)
    ok = summary.kill_rate >= min_kill_rate and not fps and total >= min_mutants
    if fmt == "json":
        click.echo(json.dumps({
            "mutants": total, "weakening": len(summary.killers), "equivalent": total - len(summary.killers),
            "killed": summary.killed, "kill_rate": round(summary.kill_rate, 4),
            "killed_by_error": sum(1 for r in summary.killers if r.flagged and r.by_error),
            "false_positives": [r.mutant.id for r in fps], "survivors": [r.mutant.id for r in survivors],
            "seconds": round(summary.seconds, 1), "ok": ok,
        }, indent=2))
    else:
        by_rule: dict[str, list[MutantResult]] = {}
        for r in summary.results:
            by_rule.setdefault(r.mutant.rule, []).append(r)
        for rule, results in sorted(by_rule.items()):
            kills = [r for r in results if not r.mutant.equivalent]
            eqs = [r for r in results if r.mutant.equivalent]
            click.echo(f"{rule}: {sum(r.flagged for r in kills)}/{len(kills)} weakening mutants killed, "
                       f"{sum(r.flagged for r in eqs)}/{len(eqs)} equivalent rewrites flagged")
        if verbose:
            for r in summary.results:
                state = ("KILLED" if r.flagged else "SURVIVED") if not r.mutant.equivalent else \
                    ("FALSE POSITIVE" if r.flagged else "not flagged")
                click.echo(f"  {state:14} {r.mutant.id}: {r.mutant.description}")
        for r in survivors:
            click.echo(f"SURVIVOR {r.mutant.id}: {r.mutant.description}")
        for r in fps:
            click.echo(f"FALSE POSITIVE {r.mutant.id}: {r.mutant.description} -> {r.detail}")
        errors = sum(1 for r in summary.killers if r.flagged and r.by_error)
        if errors:
            click.echo(f"({errors} of the kills are 'could not evaluate' (exit 2), not violations)")
        click.echo(f"redline mutate: {total} mutants ({len(summary.killers)} weakening, "
                   f"{total - len(summary.killers)} equivalent), kill rate {summary.kill_rate:.1%} "
                   f"({summary.killed}/{len(summary.killers)}), false positives {len(fps)} ({summary.seconds:.1f} s)")
        click.echo("PASS" if ok else f"FAIL: need >= {min_kill_rate:.0%} killed, 0 false positives and "
                   f">= {min_mutants} mutants")
    sys.exit(0 if ok else 1)
