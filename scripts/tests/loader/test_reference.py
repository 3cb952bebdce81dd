"""viewership-load --reference DIR: the six reference CSVs replace the source tables in one transaction."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from scripts.tests.harness import REFERENCE_DIR, Warehouse
from scripts.tests.loader.conftest import run_cli
from viewership.schema import REFERENCE_TABLES


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for row in csv.reader(fh) if any(c.strip() for c in row)) - 1


def counts(wh: Warehouse) -> dict[str, int]:
    with wh.connect() as db:
        return {f"{t.location}.{t.name}": int(db.scalar(f"select count(*) from {db.table_ref(t)}"))
                for t in REFERENCE_TABLES}


def test_reference_load_replace_and_refusal(module_wh: Warehouse, tmp_path: Path) -> None:
    result = run_cli(module_wh, "--reference", str(REFERENCE_DIR), "--json")
    assert result.exit_code == 0, result.output
    expected = {f"{t.location}.{t.name}": csv_rows(REFERENCE_DIR / str(t.csv_name)) for t in REFERENCE_TABLES}
    assert json.loads(result.stdout)["rows"] == expected
    assert counts(module_wh) == expected

    # empty cell = NULL (the Tubi deal has no channel and no territory)
    nulls = module_wh.query(
        "select platform_channel_name, platform_territory, deal_parent from dictionary.active_deals "
        "where platform = 'Tubi'")
    assert nulls == [(None, None, "101")]

    # loading again replaces, it does not append
    assert run_cli(module_wh, "--reference", str(REFERENCE_DIR)).exit_code == 0
    assert counts(module_wh) == expected

    # one bad file: nothing is written, the previous contents stay
    bad = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, bad)
    (bad / "catalog_series.csv").write_text("id,titles\n1,Maury-en\n", encoding="utf-8")
    (bad / "catalog_episode.csv").write_text("ref_id,series_id,episode,season\nX-1,1,1,1\n", encoding="utf-8")
    result = run_cli(module_wh, "--reference", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: reference: catalog_series.csv: line 1: expected columns id, titles, content_provider, "
        "series_code, status; missing content_provider, series_code, status; nothing was written")
    assert counts(module_wh) == expected

    (bad / "catalog_series.csv").unlink()
    result = run_cli(module_wh, "--reference", str(bad))
    assert result.stderr.strip() == f"error: reference: {bad}: missing catalog_series.csv; nothing was written"
    assert counts(module_wh) == expected
