"""Scope checks (issue #15, class 4): hooks and the macros they call, snapshots, the environment map and
gold grants by location, on small manifests written by the test (no dbt compile)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from redline.config import EnvironmentMap
from redline.manifest import CompiledNode, ProjectCompile
from redline.registry import CheckContext, get

from .helpers import ROOT, TARGET_DB, env_map, fixture_sql, node, rule_params

MOVE = "stg_upload__platform_viewership"
MARK_SQL = (ROOT / "macros/governance/mark_uploads_processed.sql").read_text(encoding="utf-8")
GRANT_SQL = (ROOT / "macros/governance/grant_gold_schema_usage.sql").read_text(encoding="utf-8")
ID_SEMI_JOIN = "and id in (select viewership_id from {{ this }})"


def macro(name: str, sql: str) -> dict[str, Any]:
    return {"name": name, "package_name": "viewership", "macro_sql": sql,
            "original_file_path": f"macros/governance/{name}.sql"}


def write_manifest(tmp: Path, *, post_hook: str = "{{ mark_uploads_processed() }}",
                   macros: Mapping[str, str] | None = None,
                   run_end: Sequence[str] = ("{{ grant_gold_schema_usage() }}",),
                   exposures: Sequence[str] = ()) -> Path:
    all_macros = {"mark_uploads_processed": MARK_SQL, "grant_gold_schema_usage": GRANT_SQL, **(macros or {})}
    nodes: dict[str, Any] = {
        f"model.viewership.{MOVE}": {
            "resource_type": "model", "name": MOVE, "unique_id": f"model.viewership.{MOVE}",
            "original_file_path": f"models/bronze/upload/{MOVE}.sql",
            "config": {"post-hook": [{"sql": post_hook, "transaction": True}] if post_hook else [], "pre-hook": []},
        },
    }
    for i, sql in enumerate(run_end):
        uid = f"operation.viewership.viewership-on-run-end-{i}"
        nodes[uid] = {"resource_type": "operation", "unique_id": uid, "name": f"viewership-on-run-end-{i}",
                      "raw_code": sql, "config": {}}
    data = {"metadata": {"project_name": "viewership", "adapter_type": "snowflake"}, "nodes": nodes,
            "macros": {f"macro.viewership.{k}": macro(k, v) for k, v in all_macros.items()},
            "exposures": {"exposure.viewership.app": {"depends_on": {"nodes": list(exposures)}}}}
    path = tmp / "manifest.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def compile_of(nodes: Sequence[CompiledNode], manifest: Path, target: str = "prod") -> ProjectCompile:
    return ProjectCompile(target=target, adapter="snowflake", dialect="snowflake",
                          nodes={n.unique_id: n for n in nodes}, target_database=TARGET_DB["snowflake"],
                          manifest_path=manifest)


def ctx_for(compiles: Mapping[str, ProjectCompile], root: Path = ROOT,
            envs: EnvironmentMap | None = None) -> CheckContext:
    return CheckContext(root=root, env_map=envs or env_map(), compiles=compiles, target="*")


def move_node(target: str = "prod") -> CompiledNode:
    return node(MOVE, fixture_sql("snowflake", MOVE), "snowflake", target=target,
                path=f"models/bronze/upload/{MOVE}.sql", materialized="incremental")


# ---------------------------------------------------------------- RL-1 processed marking


@pytest.mark.parametrize(
    ("macro_sql", "post_hook", "extra", "ok"),
    [
        pytest.param(MARK_SQL, "{{ mark_uploads_processed() }}", {}, True, id="as_written"),
        pytest.param(MARK_SQL.replace(ID_SEMI_JOIN, "and filename in (select filename from {{ this }})"),
                     "{{ mark_uploads_processed() }}", {}, False, id="marks_by_file_name"),
        pytest.param(MARK_SQL.replace(ID_SEMI_JOIN, "and (id in (select viewership_id from {{ this }})\n"
                                      "        or processed is null)"), "{{ mark_uploads_processed() }}", {}, False,
                     id="or_escape"),
        pytest.param(MARK_SQL.replace(ID_SEMI_JOIN, "and id in (select viewership_id from {{ this }} "
                                      "where filename is not null)"), "{{ mark_uploads_processed() }}", {}, False,
                     id="ids_narrowed"),
        pytest.param(MARK_SQL, "", {}, False, id="hook_removed"),
        pytest.param(MARK_SQL.replace(ID_SEMI_JOIN, "and exists (\n            select 1 from {{ this }} as b\n"
                                      "            where b.viewership_id = id\n        )"),
                     "{{ mark_uploads_processed() }}", {}, True, id="exists_equivalent"),
        pytest.param(MARK_SQL, "{{ after_move() }}",
                     {"after_move": "{% macro after_move() %}{{ mark_uploads_processed() }}{% endmacro %}"}, True,
                     id="extracted_macro"),
    ],
)
def test_processed_marking(tmp_path: Path, macro_sql: str, post_hook: str, extra: dict[str, str], ok: bool) -> None:
    assert ID_SEMI_JOIN in MARK_SQL, "the macro no longer contains the id semi-join this test edits"
    manifest = write_manifest(tmp_path, post_hook=post_hook,
                              macros={"mark_uploads_processed": macro_sql, **extra})
    move = move_node()
    compiles = {"prod": compile_of([move], manifest)}
    ctx = dataclasses.replace(ctx_for(compiles), target="prod")
    problems = list(get("processed_marking").func(ctx, move, rule_params("RL-1", "processed_marking")))
    assert (problems == []) is ok, [p.message for p in problems]


# ---------------------------------------------------------------- RL-5 hooks


@pytest.mark.parametrize(
    ("post_hook", "extra", "run_end", "expected"),
    [
        pytest.param("{{ mark_uploads_processed() }}", {}, ("{{ grant_gold_schema_usage() }}",), "", id="as_written"),
        pytest.param("{{ mark_uploads_processed() }}\n; revoke select on {{ this }} from role WEB_APP", {},
                     ("{{ grant_gold_schema_usage() }}",), "runs REVOKE", id="revoke_in_post_hook"),
        pytest.param("{{ mark_uploads_processed() }}", {"tidy": "{% macro tidy() %}revoke usage on schema "
                                                          "{{ target.schema }} from WEB_APP{% endmacro %}"},
                     ("{{ grant_gold_schema_usage() }}", "{{ tidy() }}"), "in macro tidy", id="revoke_in_macro"),
        pytest.param("{{ mark_uploads_processed() }}", {}, ("{{ record_deployments(results) }}",),
                     "no longer calls grant_gold_schema_usage", id="usage_grant_dropped"),
        pytest.param("{{ mark_uploads_processed() }}", {"note": "{% macro note() %}-- no revoke here\n"
                                                          "select 'revoke'{% endmacro %}"},
                     ("{{ grant_gold_schema_usage() }}", "{{ note() }}"), "", id="revoke_in_comment_or_string"),
    ],
)
def test_hook_statements(tmp_path: Path, post_hook: str, extra: dict[str, str], run_end: tuple[str, ...],
                         expected: str) -> None:
    manifest = write_manifest(tmp_path, post_hook=post_hook, macros=extra, run_end=run_end)
    compiles = {"prod": compile_of([move_node()], manifest)}
    messages = " | ".join(p.message for p in get("hook_statements").func(
        ctx_for(compiles), rule_params("RL-5", "hook_statements")))
    if expected:
        assert expected in messages, messages
    else:
        assert messages == ""


# ---------------------------------------------------------------- RL-3 hooks, snapshots, the map


def test_hooks_and_snapshots_name_no_environment(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, post_hook="update UPLOAD_DB_PROD.PUBLIC.platform_viewership set x = 1")
    snapshot = dataclasses.replace(
        node("snp_catalog__series_status", "select * from NOSEY_PROD.PUBLIC.stg_catalog__series", "snowflake",
             target="staging", path="snapshots/_snapshots.yml"), resource_type="snapshot",
        unique_id="snapshot.viewership.snp_catalog__series_status")
    compiles = {"staging": compile_of([move_node("staging"), snapshot], manifest, "staging")}
    messages = [p.message for p in get("executed_environment_binding").func(ctx_for(compiles), {})]
    assert any("post-hook spells an environment name" in m for m in messages), messages
    assert any(m.startswith("snapshot on staging") and "NOSEY_PROD" in m for m in messages), messages
    clean = write_manifest(tmp_path)
    ok_snapshot = dataclasses.replace(snapshot, compiled_code="select * from TEST_STAGING.PUBLIC.stg_catalog__series")
    compiles = {"staging": compile_of([move_node("staging"), ok_snapshot], clean, "staging")}
    assert list(get("executed_environment_binding").func(ctx_for(compiles), {})) == []


def _envs_with(target: str, location: str, database: str) -> EnvironmentMap:
    targets = {t: dict(v) for t, v in env_map().targets.items()}
    targets[target] = dict(targets[target])
    targets[target][location] = {**dict(targets[target][location]), "database": database}
    return EnvironmentMap(targets=targets)


@pytest.mark.parametrize(
    ("envs", "ok"),
    [
        pytest.param(None, True, id="as_written_dictionary_shared"),
        pytest.param(("staging", "upload", "UPLOAD_DB_PROD"), False, id="staging_moves_prod_uploads"),
        pytest.param(("prod", "silver", "TEST_STAGING"), False, id="prod_writes_staging_silver"),
        pytest.param(("staging", "dictionary", "DICTIONARY"), True, id="shared_location_same_db"),
    ],
)
def test_environment_map_isolated(envs: tuple[str, str, str] | None, ok: bool) -> None:
    emap = _envs_with(*envs) if envs else env_map()
    problems = list(get("environment_map_isolated").func(ctx_for({}, envs=emap),
                                                         rule_params("RL-3", "environment_map_isolated")))
    assert (problems == []) is ok, [p.message for p in problems]


def test_second_environment_map_is_vetoed(tmp_path: Path) -> None:
    text = (ROOT / "dbt_project.yml").read_text(encoding="utf-8")
    (tmp_path / "dbt_project.yml").write_text(
        text.replace("\n  # Unmatched-rate thresholds",
                     "\n  legacy_databases: {prod: NOSEY_PROD, staging: TEST_STAGING}"
                     "\n  # Unmatched-rate thresholds", 1), encoding="utf-8")
    problems = [p.message for p in get("environment_map_isolated").func(
        ctx_for({}, root=tmp_path), rule_params("RL-3", "environment_map_isolated"))]
    assert problems and "second environment map" in problems[0], problems


# ---------------------------------------------------------------- RL-5 gold by location


@pytest.mark.parametrize(
    ("schema", "database", "exposed", "grants", "ok"),
    [
        pytest.param("PUBLIC", "ASSETS", False, {"select": ["WEB_APP"]}, True, id="gold_granted"),
        pytest.param("PUBLIC", "ASSETS", False, {}, False, id="moved_folder_still_in_gold_location"),
        pytest.param("PUBLIC", "NOSEY_PROD", True, {}, False, id="moved_out_of_gold_but_the_app_reads_it"),
        pytest.param("PUBLIC", "NOSEY_PROD", False, {}, True, id="silver_model_needs_no_grant"),
    ],
)
def test_grants_by_location(tmp_path: Path, schema: str, database: str, exposed: bool,
                            grants: dict[str, list[str]], ok: bool) -> None:
    model = dataclasses.replace(
        node("fct_episode_details", "select 1 as id", "snowflake", grants=grants,
             path="models/silver/fct_episode_details.sql"), schema=schema, database=database)
    manifest = write_manifest(tmp_path, exposures=[model.unique_id] if exposed else [])
    compiles = {"prod": compile_of([model], manifest)}
    problems = list(get("grants_by_location").func(ctx_for(compiles), rule_params("RL-5", "grants_by_location")))
    assert (problems == []) is ok, [p.message for p in problems]


@pytest.mark.parametrize(("database", "ok"), [("TEST_STAGING", True), ("NOSEY_PROD", False), ("DBT_WORK", True)])
def test_models_materialize_in_their_targets_databases(tmp_path: Path, database: str, ok: bool) -> None:
    model = dataclasses.replace(node("int_viewership_matched", "select 1 as id", "snowflake", target="staging"),
                                database=database, schema="PUBLIC")
    compiles = {"staging": compile_of([model], write_manifest(tmp_path), "staging")}
    problems = [p.message for p in get("executed_environment_binding").func(ctx_for(compiles), {})]
    assert (problems == []) is ok, problems


def test_alias_on_an_environment_relation_is_no_reference() -> None:
    """Class 7: `... EPISODE_DETAILS_TEST_STAGING as episode_details` names the prod table only as an alias."""
    sqls = {"staging": "select episode_details.id from STAGING_ASSETS.PUBLIC.EPISODE_DETAILS_TEST_STAGING "
                       "as episode_details where episode_details.id > 0",
            "prod": "select episode_details.id from ASSETS.PUBLIC.EPISODE_DETAILS as episode_details "
                    "where episode_details.id > 0"}
    nodes = {t: node("fct_episode_details", sql, "snowflake", target=t) for t, sql in sqls.items()}
    compiles = {t: compile_of([n], Path("absent"), t) for t, n in nodes.items()}
    for target, n in nodes.items():
        ctx = dataclasses.replace(ctx_for(compiles), target=target)
        assert list(get("compiled_environment_binding").func(ctx, n, {})) == []
    assert list(get("compiles_identical").func(ctx_for(compiles), {})) == []
