"""Where each node goes: layer order, columns by dependency depth, rows by the barycenter heuristic."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from viewership.lineage_graph import LAYERS, Lineage


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
