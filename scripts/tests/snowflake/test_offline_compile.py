"""Offline Snowflake compile: no account, no server. Every model compiles for staging and prod, and the SQL
names exactly that environment's databases and episode-details table from vars.environments (the names are
read from the map, never repeated here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from viewership import emulation, project


@pytest.fixture(scope="module")
def all_compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, emulation.CompileResult]:
    """staging and prod compiled once, side by side."""
    return emulation.offline_compile_all(emulation.EMULATED_TARGETS, tmp_path_factory.mktemp("compile"))


@pytest.fixture(params=list(emulation.EMULATED_TARGETS))
def compiled(request: pytest.FixtureRequest, all_compiled: dict[str, emulation.CompileResult]
             ) -> emulation.CompileResult:
    return all_compiled[str(request.param)]


def test_every_model_compiles_without_an_account(compiled: emulation.CompileResult) -> None:
    assert compiled.returncode == 0, compiled.render()
    assert compiled.compiled_nodes > 0, compiled.render()
    assert not [m for m in compiled.misplaced if m.endswith("not compiled")], compiled.render()


def test_sql_names_every_database_of_the_environment_map(compiled: emulation.CompileResult) -> None:
    env_map = project.environment_map(compiled.target)
    expected = {str(e["database"]).upper() for e in env_map.values() if isinstance(e, dict) and e.get("database")}
    expected.add(str(env_map["episode_details_table"]).upper())
    assert compiled.expected_names == expected
    assert compiled.missing_names == set(), compiled.render()


def test_sql_names_no_other_environment(compiled: emulation.CompileResult) -> None:
    assert compiled.foreign_names == set(), compiled.render()


def test_models_live_in_their_layer_database(compiled: emulation.CompileResult) -> None:
    assert compiled.misplaced == [], compiled.render()


def test_bronze_reads_the_upload_database_incrementally(compiled: emulation.CompileResult) -> None:
    """With assume_incremental the bronze move model reads the upload table and its own relation."""
    upload = project.location(compiled.target, "upload")
    bronze = project.location(compiled.target, "bronze")
    sql = next(Path(compiled_dir(compiled)).rglob("stg_upload__platform_viewership.sql")).read_text()
    names = emulation.sql_names(sql)
    assert {str(upload.database).upper(), "PLATFORM_VIEWERSHIP"} <= names
    assert {str(bronze.database).upper(), "STG_UPLOAD__PLATFORM_VIEWERSHIP"} <= names


def compiled_dir(compiled: emulation.CompileResult) -> Path:
    assert compiled.target_path is not None
    return compiled.target_path / "compiled"


def test_checker_reports_misplaced_missing_and_foreign_names() -> None:
    """The name check itself: a model in another environment's database is caught."""
    staging, prod = (project.location(t, "gold") for t in ("staging", "prod"))
    manifest = {"nodes": {"model.viewership.fct_x": {
        "resource_type": "model", "language": "sql", "fqn": ["viewership", "gold", "fct_x"],
        "database": prod.database, "relation_name": f"{prod.database}.PUBLIC.fct_x",
        "compiled_code": f"select * from {prod.database}.PUBLIC.other", "config": {"enabled": True}}}}
    count, found, misplaced = emulation.check_manifest("staging", manifest)
    assert count == 1
    assert str(prod.database).upper() in found and str(staging.database).upper() not in found
    assert misplaced and "fct_x" in misplaced[0]
