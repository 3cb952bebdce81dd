"""Column-level lineage: sqlglot over the compiled SQL, the viewership-lineage CLI, the cache, red lines and
the docs-site pages (overview picture, model tables), checked on a small manifest and on the project."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from scripts.tests.docs.browser import Browser, Session, chromium_session
from scripts.tests.harness import ROOT
from viewership import docs_site, protected_models
from viewership import lineage as layered
from viewership.column_lineage import cache, pipeline, redlines, site, trace
from viewership.column_lineage.cli import main as lineage_cli
from viewership.column_lineage.extract import (
    COMPUTED,
    PASSED_THROUGH,
    RENAMED,
    ColumnLineageError,
    ColumnRef,
    ProjectLineage,
    analyse_manifest,
)

UPLOAD = "upload.platform_viewership"
GOLD = "model.viewership.fct_episode_details.v2"


# --- a small project: bronze reads a source with select *, silver unions, ranks and joins ----------------
def _node(name: str, layer: str, sql: str, parents: list[str]) -> dict[str, Any]:
    return {"resource_type": "model", "name": name, "package_name": "shop", "fqn": ["shop", layer, name],
            "original_file_path": f"models/{layer}/{name}.sql", "tags": [], "config": {"materialized": "table"},
            "relation_name": f'"db"."main"."{name}"', "compiled_code": sql, "depends_on": {"nodes": parents},
            "columns": {}}


STG_ORDERS = """
with src as (select * from "db"."raw"."orders"),
final as (
    select cast(id as bigint) as order_id, amount_text as amount_raw, status, customer_id
    from src
    where (processed is null or processed = false)
)
select * from final
"""
INT_ORDERS = """
with orders as (select * from "db"."main"."stg_orders"),
customers as (select * from "db"."raw"."customers"),
both_rows as (
    select order_id, amount_raw from orders
    union all
    select order_id, amount_raw from orders
),
ranked as (
    select
        order_id,
        cast(amount_raw as decimal(10, 2)) * 100 as amount_cents,
        row_number() over (partition by order_id order by amount_raw) as order_rank
    from both_rows
),
joined as (
    select ranked.order_id, ranked.amount_cents, ranked.order_rank, customers.name as customer_name, 'x' as marker
    from ranked
    inner join orders on ranked.order_id = orders.order_id
    inner join customers on orders.customer_id = customers.id
)
select * from joined
"""


def _small_manifest() -> dict[str, Any]:
    def source(name: str, columns: list[str]) -> dict[str, Any]:
        return {"resource_type": "source", "package_name": "shop", "source_name": "raw", "name": name,
                "relation_name": f'"db"."raw"."{name}"', "columns": {c: {} for c in columns},
                "original_file_path": "models/bronze/_sources.yml"}

    return {
        "metadata": {"project_name": "shop", "adapter_type": "duckdb", "dbt_version": "1.11.16"},
        "sources": {"source.shop.raw.orders": source("orders", ["id", "amount_text", "status", "customer_id",
                                                                "processed"]),
                    "source.shop.raw.customers": source("customers", ["id", "name"])},
        "nodes": {
            "model.shop.stg_orders": _node("stg_orders", "bronze", STG_ORDERS, ["source.shop.raw.orders"]),
            "model.shop.int_orders": _node("int_orders", "silver", INT_ORDERS,
                                           ["model.shop.stg_orders", "source.shop.raw.customers"]),
        },
    }


def test_small_project_columns_kinds_expressions_and_join_keys() -> None:
    project = analyse_manifest(_small_manifest())
    assert project.failures == {}
    # select * expanded from the source's YAML columns, then renamed/cast/passed through
    assert project.relations["model.shop.stg_orders"].columns == ("order_id", "amount_raw", "status", "customer_id")
    stg = {c.column: c for c in project.columns_of("model.shop.stg_orders")}
    assert (stg["order_id"].kind, stg["order_id"].inputs) == (RENAMED, (ColumnRef("source.shop.raw.orders", "id"),))
    assert stg["status"].kind == PASSED_THROUGH
    assert stg["amount_raw"].kind == RENAMED
    where = {f.sql for f in project.relations["model.shop.stg_orders"].filters if f.clause == "where"}
    assert where == {"src.processed IS NULL OR src.processed = FALSE"}

    silver = {c.column: c for c in project.columns_of("model.shop.int_orders")}
    assert list(silver) == ["order_id", "amount_cents", "order_rank", "customer_name", "marker"]
    # through a union (both branches) and a cast * 100: computed, folded down to the input column
    assert silver["amount_cents"].kind == COMPUTED
    assert silver["amount_cents"].inputs == (ColumnRef("model.shop.stg_orders", "amount_raw"),)
    assert silver["amount_cents"].expression == "CAST(amount_raw AS DECIMAL(10, 2)) * 100"
    # a window function depends on its partition and order columns
    assert "ROW_NUMBER() OVER" in silver["order_rank"].expression
    assert set(silver["order_rank"].inputs) == {ColumnRef("model.shop.stg_orders", "order_id"),
                                                ColumnRef("model.shop.stg_orders", "amount_raw")}
    assert silver["order_id"].kind == PASSED_THROUGH
    # a value from a joined relation: renamed, matched on the key of the other side of the join
    assert silver["customer_name"].kind == RENAMED
    assert silver["customer_name"].matched_on == (ColumnRef("model.shop.stg_orders", "customer_id"),)
    assert (silver["marker"].kind, silver["marker"].inputs, silver["marker"].expression) == (COMPUTED, (), "'x'")

    result = trace.trace(project, trace.resolve(project, "int_orders.customer_name"))
    assert [f"{s.relation.label}.{s.ref.column}" for s in result.sources] == ["raw.customers.name"]
    assert [f"{s.relation.label}.{s.ref.column}" for s in result.matched_sources] == ["raw.orders.customer_id"]
    cents = trace.to_json(project, trace.trace(project, trace.resolve(project, "int_orders.amount_cents")))
    assert [(u["model"], u["column"], u["via"]) for u in cents["upstream"]] == [
        ("stg_orders", "amount_raw", "value"), ("orders", "amount_text", "value"),
        ("customers", "id", "match")]  # its rows are joined to customers too
    assert (cents["sources"], cents["matched_on_sources"]) == (["raw.orders.amount_text"], ["raw.customers.id"])


def test_resolve_gives_clear_errors() -> None:
    project = analyse_manifest(_small_manifest())
    with pytest.raises(ColumnLineageError, match=r"expected MODEL\.COLUMN"):
        trace.resolve(project, "int_orders")
    with pytest.raises(ColumnLineageError, match="did you mean amount_cents"):
        trace.resolve(project, "int_orders.amount")
    with pytest.raises(ColumnLineageError, match="did you mean int_orders"):
        trace.resolve(project, "int_order.amount_cents")
    assert trace.resolve(project, "raw.orders.id") == ColumnRef("source.shop.raw.orders", "id")


def test_cache_is_keyed_by_the_manifest_hash(tmp_path: Path) -> None:
    manifest = _small_manifest()
    path = tmp_path / cache.CACHE_FILE
    first, hit = cache.load_or_analyse(manifest, path)
    assert not hit and path.is_file()
    again, hit = cache.load_or_analyse(manifest, path)
    assert hit and again.columns == first.columns and again.relations == first.relations
    manifest["metadata"]["generated_at"] = "another run"  # not part of the hash
    assert cache.load_or_analyse(manifest, path)[1]
    manifest["nodes"]["model.shop.int_orders"]["compiled_code"] = INT_ORDERS.replace("* 100", "* 1000")
    changed, hit = cache.load_or_analyse(manifest, path)
    assert not hit and "1000" in changed.columns[("model.shop.int_orders", "amount_cents")].expression


# --- the project -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def project_lineage(docs_site_dir: Path) -> ProjectLineage:
    """The lineage the docs site computed from its manifest (dev target, compiled by dbt docs generate)."""
    return ProjectLineage.from_json(json.loads((docs_site_dir / cache.CACHE_FILE).read_text(encoding="utf-8")))


def _names(steps: tuple[trace.Step, ...]) -> set[str]:
    return {f"{step.relation.label}.{step.ref.column}" for step in steps}


def test_whole_project_is_analysed_within_budget(docs_site_dir: Path) -> None:
    manifest = cache.read_manifest(docs_site_dir / "manifest.json")
    cpu, wall = time.process_time(), time.monotonic()
    project = analyse_manifest(manifest)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    print(f"\ncolumn lineage of {len(project.columns)} columns of {len(project.relations)} relations: "
          f"{cpu:.2f} s CPU, {wall:.2f} s wall")
    assert project.failures == {}
    assert not [c for c in project.columns.values() if c.unresolved]
    assert cpu <= 10.0, f"the whole project's lineage took {cpu:.1f} s of CPU (budget 10 s)"
    models = [uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"]
    for uid in models:  # every model's output columns are known (contracted models: exactly the YAML ones)
        assert project.relations[uid].columns, uid
        if manifest["nodes"][uid].get("contract", {}).get("enforced"):
            assert set(project.relations[uid].columns) == set(manifest["nodes"][uid]["columns"]), uid


@pytest.mark.parametrize(("column", "value_sources", "matched_sources", "computed_in"), [
    ("revenue_amount", {f"{UPLOAD}.revenue"}, {f"{UPLOAD}.id"}, "int_viewership_parsed"),
    ("year", {f"{UPLOAD}.year", f"{UPLOAD}.date"}, set(), "int_viewership_parsed"),
    ("viewership_id", {f"{UPLOAD}.id"}, set(), None),
    ("platform_content_name", {f"{UPLOAD}.platform_content_name"}, set(), "int_viewership_parsed"),
    # a matched value: the catalog's ref_id, chosen by the upload's ref_id and titles
    ("ref_id", {"catalog.episode.ref_id"}, {f"{UPLOAD}.ref_id", f"{UPLOAD}.platform_content_name"}, None),
])
def test_gold_columns_trace_to_their_upload_columns(project_lineage: ProjectLineage, column: str,
                                                    value_sources: set[str], matched_sources: set[str],
                                                    computed_in: str | None) -> None:
    result = trace.trace(project_lineage, trace.resolve(project_lineage, f"fct_episode_details.{column}"))
    assert result.start.relation.unique_id == GOLD
    assert value_sources <= _names(result.sources)
    assert matched_sources <= _names(result.matched_sources)
    if computed_in:
        assert any(step.relation.name == computed_in and step.kind == COMPUTED for step in result.upstream)


def test_every_gold_column_reaches_the_upload_or_is_a_constant(project_lineage: ProjectLineage) -> None:
    gold = [uid for uid, rel in project_lineage.relations.items() if rel.layer == "gold"]
    assert GOLD in gold
    for uid in gold:
        for column in project_lineage.columns_of(uid):
            result = trace.trace(project_lineage, ColumnRef(uid, column.column))
            reached = _names(result.sources) | _names(result.matched_sources)
            constant = not reached and all(step.kind != "source" for step in result.upstream)
            assert constant or any(name.startswith(UPLOAD) for name in reached), (uid, column.column, reached)
            if constant:  # phase '3', inserted_at, ... : a literal or generated value somewhere on the way
                assert any(not step.inputs for step in (result.start, *result.upstream))


def test_cli_prints_json_text_and_dot(docs_site_dir: Path) -> None:
    runner = CliRunner()
    args = ["--manifest", str(docs_site_dir / "manifest.json")]
    out = runner.invoke(lineage_cli, ["fct_episode_details.revenue_amount", "--format", "json", *args])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert (data["model"], data["column"], data["kind"]) == ("fct_episode_details", "revenue_amount", COMPUTED)
    chain = [(entry["model"], entry["column"]) for entry in data["upstream"]]
    assert ("int_episode_details_validated", "revenue") in chain
    assert ("platform_viewership", "revenue") in chain
    last = next(entry for entry in data["upstream"] if entry["model"] == "platform_viewership")
    assert (last["resource_type"], last["source"]) == ("source", "upload")
    assert all({"model", "column", "expression"} <= set(entry) for entry in data["upstream"])
    parsed = next(entry for entry in data["upstream"] if entry["model"] == "int_viewership_parsed")
    assert parsed["kind"] == COMPUTED and parsed["steps"], "the computing CTE steps inside the model are listed"

    text = runner.invoke(lineage_cli, ["fct_episode_details.year", *args])
    assert text.exit_code == 0 and f"source columns: {UPLOAD}.date, {UPLOAD}.year" in text.stdout
    dot = runner.invoke(lineage_cli, ["fct_episode_details.v1.year", "--format", "dot", *args])
    assert dot.stdout.startswith("digraph") and "fct_episode_details v1 (gold)" in dot.stdout
    missing = runner.invoke(lineage_cli, ["fct_episode_details.revenue", *args])
    assert missing.exit_code == 1 and "did you mean" in missing.output and "revenue_amount" in missing.output
    summary = runner.invoke(lineage_cli, ["--all", *args])
    assert summary.exit_code == 0 and "columns (" in summary.stdout and "lineage" in summary.stderr


def test_red_line_columns_and_predicates(project_lineage: ProjectLineage) -> None:
    from redline.config import load_rules

    rules = list(load_rules(ROOT / "governance" / "redlines.yml"))
    bronze = project_lineage.relations["model.viewership.stg_upload__platform_viewership"]
    marked = redlines.protected_predicates(redlines.guards(rules, bronze), bronze.filters)
    rl1 = {predicate.sql for predicate, ids in marked if "RL-1" in ids}
    assert any("processed IS NULL" in sql for sql in rl1) and any("phase IS NULL" in sql for sql in rl1)
    gold = project_lineage.relations[GOLD]
    assert redlines.protected_columns(redlines.guards(rules, gold), gold.columns) == {"phase": ["RL-4"]}
    bucket = project_lineage.relations["model.viewership.int_match_full_data"]
    assert "RL-8" in redlines.protected_columns(redlines.guards(rules, bucket), bucket.columns)["bucket_priority"]
    # RL-1's predicate columns are the upload's: the bronze output `phase` (a literal) is RL-4's only
    assert redlines.protected_columns(redlines.guards(rules, bronze), bronze.columns) == {"phase": ["RL-4"]}
    # a regular-expression parameter (year_columns) on a path selector
    parsed = project_lineage.relations["model.viewership.int_viewership_parsed"]
    assert redlines.protected_columns(redlines.guards(rules, parsed), parsed.columns) == {"year": ["RL-6"]}
    # the winner's ordering is a protected "predicate" of the matching (bucket, then branch priority)
    matched = project_lineage.relations["model.viewership.int_viewership_matched"]
    windows = [(p.sql, ids) for p, ids in redlines.protected_predicates(redlines.guards(rules, matched),
                                                                        matched.filters) if p.clause == "window"]
    assert any("ORDER BY candidates.bucket_priority, candidates.branch_priority" in sql and ids == ["RL-8"]
               for sql, ids in windows), windows
    # RL-2's NOT EXISTS guard names the correlated ref_id and the title key
    series = project_lineage.relations["model.viewership.int_match_ref_id_series"]
    guarded = redlines.protected_predicates(redlines.guards(rules, series), series.filters)
    assert any(p.sql.startswith("NOT EXISTS") and "RL-2" in ids for p, ids in guarded)


def test_snapshot_meta_columns_and_unknown_tables() -> None:
    manifest = _small_manifest()
    snapshot = _node("snp_orders", "snapshots", 'select * from "db"."main"."stg_orders"', ["model.shop.stg_orders"])
    snapshot["resource_type"] = "snapshot"
    manifest["nodes"]["snapshot.shop.snp_orders"] = snapshot
    manifest["nodes"]["model.shop.int_orphan"] = _node(
        "int_orphan", "silver", 'select a.x as x from "db"."elsewhere"."unknown_table" as a', [])
    project = analyse_manifest(manifest)
    snap = {c.column: c for c in project.columns_of("snapshot.shop.snp_orders")}
    assert snap["status"].inputs == (ColumnRef("model.shop.stg_orders", "status"),)
    assert (snap["dbt_valid_from"].kind, snap["dbt_valid_from"].inputs) == (COMPUTED, ())
    orphan = project.columns[("model.shop.int_orphan", "x")]
    assert orphan.inputs == () and orphan.unresolved == ("db.elsewhere.unknown_table.x",)


def test_pipeline_picture_hides_tests_unless_asked(docs_site_dir: Path) -> None:
    manifest = cache.read_manifest(docs_site_dir / "manifest.json")
    protected = protected_models.red_lines_by_model(protected_models.load_red_lines(ROOT))
    graph = layered.from_manifest(manifest, protected)
    plain = (docs_site_dir / site.PIPELINE_PICTURE).read_text(encoding="utf-8")
    with_tests = (docs_site_dir / site.PIPELINE_WITH_TESTS).read_text(encoding="utf-8")
    assert plain == pipeline.render_svg(manifest, red_lines=protected), \
        "the picture is drawn from the manifest and the rule file, reproducibly"
    assert sum(1 for node in graph.nodes.values() if node.red_lines) >= len(protected), "protected models outlined"
    for uid in graph.nodes:
        assert f'id="node:{uid}"' in plain
    assert "test." not in plain and "data test" not in plain.replace("data tests hidden", "")
    counts = pipeline.test_counts(manifest)
    assert counts[GOLD] > 0 and f"{counts[GOLD]} data tests" in with_tests
    assert pipeline.wrap_label("int_viewership_internal_series_assigned") == \
        ["int_viewership_", "internal_series_", "assigned"]


def test_site_pages_show_the_pipeline_and_column_lineage(docs_site_dir: Path) -> None:
    manifest = cache.read_manifest(docs_site_dir / "manifest.json")
    overview = manifest["docs"]["doc.viewership.__overview__"]["block_contents"]
    assert overview.startswith(f"## {site.PIPELINE_HEADING}") and f"]({site.PIPELINE_PICTURE})" in overview
    description = manifest["nodes"][GOLD]["description"]
    table = description[description.index(f"### {site.LINEAGE_HEADING}"):]
    row = next(line for line in table.splitlines() if line.startswith("| revenue_amount |"))
    assert f"`{UPLOAD}.revenue`" in row and "int_episode_details_validated.revenue" in row
    assert "| **phase** | computed | **RL-4** |" in table
    assert "Lineage: computed, from upload.platform_viewership.revenue." in \
        manifest["nodes"][GOLD]["columns"]["revenue_amount"]["description"]
    bronze = manifest["nodes"]["model.viewership.stg_upload__platform_viewership"]["description"]
    assert "Red-line protected predicates" in bronze and "— RL-1" in bronze


# --- in the browser ----------------------------------------------------------------------------------------
SCREENSHOTS = ROOT / "docs" / "screenshots"
LAPTOP = (1400, 900)
PICTURE = f'img[src="{site.PIPELINE_PICTURE}"]'


def _row_text(session: Session, column: str) -> str:
    rows = session.find_xpath(f"//table//tr[td[1][normalize-space(.)='{column}']]")
    return session.text(rows[0]) if rows else ""


def test_browser_home_pipeline_and_revenue_lineage(docs_site_dir: Path, browser: Browser) -> None:
    """At laptop size: the site opens on the pipeline picture; fct_episode_details shows revenue_amount's lineage
    back to the upload column, and its link leads to the upstream model's own lineage."""
    server = docs_site.start_server(docs_site_dir)
    origin = docs_site.server_url(server)
    try:
        with chromium_session(browser) as session:
            session.set_window_size(*LAPTOP)
            session.get(origin)
            session.wait_text(site.PIPELINE_HEADING)
            width = session.wait_for("the pipeline picture to load", lambda: session.script(
                f"var i = document.querySelector('{PICTURE}');"
                "return i && i.complete && i.naturalWidth > 0 ? i.getBoundingClientRect().width : 0;"))
            assert width >= 0.9 * 1000, f"the pipeline picture is drawn {width:.0f} px wide at {LAPTOP}"
            top = session.script(f"return document.querySelector('{PICTURE}').getBoundingClientRect().top;")
            assert top < LAPTOP[1] / 2, "the picture is the first thing on the home page"
            assert "data tests" in session.body_text()
            _shoot(session, "05_home_pipeline.png")

            session.get(f"{origin}#!/model/{GOLD}")
            session.wait_text(site.LINEAGE_HEADING)
            row = session.wait_for("the revenue_amount row", lambda: _row_text(session, "revenue_amount"))
            assert "computed" in row and f"{UPLOAD}.revenue" in row and "int_episode_details_validated.revenue" in row
            phase = _row_text(session, "phase")
            assert "RL-4" in phase
            session.script("document.evaluate(\"//table//tr[td[1][normalize-space(.)='revenue_amount']]\", document, "
                           "null, 9, null).singleNodeValue.cells[0].scrollIntoView({block: 'center', inline: 'start'});"
                           "document.querySelectorAll('*').forEach(function (e) { e.scrollLeft = 0; });")
            time.sleep(0.3)
            _shoot(session, "06_fct_episode_details_column_lineage.png")

            link = session.find_xpath("//table//tr[td[1][normalize-space(.)='revenue_amount']]"
                                      "//a[contains(@href, 'int_episode_details_validated')]")
            assert link, "the upstream column links to its model"
            session.click(link[0])
            session.wait_for("the upstream model page",
                             lambda: "int_episode_details_validated" in session.current_url)
            session.wait_for("its column lineage", lambda: "int_viewership_matched.revenue" in
                             _row_text(session, "revenue"))

            external = [url for url in session.requested_urls()
                        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and not url.startswith(origin)]
            assert external == [], f"the docs site fetched from outside the loopback server: {external}"
    finally:
        server.shutdown()
        server.server_close()


