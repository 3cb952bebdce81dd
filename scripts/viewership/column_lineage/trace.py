"""Follow one column upstream across models, down to source columns, and print it as text, JSON or DOT."""

from __future__ import annotations

import difflib
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from viewership.column_lineage.extract import ColumnLineageError, ColumnRef, ProjectLineage, Relation


@dataclass(frozen=True)
class Step:
    """One column on the way upstream: what it is made of one model deeper."""

    ref: ColumnRef
    relation: Relation
    kind: str  # passed through | renamed | computed | source
    expression: str
    inputs: tuple[ColumnRef, ...]
    depth: int
    matched_on: tuple[ColumnRef, ...] = ()
    via: str = "value"  # value: the column's value is made of it; match: a join key that chose the row
    steps: tuple[str, ...] = ()  # computing steps inside the model ("cte.column = expression")


@dataclass(frozen=True)
class Trace:
    """A column and every column it comes from, breadth first (each once): first the columns its value
    is made of, then the join keys that matched its rows (and the columns those keys are made of)."""

    start: Step
    upstream: tuple[Step, ...]

    @property
    def sources(self) -> tuple[Step, ...]:
        """The source columns the value is made of (upload, catalog and dictionary columns)."""
        return tuple(step for step in (self.start, *self.upstream)
                     if step.relation.resource_type == "source" and step.via == "value")

    @property
    def matched_sources(self) -> tuple[Step, ...]:
        """The source columns of the join keys that matched the value's rows (e.g. the upload's ref_id
        and titles for a catalog ref_id)."""
        return tuple(step for step in self.upstream if step.relation.resource_type == "source" and step.via == "match")


def resolve(project: ProjectLineage, spec: str) -> ColumnRef:
    """``MODEL.COLUMN`` (latest version), ``MODEL.vN.COLUMN``, ``SOURCE.TABLE.COLUMN`` or ``TABLE.COLUMN`` of a
    source, to a column reference; a clear error with close matches otherwise."""
    parts = [part.strip() for part in spec.strip().split(".")]
    if len(parts) < 2 or not all(parts):
        raise ColumnLineageError(f"{spec!r}: expected MODEL.COLUMN (e.g. fct_episode_details.revenue_amount)")
    column = parts[-1].lower()
    relation = _relation(project, [part.lower() for part in parts[:-1]], spec)
    if column not in relation.columns:
        close = difflib.get_close_matches(column, relation.columns, n=4, cutoff=0.5)
        close += [c for c in relation.columns if column in c and c not in close][:4]
        hint = f"; did you mean {', '.join(close)}?" if close else f" (it has {len(relation.columns)} columns)"
        raise ColumnLineageError(f"{relation.label} has no column {column!r}{hint}")
    return ColumnRef(relation.unique_id, column)


