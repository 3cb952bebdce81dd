"""Column lineage and the layered pipeline in the dbt docs site (the site's own manifest copy only).

* ``pipeline.svg`` (data tests hidden) and ``pipeline_with_tests.svg`` are written into the site folder
  and the overview (the page the site opens on) starts with the first and links the second;
* every model's description gets a "Column lineage" table: per output column its kind, what it is made
  of (links to the upstream models), the source columns it comes from (and, for matched values, the source
  columns of the join keys), and the red lines protecting it; then the red-line protected predicates;
* every documented column's description gets a one-line "comes from" note.

Blank descriptions are left blank, so ``docs_site coverage`` on the site still finds them.

dbt's docs page renders descriptions as sanitized Markdown: no HTML and nothing fetched from elsewhere.
``column_lineage.json`` (the analysis, reused while the manifest hash is unchanged) stays beside them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redline.config import ConfigError, load_rules
from viewership import protected_models
from viewership.column_lineage import cache, redlines, trace
from viewership.column_lineage.extract import ColumnLineageError, ColumnRef, ProjectLineage, Relation

LINEAGE_HEADING = "Column lineage"
PIPELINE_HEADING = "The pipeline at a glance"
PIPELINE_PICTURE = "pipeline.svg"
PIPELINE_WITH_TESTS = "pipeline_with_tests.svg"
EXPRESSION_CHARS = 140


@dataclass(frozen=True)
class SiteLineage:
    """What ``annotate`` added to the site."""

    models: int
    columns: int
    from_cache: bool
    seconds: float


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: str, limit: int = EXPRESSION_CHARS) -> str:
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"`{_cell(short).replace('`', chr(39))}`" if short else ""


def _link(relation: Relation, column: str) -> str:
    kind = "source" if relation.resource_type == "source" else relation.resource_type
    return f"[{relation.label}.{column}](#!/{kind}/{relation.unique_id})"


def lineage_markdown(project: ProjectLineage, unique_id: str, rules: list[Any]) -> str:
    """The "Column lineage" section of one model's page."""
    relation = project.relations[unique_id]
    guards = redlines.guards(rules, relation)
    protected = redlines.protected_columns(guards, relation.columns)
    lines = [f"### {LINEAGE_HEADING}", "",
             "From the compiled SQL (`viewership-lineage MODEL.COLUMN` prints the whole chain). *Made of*: the "
             "columns of the models this one reads; *source columns*: the upload, catalog and dictionary columns "
             "it comes from (*matched on*: the source columns of the join keys that chose the row; the CLI lists them "
             "all).", "",
             "| column | kind | red lines | source columns | made of |", "| --- | --- | --- | --- | --- |"]
    for column in project.columns_of(unique_id):
        result = trace.trace(project, ColumnRef(unique_id, column.column))
        made_of = ", ".join(_link(project.relations[i.relation], i.column) for i in column.inputs
                            if i.relation in project.relations)
        if column.kind == "computed":
            made_of = (_code(column.expression) + (" from " + made_of if made_of else "")).strip()
        sources = ", ".join(f"`{step.relation.label}.{step.ref.column}`" for step in result.sources)
        matched = _matched_summary(result)
        if matched:
            sources = (sources + "; " if sources else "") + matched
        rules_cell = ", ".join(f"**{rule}**" for rule in protected.get(column.column, []))
        name = f"**{column.column}**" if rules_cell else column.column
        lines.append(f"| {name} | {column.kind} | {rules_cell} | {sources or '— (constant or generated)'} "
                     f"| {made_of or '—'} |")
    predicates = redlines.protected_predicates(guards, relation.filters)
    if predicates:
        lines += ["", "**Red-line protected predicates** (rows are kept, matched or ranked by these):", ""]
        lines += [f"- {predicate.clause} {_code(predicate.sql, 200)} — {', '.join(rules_)}"
                  for predicate, rules_ in predicates]
    model_rules = [guard.rule for guard in guards if not guard.patterns and not guard.predicate_patterns]
    if model_rules:
        lines += ["", f"Red lines on the whole model (no single column): {', '.join(model_rules)}."]
    if unique_id in project.failures:
        lines += ["", f"Lineage could not be computed: {project.failures[unique_id]}"]
    return "\n".join(lines)


