"""viewership-report on DuckDB and PostgreSQL with real partner files: the per-file numbers reconcile.

One warehouse per engine: the reference catalog; Tubi July (272 matched by the REF_ID_SERIES fallback, 49
Steve Harvey rows unmatched as inactive_series); the same file under a name differing only in case, loaded
with --allow-duplicate-content (all 321 records duplicate_upload); five of its rows with one revenue cell
`n/a` (silver rejects that row); the Pluto US October file (hours derived by silver from minutes). Expected
figures come from the CSV files themselves and from direct queries, never from the report.
"""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from scripts.tests.harness import PARTNER_FILES, REFERENCE_DIR, Warehouse

TUBI = "tubi_vod_july.csv"
TUBI_COPY = "TUBI_VOD_JULY.csv"  # same file, name differing only in case: a re-upload
BAD = "tubi_vod_july_five_rows.csv"
PLUTO = "Nosey - Q4 2025 US Oct.csv"


def _csv_sum(path: Path, column: str) -> Decimal:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum((Decimal(row[column]) for row in csv.DictReader(fh)), Decimal(0))


def _load(wh: Warehouse, tmp: Path) -> None:
    wh.run_module("viewership.loader", "--reference", str(REFERENCE_DIR))
    tubi = ["-t", "tubi_vod_revenue", "--year", "2025", "--month", "July"]
    wh.run_module("viewership.loader", *tubi, str(PARTNER_FILES / TUBI))
    shutil.copy(PARTNER_FILES / TUBI, tmp / TUBI_COPY)
    # the loader refuses the same content under another name; loaded anyway, on the record, silver's re-upload
    # guard still marks every record a duplicate
    wh.run_module("viewership.loader", *tubi, "--allow-duplicate-content", str(tmp / TUBI_COPY))
    lines = (PARTNER_FILES / TUBI).read_text(encoding="utf-8").splitlines()[:6]
    cells = lines[3].split(",")
    cells[-2] = "n/a"  # ESTIMATED PARTNER EARNINGS of the third data row
    lines[3] = ",".join(cells)
    (tmp / BAD).write_text("\n".join(lines) + "\n", encoding="utf-8")
    wh.run_module("viewership.loader", *tubi, str(tmp / BAD))
    wh.run_module("viewership.loader", "-t", "pluto_us_revenue", "--year", "2025", "--month", "October",
                  str(PARTNER_FILES / PLUTO))


def _report(wh: Warehouse, *args: str) -> dict[str, Any]:
    proc = wh.run_module("viewership.report.cli", "--format", "json", *args)
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def test_report_reconciles_per_file(warehouse: Warehouse, tmp_path: Path) -> None:
    _load(warehouse, tmp_path)
    before = _report(warehouse)
    assert {f["filename"]: (f["uploaded"], f["bronze"], f["pending"]) for f in before["files"]} == {
        TUBI: (321, 0, 321), TUBI_COPY: (321, 0, 321), BAD: (5, 0, 5), PLUTO: (1972, 0, 1972)}
    assert "bronze.stg_upload__platform_viewership" in before["not_built"]

    warehouse.dbt("build", "--exclude-resource-type", "unit_test")
    files = {f["filename"]: f for f in _report(warehouse, "--check")["files"]}
    assert sorted(files) == sorted([TUBI, TUBI_COPY, BAD, PLUTO])
    for name, f in files.items():
        # every bronze record is in exactly one place
        assert f["uploaded"] == f["bronze"] == (
            f["gold_records"] + sum(f["unmatched"].values()) + sum(f["rejected"].values()) + f["duplicates"]), name
        assert f["balanced"], name
        for metric, m in f["metrics"].items():
            total = Decimal(m["gold"]) + Decimal(m["unmatched"]) + Decimal(m["rejected"])
            assert abs(Decimal(m["in"]) - total) <= Decimal("0.0001") * abs(Decimal(m["in"])) + Decimal(
                "0.000001"), (name, metric)

    tubi = files[TUBI]
    assert (tubi["gold_records"], tubi["unmatched"], tubi["rejected"], tubi["duplicates"]) == (
        272, {"inactive_series": 49}, {}, 0)
    assert tubi["matched"] == {"REF_ID_SERIES / fallback": 272}
    assert abs(tubi["unmatched_rate"] - 49 / 321) < 1e-9
    assert Decimal(tubi["metrics"]["revenue"]["in"]) == _csv_sum(PARTNER_FILES / TUBI, "ESTIMATED PARTNER EARNINGS")
    gold_revenue = warehouse.scalar(
        "select sum(revenue_amount) from gold.episode_details where filename = 'tubi_vod_july.csv'")
    assert Decimal(tubi["metrics"]["revenue"]["gold"]) == Decimal(str(gold_revenue))

    copy = files[TUBI_COPY]
    assert (copy["gold_records"], copy["duplicates"], copy["unmatched"]) == (0, 321, {})
    assert copy["unmatched_rate"] is None  # duplicates do not count in the rate

    bad = files[BAD]
    assert bad["rejected"] == {"non_numeric_metric": 1}
    assert bad["metrics"]["revenue"]["unparsed_cells"] == 1

    pluto = files[PLUTO]
    assert pluto["gold_records"] + pluto["unmatched"].get("inactive_series", 0) == 1972
    assert pluto["metrics"]["tot_hov"]["derived"] is True  # hours come from minutes, in silver
    assert Decimal(pluto["metrics"]["tot_mov"]["in"]) == Decimal("92131726")

    # filters are bound parameters: exact file, case-insensitive platform, hostile values match nothing
    assert [f["filename"] for f in _report(warehouse, "--file", TUBI)["files"]] == [TUBI]
    assert sorted(f["filename"] for f in _report(warehouse, "--platform", "TUBI")["files"]) == sorted(
        [TUBI, TUBI_COPY, BAD])
    assert _report(warehouse, "--file", "x' or '1'='1")["files"] == []
    _unmatched_rate_failure_names_the_file(warehouse)
    nothing = warehouse.run_module("viewership.report.cli", "--platform", "Nobody", "--check", expect_ok=False)
    assert nothing.returncode == 1 and "no uploaded file matches" in nothing.stdout

    text = warehouse.run_module("viewership.report.cli", "--file", TUBI).stdout
    assert "inactive_series" in text and "15.3 %" in text and "REF_ID_SERIES / fallback" in text
    md = warehouse.run_module("viewership.report.cli", "--file", TUBI, "--format", "markdown").stdout
    assert md.startswith(f"### {TUBI} (Tubi") and "| revenue | 36,247.09 |" in md


def _unmatched_rate_failure_names_the_file(warehouse: Warehouse) -> None:
    """The error-level unmatched-rate test, its threshold lowered to 10 %, fails and dbt's output names the file,
    platform, rate and threshold (on-run-end hook report_unmatched_rate_failures), not just "Got 1 result"."""
    proc = warehouse.dbt("test", "--select", "assert_unmatched_rate_per_file_below_error_threshold",
                         "--vars", "{unmatched_rate_error: 0.1}", expect_ok=False)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "FAIL assert_unmatched_rate_per_file_below_error_threshold: 1 file(s) over" in proc.stdout
    assert (f"Tubi / {TUBI}: unmatched rate 15.3 % (49 of 321 matchable records) > threshold 10 %"
            in proc.stdout), proc.stdout[-3000:]
