"""Bad inputs, each with its exact outcome, on DuckDB and PostgreSQL.

For every refused input the command exits 1 with one ``error: <file>: ...`` line and the upload table is
exactly as before (every row's id, filename, line and processed flag compared). Accepted-but-odd inputs
(injection-looking names, unreadable cells, --replace) are checked for exactly what they wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts.tests.harness import PARTNER_FILES, Warehouse
from scripts.tests.loader.conftest import run_cli, upload_rows, write
from viewership.schema import UPLOAD

TUBI_HEADER = ("CONTENT TYPE,PROGRAM NAME,CONTENT NAME,SEASON NUMBER,PARTNER ID,IMPRESSIONS,"
               "ESTIMATED PARTNER EARNINGS,eCPM\n")
TUBI_ROW = "SERIES,Maury,S11:E32 - 2 Moms,11,MS-1132,342781,1915.36,5.58\n"
TUBI_ARGS = ["-t", "tubi_vod_revenue", "--year", "2025", "--month", "July"]
PLUTO_BANNER = ",,,,,,,,,\r\n,PLUTO TV - CONTENT PARTNER REVENUE REPORTING,,,,,,,,\r\n,,,,,,,,,\r\n,,,,,,,,,\r\n"
PLUTO_HEADER = (",Content Partner,Series Name,Episode Name,Clip Name,Season #,Episode #,TVMs,Sessions,"
                "Net Revenue per Clip\r\n")
PLUTO_ARGS = ["-t", "pluto_us_revenue", "--year", "2025", "--month", "October"]
INJECTION = "x'; drop table t; --"
TITLE_INJECTION = "x'); drop table upload.platform_viewership; --"
PLATFORM_INJECTION = "Tubi'; delete from upload.platform_viewership; --"
JULY = "tubi_vod_july.csv"
PROCESSED = "processed_file.csv"

# {target} is filled per engine (dev / ci) in the test.
PROCESSED_MESSAGE = (
    f"error: {PROCESSED}: already processed: 2 of its 2 upload row(s) (platform Tubi) were moved into the "
    "pipeline, so loading it again would count its data twice; to re-run it, remove it from every layer first "
    f"(viewership-db rollback --platform Tubi --filename {PROCESSED} --target {{target}}), then load it again; "
    "to add a corrected version next to it, load it under a new name (e.g. 'processed_file v2.csv')"
)

Check = Callable[[Warehouse, list[tuple[Any, ...]], list[tuple[Any, ...]]], None]


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, the exit code, the exact stderr, and what it may change (None: nothing)."""

    make: Callable[[Path], list[str]]
    exit_code: int
    stderr: str
    effect: Check | None = None


def _file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    return lambda tmp: write(tmp / name, text, encoding)


def tubi(name: str, text: str, *extra: str, encoding: str = "utf-8") -> Callable[[Path], list[str]]:
    return lambda tmp: [str(_file(name, text, encoding)(tmp)), *TUBI_ARGS, *extra]


def rows_of(wh: Warehouse, filename: str, columns: str) -> list[tuple[Any, ...]]:
    with wh.connect() as db:
        return db.query(f"select {columns} from {db.table_ref(UPLOAD)} where filename = {db.param} "
                        "order by source_row_number, id", [filename])


def others_unchanged(before: list[tuple[Any, ...]], after: list[tuple[Any, ...]], *names: str) -> None:
    assert [r for r in before if r[1] not in names] == [r for r in after if r[1] not in names]


