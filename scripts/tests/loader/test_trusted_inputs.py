"""Inputs that cannot double count or load wrong (issue #20), on DuckDB and PostgreSQL.

Every refusal is checked for its exact message and for an upload table exactly as before; every accepted odd
input for what it wrote. Hostile variants of the real partner files are written to tmp dirs.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scripts.tests.harness import PARTNER_FILES, Warehouse, warehouse_for
from scripts.tests.loader.conftest import run_cli, upload_rows, write
from viewership import dbcli
from viewership import rollback as rollback_module
from viewership.loader import bench, choose, cli, load
from viewership.loader import progress as progress_module
from viewership.loader.errors import LoadError
from viewership.loader.reader import open_sheet
from viewership.loader.scan import scan
from viewership.loader.templates import load_template
from viewership.schema import UPLOAD

OCT = "tubi_vod_october_2025.csv"
OCT_ARGS = ["-t", "tubi_vod_revenue", "--year", "2025", "--month", "October"]
ROKU_CA = "Roku Nosey Data CA Oct-Dec.csv"


def october_text() -> str:
    return (PARTNER_FILES / OCT).read_text(encoding="utf-8")


def rewritten(rows: list[list[str]], delimiter: str = ",", line_end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    return out.getvalue()


def october_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(october_text(), newline="")))


@pytest.fixture(scope="module")
def with_october(module_wh: Warehouse) -> Warehouse:
    result = run_cli(module_wh, str(PARTNER_FILES / OCT), *OCT_ARGS)
    assert result.exit_code == 0, result.output
    return module_wh


# -- 1. content fingerprint ----------------------------------------------------------------------------------

def duplicate_message(target: str, holder: str = OCT, rows: int = 272, state: str = "not processed yet") -> str:
    return (
        f"same content as '{holder}' (platform Tubi, {rows:,} upload row(s), {state}): the data rows are identical "
        "whatever the file name, so loading it would count every metric twice; if that file is the wrong one, "
        f"remove it first (viewership-db rollback --platform Tubi --filename {holder} --target {target}) and load "
        "this one; if both are real, load with --allow-duplicate-content"
    )


def test_fingerprint_ignores_name_bom_line_endings_delimiter_and_order(tmp_path: Path) -> None:
    template = load_template("tubi_vod_revenue")
    rows = october_rows()
    header, data = rows[0], rows[1:]
    variants = {
        "renamed.csv": october_text().encode("utf-8"),
        "bom_crlf.csv": codecs.BOM_UTF8 + rewritten(rows, line_end="\r\n").encode("utf-8"),
        "utf16_tab.csv": rewritten(rows, delimiter="\t").encode("utf-16"),
        "reversed.csv": rewritten([header, *reversed(data)]).encode("utf-8"),
    }
    prints = set()
    for name, raw in variants.items():
        path = tmp_path / name
        path.write_bytes(raw)
        prints.add(scan(open_sheet(path, template)).fingerprint)
    assert len(prints) == 1
    changed = [header, *data[:-1], [*data[-1][:5], str(int(data[-1][5]) + 1), *data[-1][6:]]]
    (tmp_path / "changed.csv").write_text(rewritten(changed), encoding="utf-8")
    assert scan(open_sheet(tmp_path / "changed.csv", template)).fingerprint not in prints
    repeated = [header, *data, data[0]]
    (tmp_path / "repeated.csv").write_text(rewritten(repeated), encoding="utf-8")
    assert scan(open_sheet(tmp_path / "repeated.csv", template)).fingerprint not in prints


@pytest.mark.parametrize("variant", ["renamed", "bom_crlf_reordered"])
def test_same_content_under_another_name_is_refused(with_october: Warehouse, tmp_path: Path, variant: str) -> None:
    if variant == "renamed":
        path = write(tmp_path / "tubi oct FINAL.csv", october_text())
    else:
        rows = october_rows()
        path = tmp_path / "tubi_oct_resent.csv"
        path.write_bytes(codecs.BOM_UTF8 + rewritten([rows[0], *reversed(rows[1:])], line_end="\r\n").encode())
    before = upload_rows(with_october)
    result = run_cli(with_october, str(path), *OCT_ARGS)
    assert result.exit_code == 1
    assert result.stderr == f"error: {path.name}: {duplicate_message(with_october.target)}\n"
    assert upload_rows(with_october) == before


def test_same_content_as_a_processed_file_is_refused(module_wh: Warehouse, tmp_path: Path) -> None:
    text = "CONTENT TYPE,PROGRAM NAME,CONTENT NAME,SEASON NUMBER,PARTNER ID,IMPRESSIONS,ESTIMATED PARTNER EARNINGS\n"
    text += "SERIES,Karamo,S01:E09 - Unique,1,KA-0609,1000,5.25\n"
    assert run_cli(module_wh, str(write(tmp_path / "first.csv", text)), *OCT_ARGS).exit_code == 0
    with module_wh.connect() as db, db.transaction():
        db.execute(f"update {db.table_ref(UPLOAD)} set processed = true where filename = {db.param}", ["first.csv"])
    before = upload_rows(module_wh)
    result = run_cli(module_wh, str(write(tmp_path / "second.csv", text)), *OCT_ARGS)
    assert result.exit_code == 1
    expected = duplicate_message(module_wh.target, "first.csv", 1, "1 of them already processed")
    assert result.stderr == f"error: second.csv: {expected}\n"
    assert upload_rows(module_wh) == before


def test_allow_duplicate_content_loads_it_on_the_record(with_october: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "tubi_oct_copy.csv", october_text())
    result = run_cli(with_october, str(path), *OCT_ARGS, "--allow-duplicate-content", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["duplicate_content_of"] == [f"{OCT} (Tubi)"]
    assert summary["rows_written"] == 272
    text = run_cli(with_october, str(path), *OCT_ARGS, "--allow-duplicate-content", "--replace")
    assert f"DUPLICATE same content as {OCT} (Tubi): loaded anyway (--allow-duplicate-content)" in text.stdout
    with with_october.connect() as db:
        prints = db.query(f"select filename, count(distinct content_fingerprint), count(*) from "
                          f"{db.table_ref(UPLOAD)} where filename in ({db.param}, {db.param}) group by filename "
                          "order by filename", [OCT, path.name])
        assert prints == sorted([(OCT, 1, 272), (path.name, 1, 272)])
        assert db.scalar(f"select count(distinct content_fingerprint) from {db.table_ref(UPLOAD)} "
                         f"where filename in ({db.param}, {db.param})", [OCT, path.name]) == 1


# -- 2. template choice --------------------------------------------------------------------------------------

AUTO = {
    "tubi_vod_july.csv": "tubi_vod_revenue",
    "Nosey - Q4 2025 US Oct.csv": "pluto_us_revenue",
    "Pluto LatAm Q3 2025 Jully.xlsx - 1.csv": "pluto_latam_revenue",
    ROKU_CA: "roku_wide_daily_episode",
    "Roku Confess Nosey Data US Oct-Dec.csv": "roku_wide_daily_series",
    "freevee_linear_jan_26.csv": "freevee_linear_daily",
}


@pytest.mark.parametrize("name", list(AUTO))
def test_auto_picks_the_one_template_that_fits(name: str) -> None:
    result = run_cli(None, str(PARTNER_FILES / name), "--year", "2025", "--month", "October", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["template"] == AUTO[name]
    assert summary["template_choice"].startswith(f"auto: {AUTO[name]}, the only shipped template")


def test_series_template_on_the_episode_file_is_refused(module_wh: Warehouse) -> None:
    before = upload_rows(module_wh)
    result = run_cli(module_wh, str(PARTNER_FILES / ROKU_CA), "-t", "roku_wide_daily_series", "--territory", "Canada")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {ROKU_CA}: template roku_wide_daily_series does not fit this file: it carries column(s) Content "
        "Title, Season Number, Episode Number, Provider Source Id, Play-Through Stream Starts, All Stream Starts "
        "that roku_wide_daily_series does not read and template roku_wide_daily_episode does; expected --template "
        "roku_wide_daily_episode (or --template auto)\n"
    )
    assert upload_rows(module_wh) == before


def test_auto_refuses_an_ambiguous_header(monkeypatch: pytest.MonkeyPatch) -> None:
    names = choose.template_names()

    def with_copy(name: str) -> Any:
        if name == "tubi_copy":
            return dataclasses.replace(load_template("tubi_vod_revenue"), name="tubi_copy")
        return load_template(name)

    monkeypatch.setattr(choose, "template_names", lambda: [*names, "tubi_copy"])
    monkeypatch.setattr(choose, "load_template", with_copy)
    with pytest.raises(LoadError) as error:
        choose.choose(PARTNER_FILES / OCT)
    assert error.value.message == (
        "--template auto: the header fits several shipped templates equally, so the choice would be a guess: "
        "tubi_vod_revenue (Tubi Revenue: reads 6 column(s)); tubi_copy (Tubi Revenue: reads 6 column(s)); "
        "give --template NAME"
    )


def test_auto_refuses_a_header_no_template_fits(tmp_path: Path) -> None:
    path = write(tmp_path / "other.csv", "Week,Show,Watchers\n2025-10-06,Maury,12\n")
    result = run_cli(None, str(path), "--dry-run")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: other.csv: --template auto: no shipped template fits this header; "
                                    "expected the columns of one of amagi_content_performance, ")


# -- 3. structural refusals ------------------------------------------------------------------------------------

def duplicated_column(tmp: Path) -> Path:
    rows = october_rows()
    return write(tmp / "dup.csv", rewritten([[*row, row[5]] for row in rows]))


def cut_last_row(tmp: Path) -> Path:
    text = october_text().rstrip("\n")
    return write(tmp / "cut.csv", text[: text.rindex("\n") + 40])


def png(tmp: Path) -> Path:
    path = tmp / "chart.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return path


def semicolons(tmp: Path) -> Path:
    return write(tmp / "semi.csv", rewritten(october_rows(), delimiter=";"))


STRUCTURAL = {
    "duplicated_column": (duplicated_column, OCT_ARGS,
                          "line 1: the header names a column more than once ('IMPRESSIONS' in columns 6, 9); "
                          "expected each column once, so no value is read from the wrong one: rename or remove the "
                          "extra column"),
    "cut_last_row": (cut_last_row, OCT_ARGS,
                     "line 273: the last row has 3 of the header's 8 cells and the file ends without a line break: "
                     "the file looks cut off (an interrupted download or export?); expected the complete file"),
    "png": (png, OCT_ARGS, "not a text file: it starts like a PNG image; expected a CSV or tab-separated text file"),
    "png_auto": (png, ["--year", "2025", "--month", "October"],
                 "not a text file: it starts like a PNG image; expected a CSV or tab-separated text file"),
    "semicolons": (semicolons, OCT_ARGS,
                   "the file is ';'-separated, but template tubi_vod_revenue reads ',' or tab: expected the partner's "
                   "usual delimiter (save it again as CSV, or use a template whose read.delimiter is ';')"),
}


@pytest.mark.parametrize("case", list(STRUCTURAL))
def test_structural_refusal(module_wh: Warehouse, tmp_path: Path, case: str) -> None:
    make, args, message = STRUCTURAL[case]
    path = make(tmp_path)
    before = upload_rows(module_wh)
    result = run_cli(module_wh, str(path), *args)
    assert result.exit_code == 1
    assert result.stderr == f"error: {path.name}: {message}\n"
    assert upload_rows(module_wh) == before


def test_a_short_total_row_at_the_end_is_a_footer_not_a_cut(tmp_path: Path) -> None:
    path = write(tmp_path / "footer.csv", october_text() + "Total,,,,,7508869")
    result = run_cli(None, str(path), *OCT_ARGS, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["skipped_detail"]["total"]["metric_totals"] == {"tot_impressions": 7508869.0}


def test_semicolons_with_auto_name_the_delimiter(tmp_path: Path) -> None:
    result = run_cli(None, str(semicolons(tmp_path)), "--year", "2025", "--month", "October", "--dry-run")
    assert result.exit_code == 1
    assert "tubi_vod_revenue: the file is ';'-separated, but template tubi_vod_revenue reads ',' or tab" in (
        result.stderr)


# -- 4. nothing dropped without its numbers ------------------------------------------------------------------

def test_skipped_rows_report_their_rows_and_metrics(tmp_path: Path) -> None:
    text = october_text() + "Total,,,,,7508869,35832.54,\n"
    path = write(tmp_path / "with_total.csv", text)
    result = run_cli(None, str(path), *OCT_ARGS, "--dry-run", "--json")
    summary = json.loads(result.stdout)
    assert summary["rows_written"] == 272
    assert summary["skipped_detail"] == {"total": {"source_rows": 1, "rows_not_written": 1, "metric_totals": {
        "revenue": 35832.54, "tot_impressions": 7508869.0}}}
    quarterly = run_cli(None, str(path), "-t", "tubi_vod_revenue", "--year", "2025", "--quarter", "q4", "--dry-run")
    assert ("    total: 1 source row(s) = 3 upload row(s) not written; their totals revenue 35,832.54, "
            "tot_impressions 7,508,869.00") in quarterly.stdout


def test_wide_skipped_row_text_summary() -> None:
    result = run_cli(None, str(PARTNER_FILES / ROKU_CA), "--territory", "Canada", "--dry-run")
    assert ("    blank_title: 1 source row(s) = 25 upload row(s) not written; their totals tot_completions 163.00, "
            "tot_hov 218.41, tot_sessions 631.00, views 468.00") in result.stdout


# -- 5. big files: streamed, with progress ---------------------------------------------------------------------

def test_reading_is_streamed(tmp_path: Path) -> None:
    """Peak Python memory of a dry run stays under the file's size (reading it whole would take twice that)."""
    path = tmp_path / "bench.csv"
    bench.write_file(path, 30_000)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        stats = load.load_file(path, load_template("pluto_us_revenue"), platform=None, db=None, year="2025",
                               month="October", dry_run=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stats.rows_written == 30_000
    assert peak < size / 2, f"peak {peak:,} bytes for a {size:,}-byte file"


def test_progress_lines_when_not_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "LINE_EVERY_SECONDS", 0.001)
    result = run_cli(None, str(PARTNER_FILES / ROKU_CA), "--territory", "Canada", "--dry-run")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith(f"progress: {ROKU_CA}: ") for line in lines)
    assert result.stdout.startswith(f"{ROKU_CA}  [Roku / roku_wide_daily_episode / Viewership]")


