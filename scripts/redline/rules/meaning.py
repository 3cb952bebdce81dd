"""RL-6/7: the meaning of the date and validation protections, where it is decidable from the SQL alone.

- `value_mapping` (target): every live CASE / VALUES that maps the given names (month names) maps each of
  them to its expected value (evaluated with the three-valued evaluator, in every letter case), and at least
  one such mapping reaches some model's output;
- `lowercase_output` (model): output columns matching a pattern (quarters) are never upper-cased and never
  built from upper-case literals;
- `label_flags` (model): the label flags computed from the data type say yes/no as declared for each data
  type (revenue rows get the revenue label and not the viewership one, and the reverse), and each label's
  branch is selected by its own flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.dataflow import live, live_find
from redline.manifest import CompiledNode
from redline.registry import CheckContext, CheckError, Problem, model_check, param, target_check
from redline.sqlast import Unevaluable, conjuncts, evaluate, truthy, unparen


def _strip_alias(node: exp.Expr) -> exp.Expr:
    return node.this if isinstance(node, exp.Alias) else node


def _case_mentions(case: exp.Case, names: set[str]) -> bool:
    """A CASE whose WHEN conditions compare with one of the names."""
    return any(isinstance(lit, exp.Literal) and lit.is_string and str(lit.this).lower() in names
               for when in case.args.get("ifs") or [] for lit in when.this.find_all(exp.Literal))


def _case_value(case: exp.Case, text: str) -> Any:
    cols = {c.name.lower() for c in case.find_all(exp.Column)}
    return evaluate(case, dict.fromkeys(cols, text))


def _number(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _values_mappings(node: CompiledNode, names: set[str]) -> list[dict[str, Any]]:
    """VALUES tables of (name, value) rows that contain the names."""
    out: list[dict[str, Any]] = []
    for values in live_find(node.sql, node.dialect, exp.Values):
        table: dict[str, Any] = {}
        for row in values.expressions:
            items = list(row.expressions) if isinstance(row, exp.Tuple) else [row]
            lits = [unparen(i) for i in items]
            strings = [x for x in lits if isinstance(x, exp.Literal) and x.is_string]
            numbers = [x for x in lits if isinstance(x, exp.Literal) and not x.is_string]
            if len(strings) == 1 and len(numbers) == 1:
                table[str(strings[0].this).lower()] = _number(str(numbers[0].this))
        if set(table) & names:
            out.append(table)
    return out


@target_check("value_mapping")
def value_mapping(ctx: CheckContext, nodes: Sequence[CompiledNode], params: Mapping[str, Any]) -> Iterator[Problem]:
    """Each month name (full and short, any letter case) must map to its month number wherever a live CASE or
    VALUES maps month names, and some model must map them (2025-12-02: monthly files lost their dates)."""
    expected = {str(k).lower(): _number(v) for k, v in dict(param(params, "mapping", dict)).items()}
    what = str(params.get("what", "mapping"))
    anchor = str(params.get("anchor", ""))
    names = set(expected)
    found = False
    for node in nodes:
        for case in live_find(node.sql, node.dialect, exp.Case):
            assert isinstance(case, exp.Case)
            if not _case_mentions(case, names):
                continue
            found = True
            wrong: list[str] = []
            for name, want in expected.items():
                for text in (name, name.upper(), name.title()):
                    try:
                        got = _number(_case_value(case, text))
                    except Unevaluable:
                        got = "?"
                    if got != want:
                        wrong.append(f"{text!r} -> {got} (expected {want})")
                        break
            if wrong:
                yield Problem(node.name, f"{what} maps {'; '.join(wrong[:4])}",
                              f"{what}: each name to its number, in any letter case", anchor=anchor)
        for table in _values_mappings(node, names):
            found = True
            wrong = [f"{n!r} -> {table.get(n)} (expected {v})" for n, v in expected.items() if table.get(n) != v]
            if wrong:
                yield Problem(node.name, f"{what} table maps {'; '.join(wrong[:4])}",
                              f"{what}: each name to its number", anchor=anchor)
    if not found and nodes:
        yield Problem(nodes[0].name, f"no live {what} (a CASE or VALUES mapping {sorted(names)[:3]}...) reaches "
                      "any model's output", f"the {what}", anchor=anchor)


def _output_parts(projection: exp.Expr) -> Iterator[exp.Expr]:
    """Nodes that can become the value of a projection (CASE conditions excluded)."""
    def walk(n: exp.Expr) -> Iterator[exp.Expr]:
        yield n
        if isinstance(n, exp.Case):
            for when in n.args.get("ifs") or []:
                yield from walk(when.args["true"])
            if n.args.get("default") is not None:
                yield from walk(n.args["default"])
            return
        if isinstance(n, exp.Subquery | exp.Select):
            return
        for child in n.iter_expressions():
            yield from walk(child)
    yield from walk(projection)


_FOLDING = (exp.Lower, exp.Right, exp.Left, exp.Substring, exp.Length)


def _folded(column: exp.Column, top: exp.Expr) -> bool:
    """The column reaches the output only lower-cased or as a part without letters (right(x, 1) of a
    validated 'q1')."""
    node: exp.Expr | None = column.parent
    while node is not None and node is not top:
        if isinstance(node, _FOLDING) or (isinstance(node, exp.Anonymous) and str(node.this).lower() == "lower"):
            return True
        node = node.parent
    return False


@model_check("lowercase_output")
def lowercase_output(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Output columns named like `columns` (quarters) stay lower-case: no upper()/initcap() in their value
    and no string literal with an upper-case letter ('Q1' quarters do not join the lower-case ones)."""
    pattern = re.compile(str(param(params, "columns", str)), re.IGNORECASE)
    raw = re.compile(str(params["raw_columns"]), re.IGNORECASE) if params.get("raw_columns") else None
    scopes, _nodes = live(node.sql, node.dialect)
    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        for projection in select.expressions:
            if not pattern.fullmatch(projection.alias_or_name or ""):
                continue
            for part in _output_parts(_strip_alias(projection)):
                bad = ""
                if isinstance(part, exp.Upper | exp.Initcap):
                    bad = f"{type(part).__name__.lower()}()"
                elif isinstance(part, exp.Anonymous) and str(part.this).lower() in {"upper", "initcap", "ucase"}:
                    bad = f"{part.this}()"
                elif isinstance(part, exp.Literal) and part.is_string and str(part.this) != str(part.this).lower():
                    bad = f"literal '{part.this}'"
                elif raw is not None and isinstance(part, exp.Column) and raw.search(part.name) and \
                        not _folded(part, projection):
                    bad = f"uploaded text {part.name} passed through without lower()"
                if bad:
                    yield Problem(node.name, f"{projection.alias_or_name} is not lower-case: {bad} in "
                                  f"`{projection.sql(dialect=node.dialect)[:80]}`",
                                  f"lower-case {projection.alias_or_name} ('q1'..'q4')",
                                  anchor=str(params.get("anchor", projection.alias_or_name)))
                    break


