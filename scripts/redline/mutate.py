"""`redline mutate`: mutation testing of the red-line checks themselves.

Mutants are generated from governance/redlines.yml: each check type has its mutation operators, and the
models, columns and values they mutate come from the rule entries (selectors, params), environment names
from vars.environments; nothing in this module names a model. They change the compiled SQL (per target
dialect), the resolved YAML config (grants) and the raw sources of the models the rules name. Each mutant
weakens or removes one protection (drop or weaken a predicate, drop the UNION branch, drop or invert NOT
EXISTS, hard-code a database, drop a grant, swap a phase, change a bucket order...) and must be flagged by its
rule (killed). Equivalent rewrites (reordered, qualified, renamed, three-valued-equivalent predicates, names
in comments/strings/CTEs...) must NOT be flagged: each flag is a false positive. Exit 1 below the kill-rate
threshold or with any false positive.
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
from redline.config import (
    CheckSpec,
    ConfigError,
    EnvironmentMap,
    Governance,
    Rule,
    load_environment_map,
    load_governance,
)
from redline.engine import ERROR, VIOLATION, evaluate
from redline.manifest import CompiledNode, ManifestError, ProjectCompile
from redline.registry import CheckError
from redline.sqlast import column_names, conjuncts, equivalent, parse, physical_tables

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
    everywhere: str = ""  # this projection is added on every compile (a target-independent edit)


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


def rl1_mutants(node: CompiledNode, params: Mapping[str, Any],
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


def rl3_mutants(node: CompiledNode, env_map: EnvironmentMap, compiled: ProjectCompile,
                spread: Mapping[str, str]) -> Iterator[tuple[str, str, str, bool]]:
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
    for operator, projection in spread.items():
        yield operator, f"every target: `{projection}` added", _apply(tree, _add_projection(projection), d), True


@dataclass(frozen=True)
class EnvNames:
    """Environment names the mutants spell, all read from vars.environments (dbt_project.yml)."""

    databases: tuple[str, ...]  # sorted
    tables: tuple[str, ...]  # env-bound table names that differ between targets (else all), sorted

    @classmethod
    def of(cls, env_map: EnvironmentMap) -> EnvNames:
        per_target = [env_map.table_names(t) for t in env_map.targets]
        common = frozenset.intersection(*per_target) if per_target else frozenset()
        tables = sorted(env_map.all_table_names() - common) or sorted(env_map.all_table_names())
        return cls(tuple(sorted(env_map.all_databases())), tuple(tables))

    def everywhere(self) -> dict[str, str]:
        """Equivalent edits applied on every target: names only inside a string or a quoted alias."""
        if not self.databases:
            return {}
        first, last = self.databases[0], self.databases[-1]
        return {"equivalent_string_literal": f"'copied from {first} to {last}' as note_text",
                "equivalent_quoted_alias": f'1 as "{first}"'}


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


def grant_mutants(role: str, privilege: str) -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    """Grant configs that lose the required role/privilege, and equivalent ones that keep it."""
    other = "insert" if privilege.lower() != "insert" else "update"
    yield "drop_grant", "grants: {}", {}, False
    yield "empty_grant", f"grants: {{{privilege}: []}}", {privilege: []}, False
    yield "other_role", f"grants: {{{privilege}: [{role}_RO]}}", {privilege: [f"{role}_RO"]}, False
    yield "other_privilege", f"grants: {{{other}: [{role}]}}", {other: [role]}, False
    yield "equivalent_extra_role", f"grants: {{{privilege}: [{role}, ANALYST]}}", \
        {privilege: [role, "ANALYST"]}, True
    yield "equivalent_plus_key", f"grants: {{+{privilege}: [{role.lower()}]}}", {f"+{privilege}": [role.lower()]}, True


SOURCE_CALL = re.compile(r"\{\{\s*source\(\s*'(\w+)'\s*,\s*'(\w+)'\s*\)\s*\}\}")
ANCHOR = "\nwith\n"


def raw_source_edits(text: str, names: EnvNames) -> Iterator[tuple[str, str, str, str, bool]]:
    """(operator, description, old, new, equivalent) edits of a model's raw source: environment names
    spelled in code (must be flagged) or only in comments, strings and look-alike identifiers (must not).
    The texts are only scanned by the checker, never run (hence the S608 waivers below)."""
    if not names.databases or ANCHOR not in text:
        return
    first, last = names.databases[0], names.databases[-1]
    low = first.lower()
    call = SOURCE_CALL.search(text)
    if call is not None:
        table = call.group(2)
        yield "hard_code_source", f"source() replaced by {last}.PUBLIC.{table}", call.group(0), \
            f"{last}.PUBLIC.{table}", False
        yield "hard_code_quoted", f'source() replaced by "{first}"."PUBLIC"."{table}"', call.group(0), \
            f'"{first}"."PUBLIC"."{table}"', False
    yield "hard_code_config", f"config(database='{last}') added", ANCHOR, \
        f"\n{{{{ config(database='{last}') }}}}{ANCHOR}", False
    yield "hard_code_two_part", f"from {first}.some_table", ANCHOR, \
        f"{ANCHOR}\nhard_coded as (select * from {first}.some_table),\n", False  # noqa: S608
    if names.tables:
        yield "hard_code_table", f"from {names.tables[0]}", ANCHOR, \
            f"{ANCHOR}\nhard_coded as (select * from {names.tables[0]}),\n", False  # noqa: S608
    yield "comment_name", f"a SQL comment naming {last}.PUBLIC.x", ANCHOR, \
        f"\n-- legacy: {last}.PUBLIC.x and {first}.PUBLIC.y{ANCHOR}", True
    yield "jinja_comment_name", f"a Jinja comment naming {first}.PUBLIC.x", ANCHOR, \
        f"\n{{# moved from {first}.PUBLIC.x #}}{ANCHOR}", True
    yield "string_name", f"a string literal naming {first}.PUBLIC.X", ANCHOR, \
        f"{ANCHOR}\nnotes as (select 'was {first}.PUBLIC.X' as note_text),\n", True
    yield "cte_named_like_db", f"a CTE named {low}, used qualified", ANCHOR, \
        f"{ANCHOR}\n{low} as (select 1 as ref_id),\n{low}_used as (select {low}.ref_id from {low}),\n", True  # noqa: S608
    yield "quoted_alias", f'a quoted alias "{last}"', ANCHOR, f'{ANCHOR}\nq as (select 1 as "{last}"),\n', True
    yield "ref_named_like_db", f"ref('{low}') (a model named like a database)", ANCHOR, \
        f"{ANCHOR}\nr as (select * from {{{{ ref('{low}') }}}}),\n", True  # noqa: S608


CONFIG_ANCHOR = "    config:\n"


def yaml_edits(text: str, names: EnvNames) -> Iterator[tuple[str, str, str, str, bool]]:
    if not names.databases or CONFIG_ANCHOR not in text:
        return
    first, last = names.databases[0], names.databases[-1]
    yield "yaml_database", f"database: {first} on a model", CONFIG_ANCHOR, \
        f"{CONFIG_ANCHOR}      database: {first}\n", False
    if names.tables:
        yield "yaml_alias", f"alias: {names.tables[0]}", CONFIG_ANCHOR, \
            f"{CONFIG_ANCHOR}      alias: {names.tables[0]}\n", False
    yield "yaml_description", f"meta note mentioning {last}", CONFIG_ANCHOR, \
        f"{CONFIG_ANCHOR}      meta: {{note: 'prod runs in {last}'}}\n", True


def _string_literals(node: CompiledNode) -> set[str]:
    return {str(lit.this) for lit in parse(node.sql, node.dialect).find_all(exp.Literal) if lit.is_string}


def literal_rewrite_mutants(node: CompiledNode, mapping: Mapping[str, str], operator: str,
                            case_sensitive: bool) -> Iterator[tuple[str, str, str, bool]]:
    """Every string literal equal to a key (case-insensitively unless case_sensitive) becomes its value."""
    d = node.dialect
    keys = {(k if case_sensitive else k.lower()): v for k, v in mapping.items()}

    def apply(copy: exp.Expr) -> bool:
        hits = [lit for lit in copy.find_all(exp.Literal) if lit.is_string and
                (str(lit.this) if case_sensitive else str(lit.this).lower()) in keys]
        for lit in hits:
            lit.replace(exp.Literal.string(keys[str(lit.this) if case_sensitive else str(lit.this).lower()]))
        return bool(hits)
    shown = ", ".join(f"'{k}' -> '{v}'" for k, v in mapping.items())
    yield operator, shown, _apply(parse(node.sql, d), apply, d), False


def _split_word(word: str) -> str:
    half = max(1, len(word) // 2)
    return f"{word[:half]}_{word[half:]}"


def _compares_number(value: int) -> Callable[[exp.Expr], bool]:
    def selector(c: exp.Expr) -> bool:
        return any(isinstance(side, exp.Literal) and not side.is_string and str(side.this) == str(value)
                   for side in (c.this, c.expression))
    return selector


def _add_marker(node: CompiledNode, marker: str) -> Iterator[tuple[str, str, str, bool]]:
    text = marker[:1].upper() + marker[1:]
    literal = "'" + text.replace("'", "''") + "'"
    yield "reintroduce_forbidden_literal", f"string literal {literal} reintroduced", \
        _apply(parse(node.sql, node.dialect), _add_projection(f"{literal} as obsolete_reason"), node.dialect), False


MutantItems = Iterator[tuple[str, str, str, bool]]


def check_mutants(spec: CheckSpec, rule: Rule, node: CompiledNode, compiled: ProjectCompile,
                  names: EnvNames) -> Iterator[tuple[CompiledNode, MutantItems, tuple[str, ...]]]:
    """The mutation operators of one model check, keyed by its check type; every model name, column and
    value comes from the rule entry (params, selectors) or the compiled project: (node, mutants, also_check)."""
    params = spec.params
    if spec.check == "required_filter":
        table = str(dict(params.get("source") or {}).get("table", "source_table"))
        relation = f"{names.databases[-1]}.PUBLIC.{table}" if names.databases else table
        yield node, rl1_mutants(node, params, relation), ()
    elif spec.check == "union_fallback_guard":
        yield node, rl2_mutants(node, params), ()
    elif spec.check == "phase_value":
        value = str(params["value"])
        siblings = sorted({str(c.params["value"]) for c in rule.checks
                           if c.check == spec.check and "value" in c.params})
        beyond = str(max(int(v) for v in siblings) + 1) if all(v.isdigit() for v in siblings) else f"{value}x"
        alternatives = [v for v in [*siblings, beyond, ""] if v != value]
        yield node, literal_mutants(node, str(params.get("column", "phase")), value, alternatives, "swap_phase",
                                    [f"'{value}'", f"cast('{value}' as varchar(10))"]), ()
    elif spec.check == "reads_only":
        through = [str(x) for x in params.get("through") or []]
        forbidden = [str(x) for x in params.get("forbidden") or []]
        if not forbidden:
            return
        parents = sorted({p.name for uid in node.depends_on if (p := compiled.nodes.get(uid)) is not None
                          and p.resource_type == "model"})
        for parent in parents:
            yield node, replace_relation(node, parent, forbidden[0]), ()
        for parent in parents:  # one step upstream: a parent that stops reading `through`
            upstream = compiled.by_name(parent)
            if upstream is None or parent in through:
                continue
            for allowed in through:
                yield upstream, replace_relation(upstream, allowed, forbidden[0]), (node.name,)
    elif spec.check == "data_type_branch":
        column = str(params.get("column", "data_type"))
        for value in [str(v) for v in params.get("values") or []]:
            yield node, literal_rewrite_mutants(node, {value: value[:3] if value[:3] != value else f"{value}_x"},
                                                "drop_data_type_branch", False), ()
        yield node, swapped_comparisons(node, "equivalent_swapped_data_type_test",
                                        _compares_column_with(column.lower(), True)), ()
    elif spec.check == "forbidden_literal":
        for marker in [str(m) for m in params.get("markers") or []]:
            yield node, _add_marker(node, marker), ()
    elif spec.check == "output_literal":
        value = str(params["value"])
        alternatives = [str(int(value) + 1), str(int(value) - 1 if int(value) > 1 else 9)] if value.isdigit() \
            else [f"{value}x", ""]
        # operator name kept from the first output_literal red line (the bucket order, RL-8)
        yield node, literal_mutants(node, str(params["column"]), value, alternatives, "change_bucket_order"), ()
    elif spec.check == "window_order_prefix":
        yield node, window_mutants(node, [str(c) for c in params["columns"]]), ()
    elif spec.check == "required_literal":
        case_sensitive = bool(params.get("case_sensitive", False))
        present = _string_literals(node)
        seen = present if case_sensitive else {x.lower() for x in present}
        options = [str(o) for o in params.get("any_of") or []]
        found = [o for o in options if (o if case_sensitive else o.lower()) in seen]
        if found and case_sensitive and any(o.upper() != o for o in found):
            yield node, literal_rewrite_mutants(node, {o: o.upper() for o in found}, "upper_case_literal", True), ()
        elif found:
            yield node, literal_rewrite_mutants(node, {o: _split_word(o) for o in found}, "drop_required_literal",
                                                case_sensitive), ()
    elif spec.check == "year_guard":
        minimum = int(params.get("minimum", 2000))
        yield node, number_comparison_mutants(node, minimum, [minimum - 30, minimum - 100], "weaken_year_guard"), ()
        yield node, swapped_comparisons(node, "equivalent_swapped_year_guard", _compares_number(minimum)), ()


def _mutated_nodes(spec: CheckSpec, rule: Rule, compiled: ProjectCompile) -> list[CompiledNode]:
    """The models a check's mutants are made on: the selected ones; for a path/tag-selected check whose
    selection is broad, the selected models the same rule names elsewhere (else the first selected)."""
    nodes, _missing = compiled.select(spec.selector)
    if spec.selector.names or spec.check not in BROAD_CHECKS:
        return nodes
    named = {n for other in rule.checks for n in other.selector.names}
    chosen = [n for n in nodes if n.name in named]
    return chosen or nodes[:1]


BROAD_CHECKS = frozenset({"forbidden_literal"})  # checks that scan many models for one marker


def generate(gov: Governance, compiles: Mapping[str, ProjectCompile], env_map: EnvironmentMap,
             root: Path, mutate_targets: Sequence[str] | None = None,
             only_rules: Sequence[str] | None = None) -> list[Mutant]:
    """Every mutant of every model the rules select, on the chosen compiles (the others are comparison
    partners). Operators are keyed by check type; models, columns and values come from governance/redlines.yml
    and environment names from vars.environments: adding a model to a rule's selector adds its mutants."""
    mutants: list[Mutant] = []
    names = EnvNames.of(env_map)
    spread = names.everywhere()

    def add(rule: str, node: CompiledNode, items: Iterator[tuple[str, str, str, bool]],
            also: tuple[str, ...] = ()) -> None:
        for operator, description, sql, is_equivalent in items:
            if not sql:
                continue
            mutants.append(Mutant(f"{rule}:{node.name}:{node.target}:{operator}:{len(mutants)}", rule, node.name,
                                  node.target, operator, description, is_equivalent, sql=sql, also_check=also,
                                  everywhere=spread.get(operator, "")))

    named = sorted({n for r in gov.rules for spec in r.checks for n in spec.selector.names})
    rules = [r for r in gov.rules if only_rules is None or r.id in only_rules]
    for target, compiled in compiles.items():
        if mutate_targets is not None and target not in mutate_targets:
            continue
        partners = [t for t, c in compiles.items() if t != target and c.dialect == compiled.dialect]
        for rule in rules:
            for spec in rule.checks:
                if spec.check == "grants_role":
                    role, privilege = str(spec.params["role"]), str(spec.params.get("privilege", "select"))
                    for node in compiled.select(spec.selector)[0]:
                        for operator, description, grants, same in grant_mutants(role, privilege):
                            mutants.append(Mutant(f"{rule.id}:{node.name}:{target}:{operator}:{len(mutants)}",
                                                  rule.id, node.name, target, operator, description, same,
                                                  grants=grants))
                elif spec.check == "compiled_environment_binding":
                    selected = {n.name for n in compiled.select(spec.selector)[0]} if not spec.selector.is_empty() \
                        else {n.name for n in compiled.models()}
                    for name in named:
                        found = compiled.by_name(name)
                        if found is not None and name in selected:
                            add(rule.id, found, rl3_mutants(found, env_map, compiled, spread))
                elif spec.check == "compiles_identical":
                    if partners:
                        for name in named:
                            found = compiled.by_name(name)
                            if found is not None:
                                add(rule.id, found, target_dependent(found))
                else:
                    for node in _mutated_nodes(spec, rule, compiled):
                        for mutated, items, also in check_mutants(spec, rule, node, compiled, names):
                            add(rule.id, mutated, items, also)
    # raw sources (target-independent): the named models' files and the YAML files declaring them
    first = next(iter(compiles.values()), None)
    for rule in rules:
        for spec in rule.checks:
            if spec.check != "no_hard_coded_environment" or first is None:
                continue
            globs = [str(g) for g in spec.params.get("paths") or []]
            for name in named:
                model = first.by_name(name)
                if model is None or not (root / model.original_file_path).is_file():
                    continue
                text = (root / model.original_file_path).read_text(encoding="utf-8")
                if not SOURCE_CALL.search(text):
                    continue
                for operator, description, old, new, eq in raw_source_edits(text, names):
                    mutants.append(Mutant(f"{rule.id}:{name}:source:{operator}:{len(mutants)}", rule.id, name, "*",
                                          operator, description, eq, source=(model.original_file_path,
                                                                             text.replace(old, new, 1))))
            for yml in sorted(p for g in globs if g.endswith((".yml", ".yaml")) for p in root.glob(g)):
                text = yml.read_text(encoding="utf-8")
                declared = [n for n in named if re.search(rf"(?m)^\s*- name: {re.escape(n)}\s*$", text)]
                if not declared:
                    continue
                rel = yml.relative_to(root).as_posix()
                for operator, description, old, new, eq in yaml_edits(text, names):
                    mutants.append(Mutant(f"{rule.id}:{yml.stem}:source:{operator}:{len(mutants)}", rule.id,
                                          yml.stem, "*", operator, description, eq,
                                          source=(rel, text.replace(old, new, 1))))
    return mutants


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
        if mutant.everywhere:
            for other_target, other in compiles.items():
                other_node = other.by_name(mutant.model)
                if other_target == mutant.target or other_node is None:
                    continue
                sql = _apply(parse(other_node.sql, other_node.dialect),
                             _add_projection(mutant.everywhere), other_node.dialect)
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