def test_progress_bar_on_a_terminal() -> None:
    out = io.StringIO()
    shown = progress_module.Progress("f.csv", 1000, stream=out, tty=True)
    shown.set_stage("reading")
    shown.position[0] = 500
    shown.rows = 1234
    assert shown.render().startswith("\rf.csv: reading   [###############...............]  50% 1,234 rows")


# -- 6. friendlier edges ----------------------------------------------------------------------------------------

def test_encoding_option_reads_latin1(module_wh: Warehouse, tmp_path: Path) -> None:
    text = ("CONTENT TYPE,PROGRAM NAME,CONTENT NAME,SEASON NUMBER,PARTNER ID,IMPRESSIONS,ESTIMATED PARTNER EARNINGS\n"
            "SERIES,Café Court,S01:E01 - Olé,1,CC-0101,10,1.50\n")
    path = write(tmp_path / "latin1.csv", text, encoding="latin-1")
    result = run_cli(module_wh, str(path), *OCT_ARGS, "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    with module_wh.connect() as db:
        assert db.query(f"select platform_series, platform_content_name from {db.table_ref(UPLOAD)} "
                        f"where filename = {db.param}", [path.name]) == [("Café Court", "S01:E01 - Olé")]


def rollback(wh: Warehouse, platform: str, filename: str) -> Any:
    return CliRunner().invoke(dbcli.main, ["rollback", "--platform", platform, "--filename", filename,
                                           "--target", wh.target], env=wh.env)


def test_rollback_matches_the_platform_case_insensitively(module_wh: Warehouse, tmp_path: Path) -> None:
    text = ("CONTENT TYPE,PROGRAM NAME,CONTENT NAME,SEASON NUMBER,PARTNER ID,IMPRESSIONS,ESTIMATED PARTNER EARNINGS\n"
            "SERIES,Maury,S01:E77 - Rolled back,1,MS-0177,10,1.50\n")
    path = write(tmp_path / "to_roll_back.csv", text)
    assert run_cli(module_wh, str(path), *OCT_ARGS).exit_code == 0
    missing = rollback(module_wh, "tubi", "no_such_file.csv")
    assert missing.exit_code == 1
    assert "no rows of platform 'tubi' file 'no_such_file.csv' on any layer; uploads held (platform / filename): " in (
        missing.output)
    assert "Tubi / to_roll_back.csv" in missing.output
    result = rollback(module_wh, "TUBI", path.name)
    assert result.exit_code == 0, result.output
    assert f"rolled back 1 rows of '{path.name}' (Tubi)" in result.output
    with module_wh.connect() as db:
        assert db.scalar(f"select count(*) from {db.table_ref(UPLOAD)} where filename = {db.param}",
                         [path.name]) == 0


def test_ctrl_c_while_writing_leaves_nothing(module_wh: Warehouse, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    real = load._counted

    def interrupted(rows: Iterator[Any], shown: Any) -> Iterator[Any]:
        for n, row in enumerate(real(rows, shown)):
            if n == 100:
                raise KeyboardInterrupt
            yield row

    monkeypatch.setattr(load, "_counted", interrupted)
    path = write(tmp_path / "interrupted.csv", october_text() + "SERIES,Maury,S99:E99 - Stop,99,MS-9999,1,0.01,1\n")
    before = upload_rows(module_wh)
    result = run_cli(module_wh, str(path), *OCT_ARGS)
    assert result.exit_code == 130
    assert result.stderr == "interrupted: nothing was written (interrupted.csv)\n"
    assert upload_rows(module_wh) == before


def test_ctrl_c_while_choosing_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    def stop(*_: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "choose", stop)
    result = run_cli(None, str(PARTNER_FILES / OCT), "--dry-run")
    assert (result.exit_code, result.stderr) == (130, f"interrupted: nothing was written ({OCT})\n")


# -- 7. files already in the canonical layout ------------------------------------------------------------------

REGISTER = [
    ["domain", "platform", "partner", "channel", "territory", "amount", "department", "title", "type",
     "description", "label", "register name", "payment date", "year", "quarter", "month"],
    ["Owned and Operated", "Zype", "Nosey", "Nosey App", "United States", "120.25", "Digital", "Maury S11",
     "AVOD", "ads", "Revenue", "Zype Revenue, US", "10/1/25", "2025", "Q4", "October"],
    ["Owned and Operated", "Zype", "Nosey", "Nosey App", "United States", "-250.00", "Digital", "IOS Exoense",
     "Fee", "store fee", "Expense", "Zype Expense, US", "10/1/25", "2025", "Q4", "October"],
]


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [("register_utf8.csv", "utf-8-sig", ","),
                                                             ("register_utf16.csv", "utf-16", "\t")])
def test_canonical_register_loads_every_label(module_wh: Warehouse, tmp_path: Path, name: str, encoding: str,
                                              delimiter: str) -> None:
    rows = [REGISTER[0]] + [[*r[:7], f"{r[7]} {name}", *r[8:]] for r in REGISTER[1:]]
    path = tmp_path / name
    path.write_bytes(rewritten(rows, delimiter=delimiter).encode(encoding))
    result = run_cli(module_wh, str(path), "--json")  # --template auto
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["template"], summary["rows_written"]) == ("oo_canonical_register", 2)
    with module_wh.connect() as db:
        stored = db.query(
            "select data_type, revenue, year, quarter, month, domain, platform_partner_name "
            f"from {db.table_ref(UPLOAD)} where filename = {db.param} order by source_row_number", [name])
    assert stored == [("Revenue", "120.25", "2025", "Q4", "October", "Owned and Operated", "Nosey"),
                      ("Expense", "-250.00", "2025", "Q4", "October", "Owned and Operated", "Nosey")]