def _failure_columns(scope: Scope, column: str) -> set[str] | None:
    """Columns the branch's failure output is computed from (followed through pass-throughs)."""
    from redline.rules.phases import output_origins

    origins = output_origins(scope, column)
    if not origins:
        return None
    used: set[str] = set()
    for origin in origins:
        if origin.expression is None:
            return None
        used |= {c.name.lower() for c in origin.expression.find_all(exp.Column)}
    return used


@model_check("label_flags")
def label_flags(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """The label flags (has_viewership_label, has_revenue_label) evaluated for each data type give the
    declared answers, and the branch emitting each label is filtered by that label's flag."""
    column = str(params.get("column", "data_type")).lower()
    flags = {str(k).lower(): {str(dt).lower(): bool(v) for dt, v in dict(spec).items()}
             for k, spec in dict(param(params, "flags", dict)).items()}
    labels = {str(k): str(v).lower() for k, v in dict(param(params, "labels", dict)).items()}
    defaults = {str(k).lower(): v for k, v in dict(params.get("row", {})).items()}
    failure = str(params.get("failure_column", "validation_failure")).lower()
    requires = {str(k): [str(c).lower() for c in v] for k, v in dict(params.get("requires", {})).items()}
    scopes, _nodes = live(node.sql, node.dialect)
    seen: set[str] = set()
    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        for projection in select.expressions:
            name = (projection.alias_or_name or "").lower()
            if name in flags and isinstance(projection, exp.Alias):
                seen.add(name)
                for data_type, want in flags[name].items():
                    row = dict(defaults)
                    row[column] = data_type
                    try:
                        got = truthy(projection.this, row)
                    except Unevaluable as exc:
                        raise CheckError(f"{name}: cannot evaluate ({exc})") from exc
                    if got != want:
                        yield Problem(node.name, f"{name} is {got} for {column} = '{data_type}' (expected {want})",
                                      f"{name} true exactly for its data types", anchor=name)
            literal = unparen(_strip_alias(projection))
            if name == "label" and isinstance(literal, exp.Literal) and literal.is_string:
                label = str(literal.this)
                flag = labels.get(label)
                if flag is None:
                    continue
                seen.add(f"label:{label}")
                for req in requires.get(label, []):
                    used = _failure_columns(scope, failure)
                    if used is not None and req not in used:
                        yield Problem(node.name, f"the '{label}' rows are validated without `{req}` "
                                      f"({failure} reads {sorted(used)[:6]})",
                                      f"the {label} requirements ({req}) in {failure}", anchor=f"'{label}'")
                terms = {unparen(t).sql().lower() for t in conjuncts(select.args.get("where"))}
                if flag not in terms:
                    yield Problem(node.name, f"the '{label}' rows are not selected by {flag} "
                                  f"(where: {sorted(terms) or 'none'})", f"where {flag} on the '{label}' branch",
                                  anchor=f"'{label}'")
    for name in sorted(set(flags) - seen):
        yield Problem(node.name, f"no live `{name}` flag", f"{name} computed from {column}", anchor=column)
    for label in sorted(set(labels) - {s.split(":", 1)[1] for s in seen if s.startswith("label:")}):
        yield Problem(node.name, f"no live branch emitting label '{label}'", f"a '{label}' branch",
                      anchor=f"'{label}'")
