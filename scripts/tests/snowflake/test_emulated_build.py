"""The whole project on the local Snowflake emulation (fakesnow server mode), staging target: databases from
the environment map, source tables from viewership.db, reference CSVs and real partner files through the
loader; a first build, then a new file, a catalog change and a second build (incremental bronze and gold,
snapshot MERGE, scratch tables). Unit tests are left out here (they already run on DuckDB and PostgreSQL, and
take minutes on the emulation); `python -m viewership.emulation build` runs them. Every dbt call has a hard
timeout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from viewership import db, emulation, project
from viewership.schema import CATALOG_SERIES, UPLOAD

pytestmark = [pytest.mark.snowflake_emulation, pytest.mark.slow]
TARGET = "staging"


def relation(location: str, name: str) -> str:
    loc = project.location(TARGET, location)
    return f"{db.quote(str(loc.database))}.{db.quote(loc.schema)}.{name}"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[emulation.EmulationRun, dict[str, Any]]:
    facts: dict[str, Any] = {}

    def deactivate_one_series(database: db.Database) -> None:
        series = database.table_ref(CATALOG_SERIES)
        series_id = database.scalar(f"select min({db.quote('id')}) from {series} "
                                    f"where lower({db.quote('status')}) = {database.param}", ["active"])
        with database.transaction():
            database.execute(f"update {series} set {db.quote('status')} = {database.param} "
                             f"where {db.quote('id')} = {database.param}", ["Inactive", series_id])
        facts["series_id"] = series_id

    def collect(database: db.Database) -> None:
        upload = database.table_ref(UPLOAD)
        bronze = relation("bronze", "stg_upload__platform_viewership")
        snapshot = relation("snapshots", "snp_catalog__series_status")
        gold = relation("gold", str(project.environment_map(TARGET)["episode_details_table"]))
        facts["upload"] = database.query(
            f"select count(*), sum(case when processed is null or processed = false then 1 else 0 end) "
            f"from {upload}")[0]
        facts["bronze"] = database.query(
            f"select count(*), count(distinct viewership_id), min(phase), max(phase) from {bronze}")[0]
        # NULL checks stay in SQL: the server returns a NULL TIMESTAMP_NTZ to the client as 1970-01-01.
        facts["snapshot"] = database.query(
            f"select count(*), sum(case when dbt_valid_to is null then 1 else 0 end) from {snapshot} "
            f"where cast(series_id as varchar) = {database.param}", [str(facts["series_id"])])[0]
        facts["gold_rows"] = database.scalar(f"select count(*) from {gold}")

    result = emulation.emulate(TARGET, tmp_path_factory.mktemp("emulation"), unit_tests=False, timeout=600,
                               between_builds=deactivate_one_series, after_build=collect)
    return result, facts


def test_both_builds_pass_on_the_emulation(run: tuple[emulation.EmulationRun, dict[str, Any]]) -> None:
    result, _ = run
    assert len(result.reports) == 2
    for report in result.reports:
        assert report.ok, report.render()


def test_every_model_and_snapshot_was_built(run: tuple[emulation.EmulationRun, dict[str, Any]]) -> None:
    result, _ = run
    manifest = json.loads((Path(result.reports[0].target_path) / "manifest.json").read_text())
    expected = {uid for uid, node in manifest["nodes"].items()
                if node["resource_type"] in {"model", "snapshot"} and node["config"].get("enabled", True)}
    for report in result.reports:
        built = {n.unique_id for n in report.nodes if n.ok}
        assert expected - built == set(), report.render()


def test_bronze_copies_each_upload_row_once_across_incremental_runs(
    run: tuple[emulation.EmulationRun, dict[str, Any]],
) -> None:
    result, facts = run
    uploaded = sum(count for name, count in result.loaded.items() if name.startswith("upload:"))
    upload_rows, unprocessed = facts["upload"]
    assert (upload_rows, unprocessed) == (uploaded, 0)
    assert facts["bronze"] == (uploaded, uploaded, "0", "0")


def test_snapshot_merge_closes_the_changed_series(run: tuple[emulation.EmulationRun, dict[str, Any]]) -> None:
    _, facts = run
    assert facts["snapshot"] == (2, 1)


def test_gold_episode_details_filled_under_the_mapped_name(
    run: tuple[emulation.EmulationRun, dict[str, Any]],
) -> None:
    _, facts = run
    assert facts["gold_rows"] > 0


def test_gold_grants_rendered_and_skipped(run: tuple[emulation.EmulationRun, dict[str, Any]]) -> None:
    """RL-5 on the emulation: dbt renders GRANT SELECT ... TO WEB_APP for every gold model (fakesnow has no
    GRANT, so the statements are logged instead of sent)."""
    result, _ = run
    report = result.reports[0]
    manifest = json.loads((Path(report.target_path) / "manifest.json").read_text())
    gold = [n["relation_name"] for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["fqn"][1] == "gold"]
    assert gold
    for name in gold:
        assert any(name.lower() in g.lower() and "web_app" in g.lower() for g in report.skipped_grants), (
            name, report.skipped_grants)
