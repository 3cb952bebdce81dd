"""The static lineage picture: drawn from a manifest, layered bronze -> silver -> gold, and kept current."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from scripts.tests.harness import ROOT
from viewership import lineage

COMMITTED_PICTURE = ROOT / "docs" / "lineage.svg"


# model name -> red lines, as viewership.protected_models reads them from a rule file's `models:` lists
PROTECTED = {"stg_raw__orders": ("RL-1",), "not_a_model_here": ("RL-9",)}


def _model(name: str, folder: list[str], parents: list[str], *, version: int | None = None,
           package: str = "shop") -> dict[str, Any]:
    fqn = [package, *folder, name] + ([f"v{version}"] if version is not None else [])
    return {"resource_type": "model", "name": name, "package_name": package, "fqn": fqn, "version": version,
            "config": {"materialized": "table"},
            "depends_on": {"nodes": parents}}


def _tiny_manifest() -> dict[str, Any]:
    src = "source.shop.raw.orders"
    return {
        "metadata": {"project_name": "shop", "dbt_version": "1.11.16"},
        "sources": {src: {"package_name": "shop", "source_name": "raw", "name": "orders"}},
        "nodes": {
            "model.shop.stg_raw__orders": _model("stg_raw__orders", ["bronze", "raw"], [src]),
            "model.shop.int_orders_cleaned": _model("int_orders_cleaned", ["silver", "orders"],
                                                    ["model.shop.stg_raw__orders"]),
            "model.shop.int_orders_ranked": _model("int_orders_ranked", ["silver", "orders"],
                                                   ["model.shop.int_orders_cleaned"]),
            "model.shop.fct_orders.v2": _model("fct_orders", ["gold"], ["model.shop.int_orders_ranked"], version=2),
            # a gold model reading silver's first step must still sit right of every silver model
            "model.shop.fct_order_counts": _model("fct_order_counts", ["gold"], ["model.shop.int_orders_cleaned"]),
            "test.shop.not_null_fct_orders_id": {"resource_type": "test", "package_name": "shop",
                                                 "depends_on": {"nodes": ["model.shop.fct_orders.v2"]}},
            "model.other.foreign": _model("foreign", ["gold"], [], package="other"),
        },
        "exposures": {"exposure.shop.app": {"package_name": "shop", "name": "app", "label": "Orders app",
                                            "type": "application",
                                            "depends_on": {"nodes": ["model.shop.fct_orders.v2"]}}},
    }


def _svg_ids(path: Path) -> tuple[set[str], set[tuple[str, str]], str]:
    root = ET.parse(path).getroot()
    ids = [element.get("id", "") for element in root.iter()]
    nodes = {i.removeprefix("node:") for i in ids if i.startswith("node:")}
    edges = {tuple(i.removeprefix("edge:").split("->", 1)) for i in ids if i.startswith("edge:")}
    text = " ".join("".join(element.itertext()) for element in root.iter("{http://www.w3.org/2000/svg}text"))
    return nodes, {(a, b) for a, b in edges}, text


def test_layers_are_ordered_and_only_project_nodes_are_drawn() -> None:
    graph = lineage.from_manifest(_tiny_manifest(), PROTECTED)
    assert set(graph.nodes) == {"source.shop.raw.orders", "model.shop.stg_raw__orders", "model.shop.int_orders_cleaned",
                                "model.shop.int_orders_ranked", "model.shop.fct_orders.v2",
                                "model.shop.fct_order_counts", "exposure.shop.app"}
    assert graph.nodes["model.shop.fct_orders.v2"].label == "fct_orders v2"
    assert graph.nodes["model.shop.fct_orders.v2"].layer == "gold"
    assert graph.nodes["model.shop.stg_raw__orders"].red_lines == ("RL-1",)
    assert all(not node.red_lines for uid, node in graph.nodes.items() if uid != "model.shop.stg_raw__orders")
    column = lineage.assign_columns(graph)
    assert column["source.shop.raw.orders"] < column["model.shop.stg_raw__orders"] \
        < column["model.shop.int_orders_cleaned"] < column["model.shop.int_orders_ranked"] \
        < column["model.shop.fct_order_counts"] <= column["model.shop.fct_orders.v2"] < column["exposure.shop.app"]
    assert ("model.shop.fct_orders.v2", "exposure.shop.app") in graph.edges


@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_picture_is_drawn_from_the_manifest(tmp_path: Path, direction: str) -> None:
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(_tiny_manifest()), encoding="utf-8")
    graph = lineage.load(manifest_path, PROTECTED)
    svg = lineage.render(graph, tmp_path / "lineage.svg", direction=direction)
    nodes, edges, text = _svg_ids(svg)
    assert nodes == set(graph.nodes)
    assert edges == set(graph.edges)
    for label in ("stg_raw__orders", "fct_orders v2", "Orders app", "red lines: RL-1", "bronze", "silver", "gold"):
        assert label in text
    again = lineage.render(graph, tmp_path / "again.svg", direction=direction)
    assert again.read_bytes() == svg.read_bytes(), "the picture must be reproducible (no dates, stable ids)"
    png = lineage.render(graph, tmp_path / "lineage.png", direction=direction)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_manifest_without_models_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(lineage.LineageError, match="no models"):
        lineage.from_manifest({"metadata": {"project_name": "shop"}, "nodes": {}, "sources": {}})
    with pytest.raises(lineage.LineageError, match="dbt parse"):
        lineage.load(tmp_path / "missing.json")


def test_committed_picture_matches_the_project(docs_site_dir: Path) -> None:
    """docs/lineage.svg (linked from the README) shows exactly the nodes and edges of today's manifest."""
    graph = lineage.load(docs_site_dir / "manifest.json")
    nodes, edges, _ = _svg_ids(COMMITTED_PICTURE)
    hint = "regenerate it: python -m viewership.lineage --manifest target/manifest.json --output docs/lineage.svg"
    assert nodes == set(graph.nodes), f"{COMMITTED_PICTURE.name} is stale ({hint}): " \
        f"missing {sorted(set(graph.nodes) - nodes)}, extra {sorted(nodes - set(graph.nodes))}"
    assert edges == set(graph.edges), f"{COMMITTED_PICTURE.name} is stale ({hint}): " \
        f"missing {sorted(set(graph.edges) - edges)}, extra {sorted(edges - set(graph.edges))}"