def test_an_older_upload_table_gets_the_fingerprint_column(tmp_path: Path) -> None:
    with warehouse_for("duckdb", tmp_path) as wh, wh.connect() as db:
        db.ensure_tables([UPLOAD])
        db.execute(f"alter table {db.table_ref(UPLOAD)} drop column content_fingerprint")
        db.connection.commit()
        db.ensure_tables([UPLOAD])
        columns = [r[0] for r in db.query("select column_name from information_schema.columns where "
                                          "table_schema = 'upload' and table_name = 'platform_viewership'")]
        assert columns[-1] == "content_fingerprint" and columns.count("content_fingerprint") == 1


def test_rollback_platform_spellings() -> None:
    held = [("Roku", "a.csv"), ("ROKU", "b.csv"), ("roku", "b.csv"), ("Tubi", "c.csv")]
    assert rollback_module._resolve_platform(held, " roku ", "a.csv") == "Roku"
    with pytest.raises(rollback_module.NothingToRollback, match=r"matches 'ROKU', 'roku' for file 'b\.csv'"):
        rollback_module._resolve_platform(held, "Roku", "b.csv")
    with pytest.raises(rollback_module.NothingToRollback, match=r"\(file 'c.csv' is held under platform 'Tubi'\)"):
        rollback_module._resolve_platform(held, "Roku", "c.csv")


def test_encoding_option_edges(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + october_text().encode("utf-8"))
    result = run_cli(None, str(path), *OCT_ARGS, "--encoding", "utf-8", "--dry-run", "--json")
    assert (result.exit_code, json.loads(result.stdout)["encoding"]) == (0, "utf-8-sig")
    unknown = run_cli(None, str(path), *OCT_ARGS, "--encoding", "klingon", "--dry-run")
    assert unknown.stderr == ("error: bom.csv: unknown encoding 'klingon': expected e.g. utf-8, utf-16, latin-1, "
                              "cp1252\n")