def _matched_summary(result: trace.Trace) -> str:
    """"matched on upload ref_id, platform_content_name (+ 9 catalog/dictionary keys)": the upload columns
    that chose the row by name, the other sources' keys counted (the CLI lists them all)."""
    by_relation: dict[str, list[str]] = {}
    for step in result.matched_sources:
        by_relation.setdefault(step.relation.label, []).append(step.ref.column)
    if not by_relation:
        return ""
    upload = [label for label in by_relation if label.split(".", 1)[0] == "upload"]
    parts = [f"{label.split('.', 1)[0]} {', '.join(sorted(by_relation[label]))}" for label in upload]
    others = sum(len(columns) for label, columns in by_relation.items() if label not in upload)
    if others:
        parts.append(f"{others} catalog/dictionary key{'s' if others != 1 else ''}")
    return "matched on " + "; ".join(parts)


def column_note(project: ProjectLineage, unique_id: str, column: str) -> str:
    """One line for a column's description: where its value comes from."""
    found = project.columns.get((unique_id, column))
    if found is None:
        return ""
    result = trace.trace(project, ColumnRef(unique_id, column))
    sources = ", ".join(f"{step.relation.label}.{step.ref.column}" for step in result.sources)
    return f"Lineage: {found.kind}" + (f", from {sources}" if sources else ", no source column") + "."


def overview_markdown() -> str:
    return "\n".join([
        f"## {PIPELINE_HEADING}", "",
        f"![Layered pipeline: sources, bronze, silver, gold, exposures]({PIPELINE_PICTURE})", "",
        "Sources → bronze (phase 0) → silver (phases 1–2) → gold (phase 3) → exposures; red outline = protected "
        f"by a red line. Data tests are hidden here: [show the picture with data tests]({PIPELINE_WITH_TESTS}). "
        "Each model page ends with its **column lineage**: where every column comes from, down to the upload "
        "columns. In the graph (button at the bottom right) untick *Tests* under *resources* to hide them.", "",
    ])


def annotate(site_dir: Path, root: Path) -> SiteLineage:
    """Add the pipeline pictures, the overview section and the lineage tables to a generated site folder."""
    from viewership.column_lineage.pipeline import render_svg

    manifest_path = site_dir / "manifest.json"
    manifest = cache.read_manifest(manifest_path)
    try:
        rules = list(load_rules(root / "governance" / "redlines.yml"))
    except ConfigError as exc:
        raise ColumnLineageError(str(exc)) from exc
    project, hit = cache.load_or_analyse(manifest, site_dir / cache.CACHE_FILE)
    try:
        protected = protected_models.red_lines_by_model(protected_models.load_red_lines(root))
    except protected_models.RedLinesError as exc:
        raise ColumnLineageError(str(exc)) from exc
    (site_dir / PIPELINE_PICTURE).write_text(render_svg(manifest, red_lines=protected), encoding="utf-8")
    (site_dir / PIPELINE_WITH_TESTS).write_text(render_svg(manifest, with_tests=True, red_lines=protected),
                                                encoding="utf-8")
    project_name = (manifest.get("metadata") or {}).get("project_name")
    overview = (manifest.get("docs") or {}).get(f"doc.{project_name}.__overview__")
    if overview is not None and PIPELINE_HEADING not in str(overview.get("block_contents") or ""):
        overview["block_contents"] = overview_markdown() + "\n" + str(overview.get("block_contents") or "")
    models = 0
    for unique_id, node in (manifest.get("nodes") or {}).items():
        if unique_id not in project.relations or node.get("resource_type") not in {"model", "snapshot"}:
            continue
        # Blank descriptions stay blank: `docs_site coverage` reads this manifest to find them.
        description = str(node.get("description") or "")
        if description.strip() and f"### {LINEAGE_HEADING}" not in description:
            node["description"] = description.rstrip() + "\n\n" + lineage_markdown(project, unique_id, rules)
            models += 1
        for name, column in (node.get("columns") or {}).items():
            note = column_note(project, unique_id, str(name).lower())
            text = str(column.get("description") or "")
            if note and text.strip() and "Lineage:" not in text:
                column["description"] = text.rstrip() + " " + note
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return SiteLineage(models, len(project.columns), hit, project.seconds)
