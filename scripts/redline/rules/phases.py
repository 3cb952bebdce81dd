"""RL-4: phases '0'..'3' assigned by bronze, silver, matching and final; the final table reads matched rows only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from redline.manifest import CompiledNode, ProjectCompile
from redline.registry import CheckContext, CheckError, Problem, model_check, param
from redline.sqlast import parse, physical_tables, root_scope, selected_scopes


def _strip(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Cast | exp.TryCast | exp.Paren | exp.Alias):
        node = node.this
    return node


@dataclass(frozen=True)
class Origin:
    """Where an output column comes from: an expression, or a column of another relation (pass-through)."""

    expression: exp.Expr | None
    relation: str = ""
    column: str = ""


def output_origins(scope: Scope, column: str, depth: int = 0) -> list[Origin]:
    """The origins of `column` in a scope's output, followed through CTEs, stars and set operations."""
    if depth > 60:
        raise CheckError("projection nesting too deep")
    if scope.set_operation_scopes:
        out: list[Origin] = []
        for child in scope.set_operation_scopes:
            out.extend(output_origins(child, column, depth + 1))
        return out
    select = scope.expression
    if not isinstance(select, exp.Select):
        return []
    sources = dict(selected_scopes(scope))

    def follow(src: exp.Table | Scope | None, name: str) -> list[Origin]:
        if isinstance(src, Scope):
            return output_origins(src, name, depth + 1)
        if isinstance(src, exp.Table):
            return [Origin(None, src.name.lower(), name)]
        return []

    for projection in select.expressions:
        if isinstance(projection, exp.Star) or projection.alias_or_name.lower() != column.lower():
            continue
        inner = _strip(projection)
        if isinstance(inner, exp.Column) and not isinstance(inner.this, exp.Star):
            src = sources.get(inner.table) if inner.table else (
                next(iter(sources.values())) if len(sources) == 1 else None)
            found = follow(src, inner.name)
            if found:
                return found
        return [Origin(inner)]
    for projection in select.expressions:
        star = isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star))
        if not star:
            continue
        qualifier = projection.table if isinstance(projection, exp.Column) else ""
        for name, src in sources.items():
            if qualifier and name != qualifier:
                continue
            if isinstance(src, Scope):
                found = output_origins(src, column, depth + 1)
                if found:
                    return found
            elif isinstance(src, exp.Table):
                return [Origin(None, src.name.lower(), column)]
    return []


def relation_index(compiled: ProjectCompile) -> dict[str, CompiledNode]:
    """Physical relation name (alias, lower-cased) -> model."""
    return {(n.alias or n.name).lower(): n for n in compiled.models()}


def resolve_phase(ctx: CheckContext, node: CompiledNode, column: str, depth: int = 0) -> list[tuple[str, Origin]]:
    """(model, origin) for each terminal origin of `column`, following pass-throughs into upstream models."""
    origins = output_origins(root_scope(parse(node.sql, node.dialect)), column)
    out: list[tuple[str, Origin]] = []
    index = relation_index(ctx.compiles[node.target])
    for origin in origins:
        upstream = index.get(origin.relation) if origin.expression is None else None
        if upstream is not None and upstream.unique_id != node.unique_id and depth < 10 \
                and upstream.compiled_code:
            out.extend(resolve_phase(ctx, upstream, origin.column, depth + 1))
        else:
            out.append((node.name, origin))
    return out


@model_check("phase_value")
def phase_value(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """The model's `phase` output must be its layer's literal ('0' bronze, '1' normalized, '2' matched,
    '3' final) on every branch (a view over another version of the same model may pass it through);
    any other value breaks the 0 -> 1 -> 2 -> 3 progression the pipeline's counts rely on."""
    column = str(params.get("column", "phase"))
    expected = str(param(params, "value", str))
    allowed = {str(v) for v in params.get("allowed", ["0", "1", "2", "3"])}
    origins = resolve_phase(ctx, node, column)
    if not origins:
        yield Problem(node.name, f"the output has no `{column}` column",
                      f"`cast('{expected}' as ...) as {column}` in the final select", anchor=column)
        return
    for model, origin in origins:
        e = origin.expression
        via = "" if model == node.name else f" (passed through from {model})"
        if isinstance(e, exp.Literal) and e.is_string:
            if e.this not in allowed:
                yield Problem(node.name, f"{column} = '{e.this}'{via} is not a phase ({', '.join(sorted(allowed))})",
                              f"{column} = '{expected}'", anchor=f"'{e.this}'")
            elif e.this != expected:
                yield Problem(node.name, f"{column} is '{e.this}'{via}, this layer's phase is '{expected}'",
                              f"{column} = '{expected}'", anchor=f"'{e.this}'")
        elif e is None:
            yield Problem(node.name, f"{column} is passed through from {origin.relation}.{origin.column}, "
                          "not assigned", f"{column} = '{expected}' assigned as a literal", anchor=column)
        else:
            yield Problem(node.name, f"{column} is not a literal{via} (`{e.sql(dialect=node.dialect)[:80]}`)",
                          f"{column} = '{expected}' assigned as a literal", anchor=column)


@model_check("reads_only")
def reads_only(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Every path of rows into the model passes through the `through` model(s): walking upstream (relations
    of the compiled SQL first, then the manifest's depends_on) without crossing a `through` model must never
    reach a `forbidden` model, and a `through` model must be reached. The final table reads matched rows only."""
    through = {str(x) for x in param(params, "through", list)}
    forbidden = {str(x) for x in param(params, "forbidden", list)}
    compiled = ctx.compiles[node.target]
    index = relation_index(compiled)

    def parents(current: CompiledNode) -> set[str]:
        """Upstream of a model: relations in its compiled SQL, plus its manifest depends_on."""
        out = {d for d in current.depends_on if d.startswith("model.")}
        if current.compiled_code:
            for table in physical_tables(parse(current.sql, current.dialect)):
                up = index.get(table.name.lower())
                if up is None:
                    out.add(f"relation:{table.name.lower()}")
                elif up.unique_id != current.unique_id:
                    out.add(up.unique_id)
        return out

    reached_through = False
    seen: set[str] = set()
    stack = sorted(parents(node))
    while stack:
        uid = stack.pop()
        if uid in seen:
            continue
        seen.add(uid)
        up = compiled.nodes.get(uid)
        name = up.name if up is not None else uid.split(":")[-1]
        if name in through:
            reached_through = True
            continue
        if name in forbidden:
            yield Problem(node.name, f"reads {name} without going through {sorted(through)}: the final table "
                          "must read only matched rows", f"rows only via {sorted(through)}", anchor="ref(")
            continue
        if up is not None and up.unique_id != node.unique_id:
            stack.extend(sorted(parents(up)))
    if not reached_through:
        yield Problem(node.name, f"does not read {sorted(through)} (directly or through its parents)",
                      f"select from {{{{ ref('{sorted(through)[0]}') }}}} (or a model over it)", anchor="ref(")


