"""Draw the project's lineage (sources -> bronze -> silver -> gold -> exposures) from ``manifest.json``.

The picture in the README is generated, never drawn by hand: this module reads the nodes and their
``depends_on`` edges from a dbt manifest, puts every node in its layer band (a layer is the model's
first folder under ``models/``), orders columns by dependency depth inside the band and rows by the
barycenter heuristic (fewer crossings), and renders an SVG or PNG with matplotlib. Models protected by a
red line (a rule's ``models:`` in ``governance/redlines.yml``) get a red outline and their rule ids.

Usage: ``python -m viewership.lineage --manifest target/manifest.json --output docs/lineage.svg``.
Text stays text in the SVG (``svg.fonttype = none``) and each node's group carries its unique_id as
``id``, so tests can read the picture back; no date is embedded, so the output is reproducible.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from viewership import project, protected_models
from viewership.lineage_graph import (
    DRAWN_RESOURCE_TYPES,
    LAYER_COLORS,
    LAYER_TITLES,
    LAYERS,
    RED_LINE_COLOR,
    Lineage,
    LineageError,
    Node,
    from_manifest,
    load,
)
from viewership.lineage_layout import assign_columns, layer_order, order_rows
from viewership.lineage_render import render

# The public names, kept importable from this module.
__all__ = [
    "DRAWN_RESOURCE_TYPES",
    "LAYERS",
    "LAYER_COLORS",
    "LAYER_TITLES",
    "RED_LINE_COLOR",
    "Lineage",
    "LineageError",
    "Node",
    "assign_columns",
    "from_manifest",
    "layer_order",
    "load",
    "main",
    "order_rows",
    "render",
]


@click.command()
@click.option("--manifest", "manifest_path", type=click.Path(path_type=Path), default=Path("target/manifest.json"),
              show_default=True, help="dbt manifest (run `dbt parse` or `dbt docs generate` first).")
@click.option("--output", type=click.Path(path_type=Path), default=Path("docs/lineage.svg"), show_default=True,
              help="Picture to write (.svg or .png).")
@click.option("--direction", type=click.Choice(["TB", "LR"]), default="TB", show_default=True,
              help="Layers top to bottom (TB) or left to right (LR).")
def main(manifest_path: Path, output: Path, direction: str) -> None:
    """Render bronze -> silver -> gold lineage from a dbt manifest."""
    try:
        rules = protected_models.load_red_lines(project.project_root())
        lineage = load(manifest_path, protected_models.red_lines_by_model(rules))
        render(lineage, output, direction=direction)
    except (LineageError, protected_models.RedLinesError, project.ProjectError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {output}: {len(lineage.nodes)} nodes, {len(lineage.edges)} edges", file=sys.stdout)


if __name__ == "__main__":
    main()
