"""Incremental silver (issue 9): runs that add files one at a time end exactly where one full rebuild ends.

Every per-record silver model is incremental: a run processes only the records bronze stamped after the
newest record the model holds (macros/incremental/records_since_last_run.sql). One scenario per engine
(DuckDB, PostgreSQL):

  build 1   synthetic history (the generator's files)
  build 2   two new files, incremental
  build 3   a re-upload of an already processed file (same source rows, new upload ids), incremental:
            the duplicate-upload flag must count the copies held from earlier runs
  proof 1   a silver row of an old record altered by hand survives an incremental run (old records are
            not processed again: the runs really are incremental)
  proof 2   `dbt build --full-refresh` recomputes silver from bronze in one pass: silver and gold are
            identical to what the incremental runs produced (bronze_loaded_at and inserted_at, the run
            stamps, aside), and the per-file ledger holds (every record in exactly one outcome)
"""

from __future__ import annotations

from pathlib import Path

from scripts.tests.harness import Warehouse
from scripts.tests.reliability import snapshot
from viewership import schema

BUILD = ("build", "--exclude-resource-type", "unit_test")
RUN_STAMPS = frozenset({"bronze_loaded_at", "inserted_at"})
COPIED = (*schema.UPLOAD_VALUE_COLUMNS, "source_row_number")


def _generate(wh: Warehouse, out_dir: Path, *extra: str) -> None:
    wh.run_module("viewership.generator", "--rows", "4000", "--seed", "7", "--catalog-episodes", "500",
                  "--out-dir", str(out_dir), *extra)


def _scalar(wh: Warehouse, sql: str, params: list[object]) -> object:
    """One value; `{p}` in sql stands for the engine's bind parameter."""
    with wh.connect() as database:
        return database.scalar(sql.format(p=database.param), params)


def _reupload_first_file(wh: Warehouse) -> tuple[str, int, int]:
    """Upload the rows of the first processed file again under new ids (a re-upload the loader would refuse;
    inserted directly, as a second upload path might). Returns (filename, rows, highest id before)."""
    with wh.connect() as database:
        upload = database.table_ref(schema.UPLOAD)
        filename = database.scalar(f"select min(filename) from {upload}")
        highest_id = database.scalar(f"select max(id) from {upload}")
        columns = ", ".join(database.ident(c) for c in COPIED)
        rows = database.query(
            f"select {columns} from {upload} where filename = {database.param} "
            "order by id", [filename],
        )
        with database.transaction():
            written = database.bulk_insert(schema.UPLOAD, COPIED, rows)
    return str(filename), written, int(highest_id)


def _snapshots(wh: Warehouse) -> dict[str, snapshot.LayerSnapshot]:
    with wh.connect() as database:
        return {loc: snapshot.layer_snapshot(database, loc, RUN_STAMPS) for loc in ("silver", "gold")}


def test_incremental_runs_equal_one_full_rebuild(warehouse: Warehouse, tmp_path: Path) -> None:
    wh = warehouse
    _generate(wh, tmp_path / "synthetic")
    wh.dbt(*BUILD)
    records_1 = wh.scalar("select count(*) from silver.int_viewership_parsed")

    _generate(wh, tmp_path / "synthetic", "--append-files", "2")
    wh.dbt(*BUILD)
    records_2 = wh.scalar("select count(*) from silver.int_viewership_parsed")
    assert records_2 > records_1, "the two new files reached silver"

    filename, copies, highest_id = _reupload_first_file(wh)
    assert copies > 0
    wh.dbt(*BUILD)
    copies_keyed = _scalar(wh, "select count(*) from silver.int_viewership_match_keys "
                               "where filename = {p} and viewership_id > {p}", [filename, highest_id])
    assert copies_keyed, "the re-uploaded rows reached the matching keys"
    not_flagged = _scalar(wh, "select count(*) from silver.int_viewership_match_keys "
                              "where filename = {p} and viewership_id > {p} and not is_duplicate_upload",
                          [filename, highest_id])
    assert not_flagged == 0, (
        f"{not_flagged} re-uploaded rows not flagged as duplicate uploads: the copies held from the earlier "
        "runs must be counted"
    )
    incremental = _snapshots(wh)

    # proof 1: an old record is not processed again by an incremental run
    old_id = wh.scalar("select min(viewership_id) from silver.int_viewership_parsed")
    with wh.connect() as database, database.transaction():
        database.execute(
            "update silver.int_viewership_parsed set platform_content_name = 'altered by the test' "
            "where viewership_id = " + database.param, [old_id],
        )
    wh.dbt("run", "--select", "int_viewership_parsed")
    assert _scalar(wh, "select platform_content_name from silver.int_viewership_parsed "
                       "where viewership_id = {p}", [old_id]) == "altered by the test", (
        "an incremental run processed an old record again"
    )

    # proof 2: one full rebuild of silver gives what the incremental runs gave
    wh.dbt(*BUILD, "--full-refresh")
    full = _snapshots(wh)
    for location in ("silver", "gold"):
        differences = incremental[location].differences(full[location])
        assert not differences, f"{location}: incremental runs differ from a full rebuild:\n" + "\n".join(
            differences)
    with wh.connect() as database:
        violations = snapshot.conservation(database).violations()
    assert not violations, violations