def check_replace(wh: Warehouse, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    old = {r[0] for r in before if r[1] == JULY}
    new = {r[0] for r in after if r[1] == JULY}
    assert len(old) == len(new) == 321 and not old & new  # swapped, not appended
    others_unchanged(before, after, JULY)


def check_raw_cells(wh: Warehouse, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    assert rows_of(wh, "raw_cells.csv", "source_row_number, tot_impressions, revenue") == [
        (2, "abc", "12,5"), (3, "5", None), (4, "1000", "0")]
    others_unchanged(before, after, "raw_cells.csv")


def check_injection_filename(wh: Warehouse, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    assert rows_of(wh, f"{INJECTION}.csv", "filename, platform_content_name") == [
        (f"{INJECTION}.csv", "S11:E32 - 2 Moms")]
    others_unchanged(before, after, f"{INJECTION}.csv")


def check_injection_values(wh: Warehouse, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    assert rows_of(wh, "titles.csv", "platform, platform_content_name, platform_series") == [
        (PLATFORM_INJECTION, TITLE_INJECTION, INJECTION)]
    others_unchanged(before, after, "titles.csv")


def check_one_of_two(wh: Warehouse, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    assert [r[0] for r in rows_of(wh, "good.csv", "source_row_number")] == [2, 3, 4]
    assert rows_of(wh, "bad.csv", "id") == []
    others_unchanged(before, after, "good.csv")


def check_other_platform(wh: Warehouse, before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> None:
    with wh.connect() as db:
        counts = db.query(f"select platform, count(*) from {db.table_ref(UPLOAD)} where filename = {db.param} "
                          "group by platform order by platform", [JULY])
    assert counts == [("Roku", 321), ("Tubi", 321)]
    assert before == [r for r in after if r[0] in {b[0] for b in before}]  # existing rows untouched


def replace_with_late_error(tmp: Path) -> list[str]:
    text = (PARTNER_FILES / JULY).read_text(encoding="utf-8") + "SERIES,Maury,late,1,MS-1,1,1,1,EXTRA\n"
    return [str(write(tmp / JULY, text)), *TUBI_ARGS, "--replace"]


def nul_late(tmp: Path) -> list[str]:
    return [str(write(tmp / "nul.csv", TUBI_HEADER + TUBI_ROW * 100 + "SERIES,Ma\x00ury,t,1,MS-1,1,1,1\n")),
            *TUBI_ARGS]


CASES: dict[str, Case] = {
    "missing_column": Case(
        tubi("no_partner_id.csv", TUBI_HEADER.replace("PARTNER ID,", "") + "SERIES,Maury,t,11,1,1,1\n"), 1,
        "error: no_partner_id.csv: line 1: header is missing column(s) 'partner id' required by template "
        "tubi_vod_revenue"),
    "wrong_encoding": Case(
        tubi("latin1.csv", TUBI_HEADER + "SERIES,Café,t,1,MS-1,1,1,1\n", encoding="latin-1"), 1,
        "error: latin1.csv: line 2: byte 0xe9 is not valid UTF-8: expected UTF-8 (with or without BOM) or UTF-16 "
        "with BOM; give --encoding (e.g. --encoding latin-1) or set read.encoding in the template if the partner "
        "uses another"),
    "utf16_without_bom": Case(
        tubi("utf16.csv", TUBI_HEADER + TUBI_ROW, encoding="utf-16-le"), 1,
        "error: utf16.csv: contains NUL bytes on every other position (UTF-16 without a byte-order mark?): "
        "expected UTF-8, or UTF-16 with a BOM; give --encoding utf-16-le (or utf-16-be) if that is what it is"),
    "nul_character": Case(
        nul_late, 1, "error: nul.csv: line 102: contains a NUL character, which no target can store"),
    "banner_only": Case(
        lambda tmp: [str(write(tmp / "banner.csv", PLUTO_BANNER)), *PLUTO_ARGS], 1,
        "error: banner.csv: no header row in the first 20 rows: expected a row with the columns 'series name', "
        "'episode name', 'season #', 'episode #', 'tvms', 'sessions' ... (template pluto_us_revenue)"),
    "header_only": Case(
        tubi("header.csv", TUBI_HEADER), 1,
        "error: header.csv: line 1: header found but no data rows after it; expected at least one data row"),
    "footer_only": Case(
        lambda tmp: [str(write(tmp / "footer.csv", PLUTO_BANNER + PLUTO_HEADER +
                               ',,,,,,,"92,131,726","3,911,249"," $ 138,599.65 "\r\n')), *PLUTO_ARGS], 1,
        "error: footer.csv: no data rows left: all 1 row(s) after the header were skipped (footer 1)"),
    "empty_file": Case(
        tubi("empty.csv", ""), 1, "error: empty.csv: empty file (0 bytes): expected a header row and data rows"),
    "blank_lines_only": Case(
        tubi("blank.csv", "\n \r\n\n"), 1,
        "error: blank.csv: empty file (no text): expected a header row and data rows"),
    "missing_file": Case(
        lambda tmp: [str(tmp / "nope.csv"), *TUBI_ARGS], 1,
        "error: nope.csv: cannot read: No such file or directory"),
    "unknown_template": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), "-t", "nope", "--year", "2025", "--month", "July"], 1,
        "error: tubi_vod_july.csv: unknown template 'nope': expected one of amagi_content_performance, "
        "freevee_linear_daily, oo_canonical_register, oo_revenue_register, pluto_latam_revenue, pluto_us_revenue, "
        "roku_wide_daily_episode, roku_wide_daily_series, tubi_vod_revenue, xumo_vod, youtube_daily or a path "
        "to a .yml file (see viewership-load --list-templates)"),
    "ragged_row": Case(
        tubi("ragged.csv", TUBI_HEADER + TUBI_ROW + "SERIES,Maury, Title, with comma,11,MS-1,1,1,1\n"), 1,
        "error: ragged.csv: line 3: 9 cells but the header (line 1) has 8 columns; expected at most 8 (an "
        "unquoted delimiter inside a value?)"),
    "no_period_for_dateless_template": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), "-t", "tubi_vod_revenue"], 1,
        "error: tubi_vod_july.csv: template tubi_vod_revenue has no date column: give --year and --month (or "
        "--quarter for a quarterly statement)"),
    "bad_year": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), "-t", "tubi_vod_revenue", "--year", "25", "--month", "July"], 1,
        "error: tubi_vod_july.csv: --year '25': expected a four-digit year between 2000 and 2100"),
    "month_outside_quarter": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), *TUBI_ARGS, "--quarter", "q4"], 1,
        "error: tubi_vod_july.csv: --month July is in q3, not --quarter q4"),
    "override_of_mapped_column": Case(
        lambda tmp: [str(PARTNER_FILES / "freevee_linear_jan_26.csv"), "-t", "freevee_linear_daily",
                     "--territory", "US"], 1,
        "error: freevee_linear_jan_26.csv: --territory: template freevee_linear_daily reads platform_territory "
        "from the file; it cannot be overridden"),
    "wide_without_date_row": Case(
        lambda tmp: [str(write(tmp / "roku.csv", ",Movie/Series Title,Stream Starts,Streaming Hours Sum\n1,M,1,2\n")),
                     "-t", "roku_wide_daily_series"], 1,
        "error: roku.csv: line 1: wide-by-date template roku_wide_daily_series expects a row of dates above the "
        "header, but the header is the first row"),
    "wide_bad_date": Case(
        lambda tmp: [str(write(tmp / "roku.csv", ",Date Dim,13-10-2025,13-10-2025,31-02-2025,31-02-2025\n"
                               ",Movie/Series Title,Stream Starts,Streaming Hours Sum,Stream Starts,"
                               "Streaming Hours Sum\n1,M,1,2,3,4\n")),
                     "-t", "roku_wide_daily_series"], 1,
        "error: roku.csv: line 1, column 5: '31-02-2025' is not a date; expected DD-MM-YYYY, MM-DD-YYYY or "
        "YYYY-MM-DD"),
    "blank_platform": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), *TUBI_ARGS, "--platform", " "], 1,
        "error: tubi_vod_july.csv: --platform is blank: expected a platform name such as Tubi or Roku"),
    "duplicate_upload": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), *TUBI_ARGS], 1,
        "error: tubi_vod_july.csv: already loaded: 321 unprocessed upload row(s) (platform Tubi); use --replace "
        "to swap them for this file's rows in one transaction"),
    "processed_file": Case(
        tubi(PROCESSED, TUBI_HEADER + TUBI_ROW * 2), 1,
        PROCESSED_MESSAGE),
    "processed_file_with_replace": Case(
        tubi(PROCESSED, TUBI_HEADER + TUBI_ROW * 2, "--replace"), 1,
        PROCESSED_MESSAGE),
    "replace_with_late_malformed_row": Case(
        replace_with_late_error, 1,
        "error: tubi_vod_july.csv: line 323: 9 cells but the header (line 1) has 8 columns; expected at most 8 "
        "(an unquoted delimiter inside a value?)"),
    "replace_swaps_rows": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), *TUBI_ARGS, "--replace"], 0, "", check_replace),
    "unreadable_cells_kept_raw": Case(
        tubi("raw_cells.csv", TUBI_HEADER + "SERIES,Maury,a,1,MS-1,abc,\"12,5\",1\n"
             "SERIES,Maury,b,1,MS-2,5,,1\nSERIES,Maury,c,1,MS-3,\"1,000\",$ -,1\n"), 0, "", check_raw_cells),
    "injection_filename": Case(
        tubi(f"{INJECTION}.csv", TUBI_HEADER + TUBI_ROW), 0, "", check_injection_filename),
    "injection_title_series_platform": Case(
        tubi("titles.csv", TUBI_HEADER + f'SERIES,"{INJECTION}","{TITLE_INJECTION}",1,MS-1,1,1,1\n',
             "--platform", PLATFORM_INJECTION), 0, "", check_injection_values),
    "one_bad_file_does_not_shift_the_others": Case(
        lambda tmp: [str(write(tmp / "bad.csv", TUBI_HEADER)),  # good.csv: not the processed file's content
                     str(write(tmp / "good.csv", TUBI_HEADER + TUBI_ROW * 3)), *TUBI_ARGS], 1,
        "error: bad.csv: line 1: header found but no data rows after it; expected at least one data row",
        check_one_of_two),
    # Last: it adds a second upload under the JULY filename. The batch key is (platform, filename); the same
    # content is refused unless --allow-duplicate-content says it is meant (test_duplicate_content.py).
    "same_filename_other_platform_is_another_upload": Case(
        lambda tmp: [str(PARTNER_FILES / JULY), *TUBI_ARGS, "--platform", "Roku", "--allow-duplicate-content"], 0,
        "", check_other_platform),
}