def _shoot(session: Session, name: str) -> Path:
    path = session.screenshot(SCREENSHOTS / name)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000, path
    return path


def test_readme_shows_the_column_lineage_screenshot() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Docs site and lineage"):]
    section = section[: section.index("\n## ", 1)]
    for name in ("06_fct_episode_details_column_lineage.png", "05_home_pipeline.png"):
        assert f"(docs/screenshots/{name})" in section and (SCREENSHOTS / name).is_file(), name
    assert "viewership-lineage MODEL.COLUMN" in section


def test_site_annotation_keeps_blank_descriptions_blank(tmp_path: Path) -> None:
    manifest = _small_manifest()
    manifest["nodes"]["model.shop.stg_orders"]["description"] = "Orders, typed."
    manifest["nodes"]["model.shop.stg_orders"]["columns"] = {"amount_raw": {"description": "As uploaded."},
                                                             "status": {"description": ""}}
    manifest["nodes"]["model.shop.int_orders"]["description"] = ""
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = site.annotate(tmp_path, ROOT)
    assert (report.models, report.from_cache) == (1, False)
    assert site.annotate(tmp_path, ROOT).from_cache  # cached beside the site, by manifest hash
    annotated = cache.read_manifest(tmp_path / "manifest.json")
    stg = annotated["nodes"]["model.shop.stg_orders"]
    assert f"### {site.LINEAGE_HEADING}" in stg["description"]
    assert "| amount_raw | renamed |  | `raw.orders.amount_text` |" in stg["description"]
    assert stg["columns"]["amount_raw"]["description"] == "As uploaded. Lineage: renamed, from raw.orders.amount_text."
    assert stg["columns"]["status"]["description"] == ""
    assert annotated["nodes"]["model.shop.int_orders"]["description"] == ""
    gaps = {(gap.name, gap.column) for gap in docs_site.description_gaps(annotated)}
    assert {("int_orders", None), ("stg_orders", "status")} <= gaps
    assert (tmp_path / site.PIPELINE_PICTURE).read_text(encoding="utf-8").startswith("<svg")
