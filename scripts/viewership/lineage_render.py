"""Render the laid-out lineage as SVG or PNG with matplotlib (text stays text, ids on the groups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from viewership.lineage_graph import LAYER_COLORS, LAYER_TITLES, RED_LINE_COLOR, Lineage, LineageError
from viewership.lineage_layout import assign_columns, layer_order, order_rows


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