@pytest.fixture(scope="module")
def seeded(module_wh: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Tubi July loaded (unprocessed) and a small file already processed (as the bronze post-hook marks it)."""
    tmp = tmp_path_factory.mktemp("seed")
    assert run_cli(module_wh, str(PARTNER_FILES / JULY), *TUBI_ARGS).exit_code == 0
    assert run_cli(module_wh, str(write(tmp / PROCESSED, TUBI_HEADER + TUBI_ROW * 2)), *TUBI_ARGS).exit_code == 0
    with module_wh.connect() as db, db.transaction():
        db.execute(f"update {db.table_ref(UPLOAD)} set processed = true where filename = {db.param}", [PROCESSED])
    return module_wh


def test_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(seeded: Warehouse, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    argv = case.make(tmp_path)
    before = upload_rows(seeded)
    result = run_cli(seeded, *argv)
    after = upload_rows(seeded)
    assert result.exit_code == case.exit_code, result.output
    assert result.stderr.rstrip("\n") == case.stderr.replace("{target}", seeded.target)
    if case.effect is None:
        assert after == before  # nothing partial: every row (id, filename, line, processed) as before
    else:
        case.effect(seeded, before, after)


def test_json_reports_errors_per_file(seeded: Warehouse, tmp_path: Path) -> None:
    result = run_cli(seeded, str(write(tmp_path / "empty.csv", "")), *TUBI_ARGS, "--json")
    assert result.exit_code == 1
    assert '"status": "error"' in result.stdout and '"rows_written": 0' in result.stdout
