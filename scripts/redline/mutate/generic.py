"""Mutation operators of the generic checks: literals, relations, comparisons, windows, grants, markers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from redline.manifest import CompiledNode
from redline.mutate.rl2 import _apply
from redline.mutate.rl3 import _add_projection
from redline.mutate.sql_edits import _cond, _rebuild_where
from redline.sqlast import conjuncts, parse, physical_tables


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


def literal_mutants(node: CompiledNode, column: str, value: str, alternatives: Sequence[str],  # noqa: C901 - one block per mutation operator (replace, case, null, equivalent forms)
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
