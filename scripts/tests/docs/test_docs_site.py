"""The docs site: generated from the working tree, offline-safe, and usable in a real browser.

The browser test drives headless Debian Chromium through chromedriver: overview page, search for
fct_episode_details, its page (name, a column and its description, contract, red lines), its lineage
graph (parents and children from the manifest), then the expanded graph down to the sources. It saves
screenshots into docs/screenshots/ (the README links them) and asserts that the page requested nothing
outside the loopback server.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scripts.tests.docs.browser import Browser, Session, chromium_session
from scripts.tests.harness import ROOT
from viewership import docs_site, protected_models

SCREENSHOTS = ROOT / "docs" / "screenshots"
MODEL_NAME = "fct_episode_details"
GRAPH = "var g = angular.element(document.body).injector().get('graph');"


def _manifest(site: Path) -> dict[str, Any]:
    return dict(json.loads((site / "manifest.json").read_text(encoding="utf-8")))


def _model_node(manifest: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    """unique_id and node of a model; the latest version when it is versioned."""
    found = [(uid, node) for uid, node in manifest["nodes"].items()
             if node["resource_type"] == "model" and node["name"] == name]
    if not found:
        pytest.fail(f"model {name} is not in the manifest: the docs test navigates to it")
    latest = [(uid, node) for uid, node in found
              if node.get("version") is None or str(node.get("version")) == str(node.get("latest_version"))]
    return (latest or found)[0]


def _ancestors(manifest: dict[str, Any], unique_id: str) -> set[str]:
    graph = {**manifest["nodes"], **manifest["sources"]}
    seen: set[str] = set()
    todo = [unique_id]
    while todo:
        for parent in graph.get(todo.pop(), {}).get("depends_on", {}).get("nodes", []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


# --- offline-safety ------------------------------------------------------------------------------
def test_generated_site_is_self_contained(docs_site_dir: Path) -> None:
    assert docs_site.verify(docs_site_dir) == []
    manifest = _manifest(docs_site_dir)
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    assert json.loads((docs_site_dir / "catalog.json").read_text())["metadata"]["dbt_version"]
    # the overview is ours, not dbt's default welcome text
    overview = manifest["docs"]["doc.viewership.__overview__"]["block_contents"]
    assert "Phases 0 → 3" in overview and "int_match_ref_id_series" in overview


def test_verify_reports_each_external_fetch_and_generate_repairs_tracking(docs_site_dir: Path,
                                                                          tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(docs_site_dir, site)
    index = site / "index.html"
    injected = (
        '<script src="https://cdn.example.com/lib.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.com/font.css">'
        '<img srcset="/local.png 1x, https://img.example.com/logo@2x.png 2x">'
        '<style>@import "https://css.example.com/a.css"; body { background: url(http://img.example.com/bg.png) }'
        "</style>"
        '<a href="https://docs.getdbt.com/">a link is not a fetch</a>'
        '<link rel="canonical" href="https://example.com/overview/">'
    )
    index.write_text(index.read_text(encoding="utf-8").replace("</head>", injected + "</head>", 1), encoding="utf-8")
    manifest = _manifest(site)
    manifest["metadata"]["send_anonymous_usage_stats"] = True
    some_model = next(uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model")
    manifest["nodes"][some_model]["description"] += "\n\n![logo](https://img.example.com/logo.png)"
    (site / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    urls = sorted(finding.url for finding in docs_site.verify(site))
    assert urls == sorted([
        "https://cdn.example.com/lib.js",
        "//fonts.example.com/font.css",
        "https://img.example.com/logo@2x.png",
        "https://css.example.com/a.css",
        "http://img.example.com/bg.png",
        "https://img.example.com/logo.png",
        "//d1fc8wv8zag5ca.cloudfront.net/…/sp.js (dbt's tracking script)",
    ])
    assert docs_site.make_self_contained(site) is True
    assert not any("tracking" in finding.url for finding in docs_site.verify(site))
    assert docs_site.make_self_contained(site) is False


def test_server_refuses_non_loopback_hosts(docs_site_dir: Path) -> None:
    with pytest.raises(docs_site.DocsSiteError, match="loopback"):
        docs_site.start_server(docs_site_dir, host="0.0.0.0")


# --- red lines on the pages and in the overview ----------------------------------------------------
def test_red_line_doc_blocks_are_generated_from_governance() -> None:
    rules = docs_site.load_red_lines(ROOT)
    current = (ROOT / docs_site.RED_LINE_DOCS_FILE).read_text(encoding="utf-8")
    assert current == docs_site.render_red_line_docs(rules), (
        f"{docs_site.RED_LINE_DOCS_FILE} is stale: run `python -m viewership.docs_site red-line-docs`")
    overview = (ROOT / "docs" / "dbt" / "overview.md").read_text(encoding="utf-8")
    missing = [rule["id"] for rule in rules if f"| {rule['id']} |" not in overview]
    assert not missing, f"docs/dbt/overview.md does not explain red lines {missing}"


def test_protected_models_show_their_red_lines(docs_site_dir: Path) -> None:
    manifest = _manifest(docs_site_dir)
    rules = {rule["id"]: rule for rule in docs_site.load_red_lines(ROOT)}
    by_model = protected_models.red_lines_by_model(list(rules.values()))
    protected = {uid: by_model[node["name"]] for uid, node in manifest["nodes"].items()
                 if node["resource_type"] == "model" and node["name"] in by_model}
    assert set(by_model) <= {node["name"] for node in manifest["nodes"].values()}, "a rule lists an unknown model"
    assert protected, "no rule lists a model under `models:`"
    for uid, ids in protected.items():
        description = manifest["nodes"][uid]["description"]
        assert docs_site.RED_LINES_HEADING in description, uid
        for rule_id in ids:
            assert f"**{rule_id} — {rules[rule_id]['title']}**" in description, (uid, rule_id)


# --- the browser ---------------------------------------------------------------------------------
def _external(urls: list[str], origin: str) -> list[str]:
    return [url for url in urls if urlsplit(url).scheme in {"http", "https", "ws", "wss", "ftp"}
            and not url.startswith(origin)]


def _graph_ids(session: Session) -> set[str]:
    ids = session.script(GRAPH + "return g.graph.elements.filter(function (e) { return !e.data.source; })"
                                 ".map(function (e) { return e.data.unique_id; });")
    return set(ids or [])


def _shoot(session: Session, name: str) -> Path:
    session.script("document.querySelectorAll('.tooltip').forEach(function (t) { t.remove(); });")
    path = session.screenshot(SCREENSHOTS / name)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000, path
    return path


def test_browser_opens_fct_episode_details_and_its_lineage(docs_site_dir: Path, browser: Browser) -> None:
    manifest = _manifest(docs_site_dir)
    unique_id, node = _model_node(manifest, MODEL_NAME)
    column, column_doc = next((name, col["description"]) for name, col in node["columns"].items()
                              if col.get("description"))
    parents = set(node["depends_on"]["nodes"])
    children = {uid for uid, other in manifest["nodes"].items()
                if other["resource_type"] == "model" and unique_id in other["depends_on"]["nodes"]}
    ancestors = _ancestors(manifest, unique_id)
    rules = {rule["id"]: rule for rule in docs_site.load_red_lines(ROOT)}
    red_lines = list(protected_models.red_lines_by_model(list(rules.values())).get(MODEL_NAME, ()))
    assert red_lines, f"{MODEL_NAME} is protected by red lines (governance/redlines.yml `models:`)"

    server = docs_site.start_server(docs_site_dir)
    origin = docs_site.server_url(server)
    started = time.monotonic()
    try:
        with chromium_session(browser) as session:
            # 1. overview: our __overview__ doc block, rendered
            session.get(origin)
            session.wait_text("Phases 0")
            overview_text = session.body_text()
            for bucket in ("FULL_DATA", "REF_ID_SERIES", "REF_ID_ONLY", "SERIES_SEASON_EPISODE", "SERIES_ONLY",
                           "TITLE_ONLY"):
                assert bucket in overview_text
            _shoot(session, "01_overview.png")

            # 2. search, then click the result (navigation, not a typed URL)
            search = session.wait_css("#search")[0]
            session.click(search)
            session.type_into(search, MODEL_NAME)
            result = session.wait_css(f'.search-result[href="#!/model/{unique_id}"]')[0]
            session.click(result)
            session.wait_for("the model page", lambda: unique_id in session.current_url)
            session.wait_text(column_doc.strip().splitlines()[0][:60])
            page = session.body_text()
            headings = session.script("return Array.from(document.querySelectorAll('h1'))"
                                      ".map(function (h) { return h.innerText; });")
            assert any(heading.split()[0] == MODEL_NAME for heading in headings if heading.strip()), headings
            assert column in page and column_doc.strip().splitlines()[0][:60] in page
            if node.get("contract", {}).get("enforced"):
                assert "Enforced" in page
            if red_lines:
                assert docs_site.RED_LINES_HEADING in page
                for rule_id in red_lines:
                    assert rules[rule_id]["title"] in page, f"{rule_id} is not shown on the {MODEL_NAME} page"
            _shoot(session, "02_fct_episode_details.png")

            # 3. its lineage graph (sidebar): the model, its parents and its children from the manifest
            session.click(session.wait_css(".launcher-btn a")[0])
            session.wait_for("the lineage graph", lambda: unique_id in _graph_ids(session))
            sidebar = _graph_ids(session)
            assert parents | children <= sidebar, f"missing from the graph: {(parents | children) - sidebar}"
            _shoot(session, "03_fct_episode_details_lineage.png")

            # 4. expanded graph: +fct_episode_details+ down to the upload source
            session.click(session.wait_css('[ng-click="showExpanded()"]')[0])
            session.wait_for("the expanded graph", lambda: ancestors <= _graph_ids(session))
            selector = session.script(
                "return document.querySelector('input[ng-model=\"selectorService.selection.dirty.include\"]').value;")
            assert selector == f"+{MODEL_NAME}+"
            expanded = _graph_ids(session)
            assert any(uid.startswith("source.") for uid in expanded)
            assert "model.viewership.stg_upload__platform_viewership" in expanded

            # 5. hide the data tests with the "resources" filter, as an analyst would, then update the graph
            session.click(session.wait_css("select[ng-click=\"onSelectClick('resource_types')\"]")[0])
            session.click(session.wait_xpath(
                "//li[starts-with(@ng-click, \"onItemSelect('resource_types'\") and normalize-space(.)='Tests']")[0])
            session.click(session.wait_css("#submit-graph-selection")[0])
            session.wait_for("the graph without tests",
                             lambda: not any(uid.startswith("test.") for uid in _graph_ids(session)))
            assert ancestors - {uid for uid in ancestors if uid.startswith("test.")} <= _graph_ids(session)
            time.sleep(0.5)  # let cytoscape finish its layout animation before the picture
            _shoot(session, "04_lineage_expanded.png")

            external = _external(session.requested_urls(), origin)
            assert external == [], f"the docs site fetched from outside the loopback server: {external}"
    finally:
        server.shutdown()
        server.server_close()
    print(f"\nbrowser flow: {time.monotonic() - started:.1f} s")


# --- description coverage ------------------------------------------------------------------------
def test_description_gaps_finds_every_undescribed_resource_and_column() -> None:
    def model(description: str, columns: dict[str, str], package: str = "shop") -> dict[str, Any]:
        return {"resource_type": "model", "name": "m", "package_name": package, "original_file_path": "models/m.sql",
                "description": description, "columns": {name: {"description": text} for name, text in columns.items()}}

    manifest: dict[str, Any] = {
        "metadata": {"project_name": "shop"},
        "nodes": {
            "model.shop.described": {**model("Orders.", {"order_id": "Key."}), "name": "described"},
            "model.shop.bare": {**model("  ", {"order_id": "", "amount": "Dollars."}), "name": "bare"},
            "model.other.foreign": {**model("", {"x": ""}, package="other"), "name": "foreign"},
            "snapshot.shop.snp": {"resource_type": "snapshot", "name": "snp", "package_name": "shop",
                                  "original_file_path": "snapshots/s.yml", "description": "History.",
                                  "columns": {"id": {"description": "Key."}}},
            "test.shop.not_null_bare_order_id": {"resource_type": "test", "package_name": "shop", "description": ""},
        },
        "sources": {
            "source.shop.raw.orders": {"package_name": "shop", "source_name": "raw", "name": "orders",
                                       "source_description": "", "description": "Orders.",
                                       "columns": {"id": {"description": ""}}, "original_file_path": "s.yml"},
            "source.shop.raw.items": {"package_name": "shop", "source_name": "raw", "name": "items",
                                      "source_description": "", "description": "Items.", "columns": {},
                                      "original_file_path": "s.yml"},
        },
        "macros": {
            "macro.shop.cents": {"package_name": "shop", "name": "cents", "description": "Cents to dollars.",
                                 "arguments": [{"name": "column", "description": ""}], "original_file_path": "c.sql"},
            "macro.shop.undocumented": {"package_name": "shop", "name": "undocumented", "description": "",
                                        "arguments": [], "original_file_path": "u.sql"},
            "macro.shop.duckdb__cents": {"package_name": "shop", "name": "duckdb__cents", "description": "",
                                         "arguments": [], "original_file_path": "c.sql"},
        },
        "exposures": {"exposure.shop.app": {"package_name": "shop", "name": "app", "description": "",
                                            "original_file_path": "e.yml"}},
    }
    catalog = {"nodes": {"model.shop.described": {"columns": {"ORDER_ID": {}, "STATUS": {}}},
                         "snapshot.shop.snp": {"columns": {"id": {}, "dbt_valid_from": {}, "dbt_scd_id": {}}}}}
    found = {(gap.resource_type, gap.name, gap.column, gap.detail)
             for gap in docs_site.description_gaps(manifest, catalog)}
    assert found == {
        ("model", "bare", None, "no description"),
        ("model", "bare", "order_id", "no description"),
        ("model", "described", "status", "in the database but not in the YAML"),
        ("source", "raw", None, "no description"),
        ("source table", "raw.orders", "id", "no description"),
        ("macro", "cents", "argument column", "no description"),
        ("macro", "undocumented", None, "no description"),
        ("exposure", "app", None, "no description"),
    }


def test_dbt_warnings_are_collected_with_their_continuation_lines() -> None:
    output = ("\x1b[0m17:23:53  [\x1b[33mWARNING\x1b[0m]: Configuration paths exist in your dbt_project.yml file\n"
              "There are 1 unused configuration paths:\n- snapshots.viewership\n"
              "17:23:53  Performance info: /tmp/perf_info.json\n"
              "17:23:54  [WARNING]: doc 'col_x' was not found\n")
    assert docs_site.dbt_warnings(output) == (
        "Configuration paths exist in your dbt_project.yml file There are 1 unused configuration paths: "
        "- snapshots.viewership",
        "doc 'col_x' was not found",
    )
