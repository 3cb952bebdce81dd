"""Templates parse; the layouts DOMAIN §9 describes without a real file load correctly (synthetic files, read
without a database: --dry-run exercises the same reader, cleaning, reshaping and split as a real load)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from scripts.tests.harness import PARTNER_FILES
from scripts.tests.loader.conftest import run_cli, write
from viewership.loader.errors import LoadError
from viewership.loader.load import load_file
from viewership.loader.summary import FileStats
from viewership.loader.templates import TemplateError, load_template, parse_template, template_names

EXPECTED_TEMPLATES = {
    "tubi_vod_revenue", "roku_wide_daily_episode", "roku_wide_daily_series", "freevee_linear_daily",
    "pluto_us_revenue", "pluto_latam_revenue", "xumo_vod", "amagi_content_performance", "youtube_daily",
    "oo_canonical_register",
    "oo_revenue_register",
}


def dry(path: Path, template: str, **inputs: str) -> FileStats:
    return load_file(path, load_template(template), platform=None, db=None, dry_run=True, **inputs)


def test_shipped_templates_all_parse() -> None:
    assert set(template_names()) == EXPECTED_TEMPLATES
    for name in template_names():
        assert load_template(name).name == name


def test_list_templates_cli() -> None:
    result = run_cli(None, "--list-templates")
    assert result.exit_code == 0
    assert {line.split()[0] for line in result.stdout.splitlines()} == EXPECTED_TEMPLATES


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        pytest.param({"platform": "X", "data_type": "Views", "domain": "Distribution Partners", "columns": {}},
                     "data_type must be one of", id="bad_data_type"),
        pytest.param({"platform": "X", "data_type": "Revenue", "domain": "Distribution Partners",
                      "columns": {"revenu": "Amount"}}, "'revenu' is not an upload column", id="unknown_target"),
        pytest.param({"platform": "X", "data_type": "Revenue", "domain": "Distribution Partners",
                      "columns": {"revenue": {"source": "A", "transform": "magic"}}}, "unknown transform 'magic'",
                     id="unknown_transform"),
        pytest.param({"platform": "X", "data_type": "Revenue", "domain": "Distribution Partners", "columns": {},
                      "colums": {}}, "unknown key(s) colums", id="typo_key"),
        pytest.param({"platform": "X", "data_type": "Revenue", "domain": "Distribution Partners",
                      "columns": {"revenue": "A"}, "constants": {"revenue": "1"}}, "constants: not settable",
                     id="constant_metric"),
    ],
)
def test_malformed_template(doc: dict[str, object], message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_template({"name": "t", **doc}, "t")


XUMO = (
    "channel,title,play_count,total_Time_Watched,asset_duration,avg_play_time,asset_id,,Percentage,VOD Revenue\n"
    "Nosey,Jerry Springer - Season - 1 - Episode - 1,\"1,200\",1174:47:24,0:42:10,0:58:44,JS-0101,"
    "\"1,174.79\",4.21%,$48.19\n"
    "Nosey,People's Court - Season - 23 - Episode - 17,300,10:30:00,0:40:00,0:02:06,PE-2317,10.50,0.04%,$1.81\n"
    ",,\"1,500\",\"1,185:17:24\",,,,\"1,185.29\",100.00%,\"$50.00\"\n"
)


def test_xumo_footer_hms_and_title_parts(tmp_path: Path) -> None:
    stats = dry(write(tmp_path / "xumo_vod_dec_25 - Sheet1 (1).csv", XUMO), "xumo_vod", year="2025",
                month="December")
    assert (stats.rows_read, stats.rows_written, dict(stats.rows_skipped)) == (3, 2, {"footer": 1})
    assert stats.metric_totals == {"views": Decimal(1500), "tot_hov": Decimal("1185.29"),
                                   "revenue": Decimal("50.00")}
    first = stats.preview[0]
    assert (first["platform_series"], first["season_number"], first["episode_number"]) == ("Jerry Springer", "1", "1")
    assert (first["tot_hov"], first["duration"], first["platform_content_id"]) == ("1174.79", "42.166667", "JS-0101")


def test_viewership_revenue_quarterly_split_divides_every_metric(tmp_path: Path) -> None:
    """The legacy split divided revenue only (DOMAIN §4.2.6 [BUG]); here hours and plays are divided too."""
    stats = dry(write(tmp_path / "xumo_q4.csv", XUMO), "xumo_vod", year="2025", quarter="q4")
    assert stats.rows_written == 2 * 3
    assert stats.metric_totals == {"views": Decimal(1500), "tot_hov": Decimal("1185.29"),
                                   "revenue": Decimal("50.00")}
    months = [(r["month"], r["tot_hov"], r["views"]) for r in stats.preview[:3]]
    assert months == [("October", "391.596667", "400"), ("November", "391.596667", "400"),
                      ("December", "391.596666", "400")]


YOUTUBE = (
    "date,Content,Video title,Video publish time,Duration,Views,Watch time (hours),Subscribers,"
    "Estimated revenue (USD),Impressions\n"
    "Total,,,,,\"2,000\",150.5,3,12.34,\"90,000\"\n"
    "2025-10-01,abc123,Maury: Lie Detector,2025-09-30,2710,\"1,500\",100.25,2,8.10,\"60,000\"\n"
    "2025-10-02,def456,Karamo: Trust,2025-09-30,61,500,50.25,1,4.24,\"30,000\"\n"
)


def test_youtube_total_row_skipped_and_dates(tmp_path: Path) -> None:
    stats = dry(write(tmp_path / "youtube_q4_2025_daily_all_metrics.csv", YOUTUBE), "youtube_daily")
    assert (stats.rows_written, dict(stats.rows_skipped)) == (2, {"total": 1})
    assert stats.metric_totals["tot_hov"] == Decimal("150.50")
    assert stats.date_format == "YYYY-MM-DD"
    assert [r["date"] for r in stats.preview] == ["2025-10-01", "2025-10-02"]


AMAGI = (
    "Date,Channel,Country,Series,Content Title,Content ID,Season,Episode,Total Viewing Minutes,Unique Viewers\n"
    "07/13/2025,Nosey,US,Divorce Court,Spread the Germs,DC-01001,1,1,\"1,234.5\",10\n"
    "07/14/2025,Nosey,US,Divorce Court,Bye Bye Cash!,DC-01002,1,2,600,\n"
    "07/15/2025,Nosey,US,Divorce Court,Bye Bye Cash!,DC-01002,1,2,n/a,4\n"
)


def test_amagi_month_first_dates_and_raw_cells(tmp_path: Path) -> None:
    stats = dry(write(tmp_path / "Amagi_Q3_25.csv", AMAGI), "amagi_content_performance")
    assert stats.date_format == "MM-DD-YYYY"
    assert [r["date"] for r in stats.preview] == ["2025-07-13", "2025-07-14", "2025-07-15"]
    assert stats.preview[1]["unique_viewers"] is None  # blank stays NULL
    assert stats.preview[2]["tot_mov"] == "n/a"  # unreadable: kept raw for silver to quarantine
    assert (stats.unparsed["tot_mov"].count, stats.unparsed["tot_mov"].first_line) == (1, 4)
    assert stats.metric_totals["tot_mov"] == Decimal("1834.5")


REGISTER = (
    "Domain\tPayment Department\tRegister Title\tChannel\tTerritory\tPayment Date\tYear Month Day\tPayment Type\t"
    "Label\tContent Provider\tPayment Title\t\n"
    "Owned and Operated\tDigital\tYT\tNosey\tUnited States\t10/1/25\t20251001\tAd\tRevenue\tNBC\tMaury\t$0.04\n"
    "Owned and Operated\tDigital\tYT\tNosey\tUnited States\t10/1/25\t20251001\tAd\tRevenue\tNBC\tKaramo\t$-0.20\n"
    "Owned and Operated\tDigital\tYT\tNosey\tUnited States\t11/1/25\t20251101\tAd\tRevenue\tNBC\tMaury\t$0.00\n"
)


def test_utf16_tab_register_with_yyyymmdd_and_negative_currency(tmp_path: Path) -> None:
    path = write(tmp_path / "New Upload Format (9).csv", REGISTER, encoding="utf-16")  # BOM + UTF-16 LE
    stats = dry(path, "oo_revenue_register")
    assert (stats.encoding, stats.delimiter, stats.rows_written) == ("utf-16", "\t", 3)
    assert [(r["date"], r["revenue"]) for r in stats.preview] == [
        ("2025-10-01", "0.04"), ("2025-10-01", "-0.20"), ("2025-11-01", "0.00")]  # $0.00 kept (no filter)
    assert stats.metric_totals["revenue"] == Decimal("-0.16")


def test_roku_wide_with_iso_dates(tmp_path: Path) -> None:
    text = (
        ",,,,,Date Dim,2025-07-01,2025-07-01,2025-07-01,2025-07-01,2025-07-02,2025-07-02,2025-07-02,2025-07-02\n"
        ",Movie/Series Title,Content Title,Season Number,Episode Number,Provider Source Id,Stream Starts,"
        "Play-Through Stream Starts,All Stream Starts,Streaming Hours Sum,Stream Starts,"
        "Play-Through Stream Starts,All Stream Starts,Streaming Hours Sum\n"
        "1,Sheriffs El Dorado County,Pilot,1,1,,\"1,000\",10,\"1,010\",\"1,234.50\",,,,\n"
        "2,Sheriffs: El Dorado County,Two,1,2,ID-2,5,0,5,1.5,6,1,7,2\n"
    )
    stats = dry(write(tmp_path / "Roku_US_Judge_Nosey_Q3_25.csv", text), "roku_wide_daily_episode")
    assert stats.date_format is not None and stats.date_format.startswith("YYYY-MM-DD")
    assert stats.rows_written == 3
    assert stats.metric_totals["tot_hov"] == Decimal("1238.00")
    assert [(r["source_row_number"], r["date"]) for r in stats.preview] == [
        ("3", "2025-07-01"), ("4", "2025-07-01"), ("4", "2025-07-02")]


def test_latam_statement_with_banner_equals_plain_file(tmp_path: Path) -> None:
    """DOMAIN §9: the 'Revenue Statement' file is the 'Jully' file behind the US-style 4-row banner."""
    plain = PARTNER_FILES / "Pluto LatAm Q3 2025 Jully.xlsx - 1.csv"
    banner = ",,,,,,,,\r\n,PLUTO TV - CONTENT PARTNER REVENUE REPORTING,,,,,,,\r\n,,,,,,,,\r\n,,,,,,,,\r\n"
    statement = tmp_path / "nosey - Q3 2025 Pluto TV LATAM Revenue Statement.xlsx - 1.csv"
    statement.write_bytes(banner.encode() + plain.read_bytes())
    a = dry(plain, "pluto_latam_revenue", year="2025", quarter="q3")
    b = dry(statement, "pluto_latam_revenue", year="2025", quarter="q3")
    assert (b.header_line, b.banner_rows) == (5, 4)
    assert (a.rows_written, a.metric_totals) == (b.rows_written, b.metric_totals) == (519, {"revenue": Decimal("2.06")})


def test_dry_run_json_and_preview_without_a_database(tmp_path: Path) -> None:
    result = run_cli(None, str(PARTNER_FILES / "tubi_vod_july.csv"), "-t", "tubi_vod_revenue", "--year", "2025",
                     "--month", "July", "--dry-run", "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert (out["dry_run"], out["rows_read"], out["rows_written"], out["rows_skipped"]) == (True, 321, 321, {})
    assert round(out["metric_totals"]["revenue"], 2) == 36247.09
    text = run_cli(None, str(PARTNER_FILES / "tubi_vod_july.csv"), "-t", "tubi_vod_revenue", "--year", "2025",
                   "--month", "July", "--dry-run")
    assert "would write        321 upload rows" in text.stdout and "preview" in text.stdout


def test_undetermined_dates_are_kept_raw(tmp_path: Path) -> None:
    text = ("Date,Channel,Content Title,Total Viewing Minutes\n"
            "01/02/2025,Nosey,A,1\n02/03/2025,Nosey,B,2\n")
    stats = dry(write(tmp_path / "amagi_ambiguous.csv", text), "amagi_content_performance")
    assert stats.date_format == "undetermined (raw dates kept)"
    assert [r["date"] for r in stats.preview] == ["01/02/2025", "02/03/2025"]


def test_wide_ambiguous_header_dates_fail(tmp_path: Path) -> None:
    text = (",Date Dim,01-02-2025,01-02-2025\n,Movie/Series Title,Stream Starts,Streaming Hours Sum\n"
            "1,Maury,1,2\n")
    with pytest.raises(LoadError, match="day/month order undetermined"):
        dry(write(tmp_path / "roku.csv", text), "roku_wide_daily_series")
