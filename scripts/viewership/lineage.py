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

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import click

from viewership import project, protected_models

# Layer bands, left to right. Models go by their first folder under models/.
LAYERS: tuple[str, ...] = ("sources", "seeds", "bronze", "snapshots", "silver", "gold", "exposures")
LAYER_TITLES = {
    "sources": "sources",
    "seeds": "seeds",
    "bronze": "bronze · phase 0",
    "snapshots": "snapshots",
    "silver": "silver · phases 1-2",
    "gold": "gold · phase 3",
    "exposures": "exposures",
}
LAYER_COLORS = {  # (band fill, node fill, node edge)
    "sources": ("#eef6e8", "#7cb342", "#558b2f"),
    "seeds": ("#f1f1f1", "#9e9e9e", "#616161"),
    "bronze": ("#f7ede2", "#b7773a", "#8d5524"),
    "snapshots": ("#f1f1f1", "#8d6e63", "#5d4037"),
    "silver": ("#eef1f4", "#78909c", "#455a64"),
    "gold": ("#fbf3d9", "#d4a017", "#9a7410"),
    "exposures": ("#f3e8f5", "#8e44ad", "#6c3483"),
}
RED_LINE_COLOR = "#c62828"
DRAWN_RESOURCE_TYPES = frozenset({"model", "seed", "snapshot"})


class LineageError(Exception):
    """The manifest cannot be read or has nothing to draw."""


@dataclass(frozen=True)
class Node:
    unique_id: str
    label: str
    layer: str
    group: str  # sub-folder (upload, reference, normalization, matching, ...) or source name
    materialized: str
    red_lines: tuple[str, ...]


@dataclass(frozen=True)
class Lineage:
    nodes: dict[str, Node]
    edges: tuple[tuple[str, str], ...]  # (parent, child)
    project: str
    dbt_version: str


def _layer_of_model(node: dict[str, Any]) -> tuple[str, str]:
    fqn = list(node.get("fqn") or [])
    folders = fqn[1:-1]
    if node.get("version") is not None and len(folders) >= 1 and folders[-1] == node.get("name"):
        folders = folders[:-1]  # versioned models: fqn ends with name, v<N>
    layer = folders[0] if folders else "models"
    group = folders[1] if len(folders) > 1 else ""
    return layer, group


def _label(node: dict[str, Any]) -> str:
    name = str(node.get("name"))
    version = node.get("version")
    return f"{name} v{version}" if version is not None else name