def _relation(project: ProjectLineage, names: list[str], spec: str) -> Relation:
    candidates: list[Relation] = []
    for relation in project.relations.values():
        if relation.resource_type == "source":
            source_name = relation.label.split(".", 1)[0].lower()
            if names in ([relation.name.lower()], [source_name, relation.name.lower()]):
                candidates.append(relation)
        elif names[0] == relation.name.lower() and (
                len(names) == 1 or (len(names) == 2 and names[1] in {f"v{relation.version}", str(relation.version)})):
            candidates.append(relation)
    if len(candidates) > 1 and len(names) == 1:  # a versioned model: its latest version unless vN is given
        versions = [c for c in candidates if c.version is not None]
        if versions and len(versions) == len(candidates):
            return max(versions, key=lambda c: int(str(c.version)) if str(c.version).isdigit() else 0)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        known = sorted({r.name for r in project.relations.values()})
        close = difflib.get_close_matches(names[0], known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ColumnLineageError(f"{spec!r}: no model or source named {'.'.join(names)}{hint}")
    raise ColumnLineageError(f"{spec!r} is ambiguous: {', '.join(sorted(c.label for c in candidates))}")


def _step(project: ProjectLineage, ref: ColumnRef, depth: int, via: str = "value") -> Step:
    relation = project.relations[ref.relation]
    if relation.resource_type == "source":
        return Step(ref, relation, "source", "", (), depth, (), via)
    found = project.columns.get((ref.relation, ref.column))
    if found is None:
        why = project.failures.get(ref.relation, "the column is not in its model's compiled output")
        return Step(ref, relation, "unknown", why, (), depth, (), via)
    return Step(ref, relation, found.kind, found.expression, found.inputs, depth, found.matched_on, via,
                found.steps)


def trace(project: ProjectLineage, ref: ColumnRef) -> Trace:
    """Every column ``ref``'s value is made of, breadth first, each once, down to source columns; then the
    join keys that matched those values' rows, followed down to their source columns (with the keys of
    their own joins)."""
    start = _step(project, ref, 0)
    seen = {ref}
    upstream: list[Step] = []

    def walk(queue: deque[tuple[ColumnRef, int]], via: str) -> None:
        while queue:
            current, depth = queue.popleft()
            if current.relation not in project.relations:
                continue
            step = _step(project, current, depth, via)
            upstream.append(step)
            # the keys of a key's own join are followed too: what chose the row that chose this row
            for parent in (*step.inputs, *(step.matched_on if via == "match" else ())):
                if parent not in seen:
                    seen.add(parent)
                    queue.append((parent, depth + 1))

    seen.update(start.inputs)
    walk(deque((parent, 1) for parent in start.inputs), "value")
    keys: deque[tuple[ColumnRef, int]] = deque()
    for step in (start, *list(upstream)):
        for key in step.matched_on:
            if key not in seen:
                seen.add(key)
                keys.append((key, step.depth + 1))
    walk(keys, "match")
    return Trace(start, tuple(upstream))


def _name(step: Step) -> str:
    return f"{step.relation.label}.{step.ref.column}"


def _entry(project: ProjectLineage, step: Step) -> dict[str, Any]:
    relation = step.relation
    return {
        "model": relation.name,
        "column": step.ref.column,
        "resource_type": relation.resource_type,
        "unique_id": relation.unique_id,
        **({"version": relation.version} if relation.version is not None else {}),
        **({"source": relation.label.split(".", 1)[0]} if relation.resource_type == "source" else {}),
        "layer": relation.layer,
        "kind": step.kind,
        "expression": step.expression,
        "inputs": [f"{project.relations[i.relation].label}.{i.column}" for i in step.inputs
                   if i.relation in project.relations],
        "matched_on": [f"{project.relations[i.relation].label}.{i.column}" for i in step.matched_on
                       if i.relation in project.relations],
        "via": step.via,
        "depth": step.depth,
        "steps": list(step.steps),
    }


def to_json(project: ProjectLineage, result: Trace) -> dict[str, Any]:
    """{model, column, kind, expression, inputs, upstream: [...], sources: [...]} (upstream breadth first)."""
    return {**_entry(project, result.start),
            "upstream": [_entry(project, step) for step in result.upstream],
            "sources": [_name(step) for step in result.sources],
            "matched_on_sources": [_name(step) for step in result.matched_sources]}


def to_text(project: ProjectLineage, result: Trace) -> str:
    """An indented tree, each column expanded once (later mentions say "see above")."""
    by_ref = {step.ref: step for step in (result.start, *result.upstream)}
    lines: list[str] = []
    expanded: set[ColumnRef] = set()

    def visit(step: Step, indent: int) -> None:
        arrow = "" if indent == 0 else "  " * (indent - 1) + "<- "
        detail = step.relation.layer if step.kind == "source" else f"{step.relation.layer}, {step.kind}"
        line = f"{arrow}{_name(step)}  [{detail}]"
        if step.ref in expanded and step.inputs:
            lines.append(f"{line}  (see above)")
            return
        if step.kind in {"computed", "unknown"} and step.expression:
            line += f"  = {step.expression}"
        lines.append(line)
        expanded.add(step.ref)
        for parent in step.inputs:
            if parent in by_ref:
                visit(by_ref[parent], indent + 1)

    visit(result.start, 0)
    keys = [step for step in result.upstream if step.via == "match" and step.ref not in expanded]
    if keys:
        lines.append("rows matched on (join keys, and what they are made of):")
        for step in keys:
            if step.ref not in expanded:
                visit(step, 1)
    sources = ", ".join(_name(step) for step in result.sources) or "none (a constant or generated value)"
    lines.append(f"source columns: {sources}")
    if result.matched_sources:
        lines.append(f"matched on source columns: {', '.join(_name(step) for step in result.matched_sources)}")
    return "\n".join(lines)


def _dot_id(ref: ColumnRef) -> str:
    return json.dumps(f"{ref.relation}.{ref.column}")


def to_dot(project: ProjectLineage, result: Trace) -> str:
    """Graphviz DOT: one cluster per relation, an edge from each input column to the column it feeds."""
    steps = (result.start, *result.upstream)
    lines = ["digraph column_lineage {", "  rankdir=LR;", '  node [shape=box, fontname="DejaVu Sans", fontsize=10];']
    by_relation: dict[str, list[Step]] = {}
    for step in steps:
        by_relation.setdefault(step.ref.relation, []).append(step)
    for index, (uid, members) in enumerate(by_relation.items()):
        relation = project.relations[uid]
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={json.dumps(f'{relation.label} ({relation.layer})')};")
        for step in members:
            label = step.ref.column + ("" if step.kind == "source" else f"\\n{step.kind}")
            lines.append(f"    {_dot_id(step.ref)} [label=\"{label}\"];")
        lines.append("  }")
    for step in steps:
        for parent in step.inputs:
            lines.append(f"  {_dot_id(parent)} -> {_dot_id(step.ref)};")
        for key in step.matched_on:
            if any(other.ref == key for other in steps):
                lines.append(f"  {_dot_id(key)} -> {_dot_id(step.ref)} [style=dashed, label=\"matched on\"];")
    lines.append("}")
    return "\n".join(lines)
