"""Per-upload rollback across every layer, after a full build (extends the lead's bronze-level test).

Two real Tubi files (October, November) are loaded with `viewership-load` and built. Then:
  1. reloading November is refused (already processed) and names the rollback command;
  2. `viewership-db rollback --platform Tubi --filename <November>` removes November from every relation of
     upload, bronze, silver and gold in one transaction and writes one audit row (who, when, file, rows per
     relation) - October is untouched, byte for byte (ids and inserted_at included);
  3. a `dbt build` after the rollback does not bring November back;
  4. November loads again and builds to the same gold as before, except the ids (new upload rows get new ids,
     by design) and the insert timestamp.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.tests.harness import PARTNER_FILES, REFERENCE_DIR, Warehouse
from scripts.tests.reliability import snapshot, support

OCTOBER = PARTNER_FILES / "tubi_vod_october_2025.csv"
NOVEMBER = PARTNER_FILES / "tubi_vod_nov_2025.csv"
ID_COLUMNS = frozenset({"viewership_id", "episode_detail_id"})


def _load(wh: Warehouse, path: Path, month: str, expect_ok: bool = True) -> str:
    proc = support.run_module(wh, "viewership.loader", "--template", "tubi_vod_revenue", "--year", "2025",
                              "--month", month, str(path), expect_ok=expect_ok)
    return proc.stdout + proc.stderr


def _rows_of_file(wh: Warehouse, filename: str) -> dict[str, int]:
    """Rows of the file in every relation (tables and views) of every layer that has a filename column."""
    counts: dict[str, int] = {}
    with wh.connect() as database:
        for location in ("upload", "bronze", "silver", "gold"):
            for table in snapshot.relations(database, location):
                if "filename" not in [c.lower() for c in snapshot.columns_of(database, location, table)]:
                    continue
                ref = f"{database.schema_ref(location)}.\"{table}\""
                counts[f"{location}.{table}"] = int(database.scalar(
                    f"select count(*) from {ref} where filename = {database.param}", [filename]))
    return counts


def _gold_of(wh: Warehouse, filename: str, exclude: frozenset[str]) -> list[tuple[str, ...]]:
    with wh.connect() as database:
        cols = [c for c in snapshot.columns_of(database, "gold", "episode_details") if c.lower() not in exclude]
        select = ", ".join(f'"{c}"' for c in cols)
        rows = database.query(f"select {select} from gold.episode_details where filename = {database.param}",
                              [filename])
    return sorted(tuple(snapshot.canonical(v) for v in r) for r in rows)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_rollback_after_full_build_then_reload(engine: str, tmp_path: Path) -> None:
    with support.slots(engine, tmp_path) as s:
        wh = s.active
        support.run_module(wh, "viewership.loader", "--reference", str(REFERENCE_DIR))
        _load(wh, OCTOBER, "October")
        _load(wh, NOVEMBER, "November")
        support.build(wh)
        nov, octo = NOVEMBER.name, OCTOBER.name
        before = _rows_of_file(wh, nov)
        for layer in ("upload.platform_viewership", "bronze.stg_upload__platform_viewership",
                      "silver.int_viewership_normalized", "gold.episode_details"):
            assert before.get(layer, 0) > 0, f"{layer} should hold November before the rollback: {before}"
        gold_nov_before = _gold_of(wh, nov, ID_COLUMNS | snapshot.RUN_TIMESTAMP_COLUMNS)
        october_before = _gold_of(wh, octo, frozenset())

        refused = _load(wh, NOVEMBER, "November", expect_ok=False)
        assert "already processed" in refused and "rollback" in refused

        proc = support.run_module(wh, "viewership.dbcli", "rollback", "--platform", "Tubi", "--filename", nov,
                                  "--who", "reliability-suite")
        assert "rolled back" in proc.stdout
        after = _rows_of_file(wh, nov)
        assert {k: v for k, v in after.items() if v} == {}, f"rows of {nov} survived the rollback: {after}"
        audit = wh.query("select rolled_back_by, platform, filename, rows_removed, rows_per_relation, "
                         "rolled_back_at from audit.upload_rollbacks")
        assert len(audit) == 1
        who, platform, filename, removed, per_relation, when = audit[0]
        assert (who, platform, filename) == ("reliability-suite", "Tubi", nov) and when is not None
        per_relation = json.loads(per_relation)
        tables_before = {k: v for k, v in before.items() if v and not k.endswith("_v1")}  # v1 is a view
        assert {k: v for k, v in per_relation.items() if v} == tables_before, "audit rows per relation"
        assert int(removed) == sum(tables_before.values())
        assert _gold_of(wh, octo, frozenset()) == october_before, "October changed"

        support.build(wh)
        assert not any(_rows_of_file(wh, nov).values()), "a build after the rollback brought November back"
        assert _gold_of(wh, octo, frozenset()) == october_before, "October changed after the rebuild"

        _load(wh, NOVEMBER, "November")
        support.build(wh)
        assert _gold_of(wh, nov, ID_COLUMNS | snapshot.RUN_TIMESTAMP_COLUMNS) == gold_nov_before
        assert _gold_of(wh, octo, frozenset()) == october_before
        assert {k: v for k, v in _rows_of_file(wh, nov).items() if v} == {k: v for k, v in before.items() if v}
        support.assert_gold_sound(wh)
