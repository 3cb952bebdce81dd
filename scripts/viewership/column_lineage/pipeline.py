"""The layered pipeline picture of the docs site's home page: an SVG sized to read on a laptop.

Same nodes, edges, bands and ordering as ``viewership.lineage`` (the README picture), drawn for a
~1100 px wide page: labels wrap on underscores, bands are titled in a narrow left gutter, protected
models get a red outline and their rule ids. Data tests are not drawn; ``with_tests=True`` adds each
model's number of data tests to its box (the "with data tests" picture the home page links to).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from viewership import lineage as layered

WIDTH = 1180
GUTTER = 74
RANK_HEIGHT = 72
TOP = 34
FONT = "DejaVu Sans, Verdana, sans-serif"
CHARS_PER_LINE = 17


def wrap_label(label: str, width: int = CHARS_PER_LINE) -> list[str]:
    """Split a model name on underscores (then dots and spaces) into lines of at most ``width`` characters."""
    parts: list[str] = []
    token = ""
    for char in label:
        token += char
        if char in "_. ":
            parts.append(token)
            token = ""
    if token:
        parts.append(token)
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + len(part) <= width:
            lines[-1] += part
        else:
            lines.append(part)
    return lines


def test_counts(manifest: Mapping[str, Any]) -> Counter[str]:
    """Data tests attached to each model, seed, snapshot or source (by unique_id)."""
    counts: Counter[str] = Counter()
    for node in (manifest.get("nodes") or {}).values():
        if node.get("resource_type") != "test":
            continue
        attached = node.get("attached_node") or next(iter((node.get("depends_on") or {}).get("nodes") or []), None)
        if attached:
            counts[str(attached)] += 1
    return counts


def render_svg(manifest: Mapping[str, Any], with_tests: bool = False,
               red_lines: Mapping[str, Sequence[str]] | None = None) -> str:
    """The layered picture as SVG text (deterministic: no dates, stable ids ``node:<unique_id>``); ``red_lines``
    (model name -> rule ids, ``viewership.protected_models``) outlines the protected models."""
    graph = layered.from_manifest(dict(manifest), red_lines)
    rank = layered.assign_columns(graph)
    slot = layered.order_rows(graph, rank)
    n_ranks = max(rank.values()) + 1
    n_slots = int(max(slot.values())) + 1
    slot_width = (WIDTH - GUTTER - 8) / n_slots
    box_width = slot_width - 10
    counts = test_counts(manifest) if with_tests else Counter()
    height = TOP + n_ranks * RANK_HEIGHT + 8

    def centre(uid: str) -> tuple[float, float]:
        return GUTTER + 4 + slot[uid] * slot_width + slot_width / 2, TOP + rank[uid] * RANK_HEIGHT + RANK_HEIGHT / 2

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}">',
           '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#78909c"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>']
    models = sum(1 for node in graph.nodes.values() if node.layer not in {"sources", "exposures"})
    tests_note = f", {sum(counts.values())} data tests counted in the boxes" if with_tests else \
        "; data tests hidden"
    caption = (f"{graph.project} pipeline: {models} models and snapshots, {len(graph.edges)} edges{tests_note}. "
               "Red outline = protected by a red line.")
    out.append(f'<text x="8" y="21" font-size="14" fill="#263238">{escape(caption)}</text>')
    for layer in layered.layer_order(node.layer for node in graph.nodes.values()):
        ranks = [rank[uid] for uid, node in graph.nodes.items() if node.layer == layer]
        fill = layered.LAYER_COLORS.get(layer, ("#f5f5f5", "#90a4ae", "#546e7a"))[0]
        y0 = TOP + min(ranks) * RANK_HEIGHT + 2
        band_height = (max(ranks) - min(ranks) + 1) * RANK_HEIGHT - 4
        out.append(f'<rect id="layer-{escape(layer)}" x="2" y="{y0:.1f}" width="{WIDTH - 4}" '
                   f'height="{band_height:.1f}" fill="{fill}" rx="4"/>')
        title_lines = layered.LAYER_TITLES.get(layer, layer).split(" · ")
        for index, line in enumerate(title_lines):
            title_y = y0 + 18 + index * 15
            out.append(f'<text x="8" y="{title_y:.1f}" font-size="{13 if index == 0 else 11}" '
                       f'font-weight="{"bold" if index == 0 else "normal"}" fill="#37474f">{escape(line)}</text>')
    half = (RANK_HEIGHT - 12) / 2
    for parent, child in graph.edges:
        (px, py), (cx2, cy2) = centre(parent), centre(child)
        y1, y2 = py + half, cy2 - half
        bend = max(12.0, (y2 - y1) / 2)
        out.append(f'<path id="edge:{escape(parent)}-&gt;{escape(child)}" d="M{px:.1f},{y1:.1f} '
                   f'C{px:.1f},{y1 + bend:.1f} {cx2:.1f},{y2 - bend:.1f} {cx2:.1f},{y2:.1f}" fill="none" '
                   f'stroke="#90a4ae" stroke-width="1" marker-end="url(#arrow)"/>')
    for uid, node in sorted(graph.nodes.items()):
        x, y = centre(uid)
        _, fill, edge = layered.LAYER_COLORS.get(node.layer, ("#f5f5f5", "#90a4ae", "#546e7a"))
        protected = bool(node.red_lines)
        lines = wrap_label(node.label)
        notes = []
        if protected:
            notes.append("red lines " + ", ".join(node.red_lines))
        if with_tests and counts.get(uid):
            notes.append(f"{counts[uid]} data test{'s' if counts[uid] != 1 else ''}")
        stroke = layered.RED_LINE_COLOR if protected else edge
        out.append(f'<g id="node:{escape(uid)}">')
        out.append(f'<rect x="{x - box_width / 2:.1f}" y="{y - half:.1f}" width="{box_width:.1f}" '
                   f'height="{2 * half:.1f}" rx="5" fill="{fill}" stroke="{stroke}" '
                   f'stroke-width="{3 if protected else 1}"/>')
        rows = [(line, 12.0, "bold", "white") for line in lines] + [(n, 10.0, "normal", "#fff3e0") for n in notes]
        total = sum(size + 1.5 for _, size, _, _ in rows)
        cursor = y - total / 2
        for text, size, weight, color in rows:
            cursor += size + 1.5
            out.append(f'<text x="{x:.1f}" y="{cursor - 3:.1f}" font-size="{size}" font-weight="{weight}" '
                       f'fill="{color}" text-anchor="middle">{escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