def load(manifest_path: Path, red_lines: Mapping[str, Sequence[str]] | None = None) -> Lineage:
    """Nodes and edges of the project's own package (tests, macros and other packages left out)."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LineageError(f"{manifest_path}: cannot read the manifest ({exc}); run `dbt parse` first") from exc
    return from_manifest(manifest, red_lines)


def from_manifest(manifest: dict[str, Any], red_lines: Mapping[str, Sequence[str]] | None = None) -> Lineage:
    """The lineage of a manifest; ``red_lines`` maps a model name to the red lines it carries
    (``viewership.protected_models.red_lines_by_model``) for the outline of protected models."""
    protected = red_lines or {}
    metadata = manifest.get("metadata") or {}
    project = str(metadata.get("project_name") or "")
    nodes: dict[str, Node] = {}
    parents: dict[str, list[str]] = {}
    for unique_id, node in (manifest.get("nodes") or {}).items():
        if node.get("resource_type") not in DRAWN_RESOURCE_TYPES:
            continue
        if project and node.get("package_name") != project:
            continue
        if node.get("resource_type") == "model":
            layer, group = _layer_of_model(node)
        else:
            layer, group = f"{node['resource_type']}s", ""
        nodes[unique_id] = Node(unique_id, _label(node), layer, group,
                                str((node.get("config") or {}).get("materialized") or ""),
                                tuple(protected.get(str(node.get("name")), ())) if node.get("resource_type") == "model"
                                else ())
        parents[unique_id] = list((node.get("depends_on") or {}).get("nodes") or [])
    for unique_id, source in (manifest.get("sources") or {}).items():
        if project and source.get("package_name") != project:
            continue
        nodes[unique_id] = Node(unique_id, f"{source.get('source_name')}.{source.get('name')}", "sources",
                                str(source.get("source_name") or ""), "source", ())
    for unique_id, exposure in (manifest.get("exposures") or {}).items():
        if project and exposure.get("package_name") != project:
            continue
        nodes[unique_id] = Node(unique_id, str(exposure.get("label") or exposure.get("name")), "exposures",
                                str(exposure.get("type") or ""), "exposure", ())
        parents[unique_id] = list((exposure.get("depends_on") or {}).get("nodes") or [])
    if not any(node.layer not in {"sources", "exposures"} for node in nodes.values()):
        raise LineageError("the manifest has no models of this project to draw")
    edges = sorted({(parent, child) for child, ps in parents.items() for parent in ps if parent in nodes})
    return Lineage(nodes, tuple(edges), project, str(metadata.get("dbt_version") or ""))


def layer_order(layers: Iterable[str]) -> list[str]:
    """Known layers in pipeline order, then any other folder alphabetically (before exposures)."""
    present = set(layers)
    known = [layer for layer in LAYERS if layer in present and layer != "exposures"]
    other = sorted(present - set(LAYERS))
    return known + other + (["exposures"] if "exposures" in present else [])


def assign_columns(lineage: Lineage) -> dict[str, int]:
    """Column of every node: layers left to right, dependency depth inside a layer."""
    parents: dict[str, list[str]] = {uid: [] for uid in lineage.nodes}
    for parent, child in lineage.edges:
        parents[child].append(parent)
    column: dict[str, int] = {}
    start = 0
    for layer in layer_order(node.layer for node in lineage.nodes.values()):
        members = {uid for uid, node in lineage.nodes.items() if node.layer == layer}
        pending = set(members)
        while pending:
            ready = sorted(uid for uid in pending if all(p in column or p not in members for p in parents[uid]))
            if not ready:  # a cycle inside a layer (should not happen in dbt): place the rest in one column
                ready = sorted(pending)
            for uid in ready:
                same_layer = [column[p] + 1 for p in parents[uid] if p in members and p in column]
                column[uid] = max([start, *same_layer])
            pending -= set(ready)
        if members:
            start = max(column[uid] for uid in members) + 1
    return column


def _barycenter(uid: str, col: int, neighbours: dict[str, list[str]], column: dict[str, int],
                position: dict[str, float]) -> float:
    linked = [position[n] for n in neighbours[uid] if column[n] != col]
    return sum(linked) / len(linked) if linked else position[uid]


def _row_key(uid: str, col: int, lineage: Lineage, neighbours: dict[str, list[str]], column: dict[str, int],
             position: dict[str, float]) -> tuple[float, str]:
    return _barycenter(uid, col, neighbours, column, position), lineage.nodes[uid].label


def order_rows(lineage: Lineage, column: dict[str, int], sweeps: int = 6) -> dict[str, float]:
    """Row of every node within its column: barycenter sweeps left-to-right and back."""
    by_column: dict[int, list[str]] = {}
    for uid in sorted(lineage.nodes, key=lambda u: (lineage.nodes[u].group, lineage.nodes[u].label)):
        by_column.setdefault(column[uid], []).append(uid)
    neighbours: dict[str, list[str]] = {uid: [] for uid in lineage.nodes}
    for parent, child in lineage.edges:
        neighbours[child].append(parent)
        neighbours[parent].append(child)
    position = {uid: float(i) for members in by_column.values() for i, uid in enumerate(members)}
    columns = sorted(by_column)
    for sweep in range(sweeps):
        sequence = columns if sweep % 2 == 0 else list(reversed(columns))
        for col in sequence:
            members = by_column[col]
            members.sort(key=partial(_row_key, col=col, lineage=lineage, neighbours=neighbours, column=column,
                                     position=position))
            for i, uid in enumerate(members):
                position[uid] = float(i)
    height = max(len(members) for members in by_column.values())
    # centre each column vertically
    return {uid: position[uid] + (height - len(by_column[column[uid]])) / 2 for uid in lineage.nodes}


def render(lineage: Lineage, output: Path, title: str | None = None, direction: str = "TB") -> Path:  # noqa: C901 - layout options (direction, output format) each validated and applied
    """Write the picture (format from the suffix: .svg or .png).

    ``direction`` TB stacks the layers top to bottom (fits a README); LR lays them out left to right.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

    if output.suffix.lower() not in {".svg", ".png"}:
        raise LineageError(f"{output}: the lineage picture must be .svg or .png")
    if direction not in {"TB", "LR"}:
        raise LineageError(f"direction must be TB or LR, not {direction!r}")
    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["svg.hashsalt"] = "viewership-lineage"
    plt.rcParams["font.family"] = "DejaVu Sans"

    rank = assign_columns(lineage)  # dependency rank: layer bands, then depth
    slot = order_rows(lineage, rank)  # position across the rank
    n_ranks = max(rank.values()) + 1
    n_slots = max(slot.values()) + 1
    box_width, box_height = 2.75, 0.44
    top = 0.75  # caption
    if direction == "TB":
        margin, slot_size, rank_size = 1.75, 2.95, 0.95
        width = margin + n_slots * slot_size + 0.2
        height = top + n_ranks * rank_size + 0.2
    else:
        margin, slot_size, rank_size = 0.55, 0.62, 3.1
        width = n_ranks * rank_size + 0.4
        height = top + margin + n_slots * slot_size + 0.3

    def centre(uid: str) -> tuple[float, float]:
        if direction == "TB":
            return margin + slot[uid] * slot_size + slot_size / 2, top + rank[uid] * rank_size + rank_size / 2
        return 0.2 + rank[uid] * rank_size + rank_size / 2, top + margin + slot[uid] * slot_size + slot_size / 2

    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")

    for layer in layer_order(node.layer for node in lineage.nodes.values()):
        ranks = [rank[uid] for uid, node in lineage.nodes.items() if node.layer == layer]
        band_fill = LAYER_COLORS.get(layer, ("#f5f5f5", "#90a4ae", "#546e7a"))[0]
        span = max(ranks) - min(ranks) + 1
        if direction == "TB":
            y0 = top + min(ranks) * rank_size + 0.04
            band = Rectangle((0.1, y0), width - 0.2, span * rank_size - 0.08, facecolor=band_fill,
                             edgecolor="none", zorder=0)
            label_xy, ha = (0.25, y0 + 0.28), "left"
        else:
            x0 = 0.2 + min(ranks) * rank_size + 0.05
            band = Rectangle((x0, top + 0.1), span * rank_size - 0.1, height - top - 0.2, facecolor=band_fill,
                             edgecolor="none", zorder=0)
            label_xy, ha = (x0 + 0.12, top + 0.35), "left"
        band.set_gid(f"layer-{layer}")
        ax.add_patch(band)
        title_text = LAYER_TITLES.get(layer, layer)
        if direction == "TB":
            title_text = title_text.replace(" · ", "\n")
        ax.text(*label_xy, title_text, fontsize=11, fontweight="bold", color="#37474f", va="top" if
                direction == "TB" else "center", ha=ha, zorder=1)

    for parent, child in lineage.edges:
        (px, py), (cx, cy) = centre(parent), centre(child)
        if direction == "TB":
            start, end = (px, py + box_height / 2), (cx, cy - box_height / 2)
            rad = 0.0 if abs(px - cx) < 1e-6 else (-0.08 if cx > px else 0.08)
        else:
            start, end = (px + box_width / 2, py), (cx - box_width / 2, cy)
            rad = 0.0 if abs(py - cy) < 1e-6 else (0.12 if cy > py else -0.12)
        arrow = FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=9,
                                linewidth=0.8, color="#90a4ae", zorder=2, shrinkA=1, shrinkB=1)
        arrow.set_gid(f"edge:{parent}->{child}")
        ax.add_patch(arrow)

    for uid, node in sorted(lineage.nodes.items()):
        x, y = centre(uid)
        _, fill, edge = LAYER_COLORS.get(node.layer, ("#f5f5f5", "#90a4ae", "#546e7a"))
        protected = bool(node.red_lines)
        box = FancyBboxPatch((x - box_width / 2, y - box_height / 2), box_width, box_height,
                             boxstyle="round,pad=0.02,rounding_size=0.08", facecolor=fill,
                             edgecolor=RED_LINE_COLOR if protected else edge, linewidth=2.4 if protected else 1.0,
                             zorder=3)
        box.set_gid(f"node:{uid}")
        ax.add_patch(box)
        ax.text(x, y - (0.07 if protected else 0), node.label, fontsize=8.2, color="white", ha="center",
                va="center", fontweight="bold", zorder=4)
        if protected:
            ax.text(x, y + 0.12, "red lines: " + ", ".join(node.red_lines), fontsize=6.5, color="#ffebee",
                    ha="center", va="center", zorder=4)

    models = sum(1 for node in lineage.nodes.values() if node.layer not in {"sources", "exposures"})
    sources = sum(1 for node in lineage.nodes.values() if node.layer == "sources")
    caption = title or (f"{lineage.project} lineage, generated from manifest.json by `python -m viewership.lineage` "
                        f"({models} models and snapshots, {sources} sources, {len(lineage.edges)} edges; "
                        f"dbt {lineage.dbt_version}). Red outline = protected by a red line.")
    ax.text(0.25, top / 2, caption, fontsize=10, color="#263238", ha="left", va="center")

    output.parent.mkdir(parents=True, exist_ok=True)
    metadata: dict[str, Any] = {"Date": None} if output.suffix.lower() == ".svg" else {}
    fig.savefig(output, format=output.suffix.lower().lstrip("."), metadata=metadata, dpi=100)
    plt.close(fig)
    return output


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
