"""The bad-input corpus: partner files that are wrong in every way we could think of, each with the exact outcome.

Every case is one file (its own file name) loaded with ``corpus_template.yml`` (Tubi layout, Content ID =
ref_id, matched against ``fixtures/reference``). An outcome is either

* ``Refused(substring)``: ``viewership-load`` refuses the whole file, its message contains the substring, and
  no row of it reaches the upload table; or
* one outcome per data row, in file order: ``GOLD`` (in episode_details), ``unmatched(reason)`` (in
  fct_viewership_unmatched with that unmatched_reason) or ``rejected(reason)`` (in int_viewership_rejected
  with that reject_reason).

``check`` optionally asserts what gold holds for the case (e.g. a title kept byte for byte).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HEADER = ("Date", "Series", "Title", "Content ID", "Season", "Episode", "Hours")
GOOD: dict[str, str] = {
    "Date": "2025-10-05", "Series": "Karamo", "Title": "Unlocking My Phone; but You Have a Mistress",
    "Content ID": "KA-0606", "Season": "1", "Episode": "1", "Hours": "12.5",
}
GOLD = "gold"


def unmatched(reason: str) -> str:
    return f"unmatched:{reason}"


def rejected(reason: str) -> str:
    return f"rejected:{reason}"


@dataclass(frozen=True)
class Refused:
    message: str


@dataclass(frozen=True)
class Case:
    id: str
    filename: str
    content: bytes
    expect: Refused | tuple[str, ...]
    what: str
    group: str = "main"  # loader invocation: main, platform_injection, platform_upper, reload, duplicate
    check: Callable[[list[dict[str, Any]]], None] | None = field(default=None, compare=False)


def _cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def csv_text(*rows: dict[str, str], header: tuple[str, ...] = HEADER, sep: str = ",", newline: str = "\n") -> str:
    lines = [sep.join(_cell(h) for h in header)]
    lines += [sep.join(_cell(r.get(h, "")) for h in header) for r in rows]
    return newline.join(lines) + newline


def good(**over: str) -> dict[str, str]:
    row = dict(GOOD)
    row.update({k.replace("_", " ") if k == "Content_ID" else k: v for k, v in over.items()})
    return row


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _title_kept(expected: str) -> Callable[[list[dict[str, Any]]], None]:
    def check(gold_rows: list[dict[str, Any]]) -> None:
        assert [r["platform_content_name"] for r in gold_rows] == [expected], (
            f"title not kept byte for byte: {[str(r['platform_content_name'])[:80] for r in gold_rows]}")
    return check


def _gold_value(column: str, expected: str) -> Callable[[list[dict[str, Any]]], None]:
    def check(gold_rows: list[dict[str, Any]]) -> None:
        assert [str(r[column]) for r in gold_rows] == [expected], f"{column}: {[r[column] for r in gold_rows]}"
    return check


LONG_TITLE = ("Unlocking My Phone; but You Have a Mistress " * 300)[:10_000]
UNICODE_TITLE = "Señora Ñandú – 母親の秘密 😀 Ωmega"
RTL_TITLE = "\u200fמי האבא? \u0627\u0644\u0623\u0628 \u0647\u0648 \u0627\u0644\u0633\u0631"
INJECTION_TITLE = "x'); drop table gold.episode_details; -- \" ; select 1 /*"
NEWLINE_TITLE = "Line one\nLine two"
ZERO_WIDTH_TITLE = "Unlocking\u200b My\u200d Phone"
GOOD_FILE = csv_text(good())


def cases() -> list[Case]:
    c: list[Case] = []

    def add(id_: str, what: str, content: bytes | str, expect: Refused | tuple[str, ...], *,
            filename: str | None = None, group: str = "main",
            check: Callable[[list[dict[str, Any]]], None] | None = None) -> None:
        data = utf8(content) if isinstance(content, str) else content
        c.append(Case(id_, filename or f"corpus_{id_}.csv", data, expect, what, group, check))

    # -- whole-file refusals (nothing reaches the upload table) ------------------------------------------------
    add("empty_file", "0 bytes", b"", Refused("empty file (0 bytes)"))
    add("whitespace_only", "only blank lines", "  \n\n \n", Refused("empty file (no text)"))
    add("header_only", "header, no data rows", csv_text(), Refused("no data rows"))
    add("only_total_row", "header and a Total row", csv_text(good(Date="Total")), Refused("no data rows left"))
    add("nul_byte_in_title", "a NUL byte inside a title", csv_text(good(Title="bad\x00title")), Refused("NUL"))
    add("utf16_without_bom", "UTF-16 LE without a byte-order mark", GOOD_FILE.encode("utf-16-le"),
        Refused("NUL bytes"))
    add("invalid_utf8", "a Latin-1 byte in a UTF-8 file", GOOD_FILE.encode("utf-8").replace(b"Phone", b"Ph\xf6ne"),
        Refused("is not valid UTF-8"))
    add("binary_garbage", "a PNG image renamed .csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        Refused("PNG image"))
    add("missing_required_column", "no Hours column",
        csv_text(good(), header=tuple(h for h in HEADER if h != "Hours")), Refused("header is missing column"))
    add("extra_cells", "a row with more non-empty cells than the header",
        csv_text(good()) + _cell("2025-10-06") + ",a,b,c,d,e,f,EXTRA\n", Refused("cells but the header"))
    add("reload_same_name", "the same file name loaded a second time (no --replace)", GOOD_FILE,
        Refused("already loaded"), filename="corpus_good_baseline.csv", group="reload")

    # -- the baseline and well-formed variations that must reach gold ------------------------------------------
    add("good_baseline", "a correct row", GOOD_FILE, (GOLD,))
    add("utf8_bom", "UTF-8 with a byte-order mark", codecs.BOM_UTF8 + utf8(GOOD_FILE), (GOLD,))
    add("utf16_with_bom", "UTF-16 with a byte-order mark", GOOD_FILE.encode("utf-16"), (GOLD,))
    add("crlf_line_endings", "Windows line endings", csv_text(good(), newline="\r\n"), (GOLD,))
    add("tab_separated", "tab-delimited", csv_text(good(), sep="\t"), (GOLD,))
    add("blank_lines_between_rows", "empty lines between data rows",
        csv_text(good()) + "\n\n" + csv_text(good(Date="2025-10-06")).split("\n", 1)[1], (GOLD, GOLD))
    add("total_row_at_end", "a Total footer row is skipped, the data row loads",
        csv_text(good(), good(Date="Total", Title="", Hours="99")), (GOLD,))
    add("header_with_odd_spacing", "header cells padded and upper-cased (matched case/space-insensitively)",
        ",".join(_cell(f"  {h.upper()} ") for h in HEADER) + "\n" + GOOD_FILE.split("\n", 1)[1], (GOLD,))
    add("thousands_separator", "Hours 1,234.5", csv_text(good(Hours="1,234.5")), (GOLD,))
    add("currency_symbol", "Hours $12", csv_text(good(Hours="$12")), (GOLD,))
    add("parenthesized_negative", "Hours (1.50) = -1.50", csv_text(good(Hours="(1.50)")), (GOLD,))
    add("negative_metric", "Hours -5", csv_text(good(Hours="-5")), (GOLD,))
    add("padded_ref_id", "Content ID with spaces around it", csv_text(good(**{"Content ID": "  KA-0606  "})), (GOLD,))
    add("duplicated_rows", "the same row twice in one file: two source rows, two records",
        csv_text(good(), good()), (GOLD, GOLD))

    # -- titles ------------------------------------------------------------------------------------------------
    add("empty_title", "blank title, valid ref_id", csv_text(good(Title="")), (GOLD,))
    add("unicode_title", "accents, CJK, emoji", csv_text(good(Title=UNICODE_TITLE)), (GOLD,),
        check=_title_kept(UNICODE_TITLE))
    add("rtl_title", "Hebrew and Arabic with a right-to-left mark", csv_text(good(Title=RTL_TITLE)), (GOLD,),
        check=_title_kept(RTL_TITLE))
    add("title_10k_chars", "a 10,000-character title", csv_text(good(Title=LONG_TITLE)), (GOLD,),
        check=_title_kept(LONG_TITLE.strip()))
    add("title_sql_injection", "SQL in the title", csv_text(good(Title=INJECTION_TITLE)), (GOLD,),
        check=_title_kept(INJECTION_TITLE))
    add("title_with_newline", "a quoted multi-line title", csv_text(good(Title=NEWLINE_TITLE)), (GOLD,),
        check=_title_kept(NEWLINE_TITLE))
    add("title_zero_width", "zero-width characters in the title", csv_text(good(Title=ZERO_WIDTH_TITLE)), (GOLD,),
        check=_title_kept(ZERO_WIDTH_TITLE))

    # -- dates (silver quarantines with a reason) --------------------------------------------------------------
    add("date_garbage", "Date 'not a date'", csv_text(good(Date="not a date")), (rejected("unparseable_date"),))
    add("date_1970", "the 1970 placeholder date", csv_text(good(Date="1970-08-23")), (rejected("date_before_2000"),))
    add("date_1999", "a 20th-century date", csv_text(good(Date="1999-12-31")), (rejected("date_before_2000"),))
    add("date_feb_30", "30 February", csv_text(good(Date="2025-02-30")), (rejected("unparseable_date"),))
    add("date_month_13", "13/13/2025: no reading of it is a date", csv_text(good(Date="13/13/2025")),
        (rejected("unparseable_date"),))
    add("date_year_day_month", "2025-13-01 is read as YYYY-DD-MM = 13 January (loader date detection: the segment "
        "over 12 is the day) - pinned, see GUARANTEES.md", csv_text(good(Date="2025-13-01")), (GOLD,),
        check=_gold_value("full_date", "01/13/2025"))
    add("date_injection", "SQL in the date", csv_text(good(Date="2025-10-05'; drop table upload.x; --")),
        (rejected("unparseable_date"),))
    add("date_blank_no_period", "blank date and no --year/--month", csv_text(good(Date="")),
        (rejected("missing_year"),))
    add("date_mixed_rows", "one good and one bad date in a file", csv_text(good(), good(Date="32/13/2025")),
        (GOLD, rejected("unparseable_date")))

    # -- metrics -----------------------------------------------------------------------------------------------
    add("metric_letters", "Hours '12abc'", csv_text(good(Hours="12abc")), (rejected("non_numeric_metric"),))
    add("metric_double_dot", "Hours '12..5'", csv_text(good(Hours="12..5")), (rejected("non_numeric_metric"),))
    add("metric_na", "Hours 'n/a'", csv_text(good(Hours="n/a")), (rejected("non_numeric_metric"),))
    add("metric_nan", "Hours 'NaN'", csv_text(good(Hours="NaN")), (rejected("non_numeric_metric"),))
    add("metric_infinity", "Hours 'Infinity'", csv_text(good(Hours="Infinity")), (rejected("non_numeric_metric"),))
    add("metric_injection", "SQL in a metric", csv_text(good(Hours="1; drop table gold.episode_details")),
        (rejected("non_numeric_metric"),))
    add("metric_huge", "Hours 1e40 (does not fit numeric(38,6))", csv_text(good(Hours="1" + "0" * 40)),
        (rejected("non_numeric_metric"),))
    add("metric_blank", "Hours blank: matched but not valid", csv_text(good(Hours="")),
        (unmatched("failed_validation_missing_tot_hov"),))

    # -- identifiers and matching ------------------------------------------------------------------------------
    add("unknown_ref_id", "a ref_id the catalog does not know (silver keeps only catalog ref_ids, so only "
        "TITLE_ONLY qualifies and fails)",
        csv_text(good(**{"Content ID": "ZZ-9999"}, Series="", Title="Nothing Like This")),
        (unmatched("title_mismatch"),))
    add("inactive_series", "an episode of an inactive series (Steve Harvey)",
        csv_text(good(**{"Content ID": "SH-0401"}, Series="Steve Harvey", Title="What Men Think: The Event")),
        (unmatched("inactive_series"),))
    add("ref_id_substring", "KA-060 is a prefix of KA-0606 and must not become it (else REF_ID_SERIES' fallback "
        "would match it to KA-0606 without a title check)",
        csv_text(good(**{"Content ID": "KA-060"}, Series="Karamo", Title="Nothing Like This", Season="",
                      Episode="")),
        (unmatched("title_mismatch"),))
    add("no_identifiers", "no ref_id, no series, unknown title",
        csv_text(good(**{"Content ID": ""}, Series="", Title="Nothing Like This", Season="", Episode="")),
        (unmatched("title_mismatch"),))

    # -- file names and platforms ------------------------------------------------------------------------------
    add("filename_injection", "SQL in the file name", GOOD_FILE, (GOLD,),
        filename="x'; drop table upload.platform_viewership; --.csv")
    add("filename_unicode", "non-ASCII file name", GOOD_FILE, (GOLD,), filename="données_日本 ✓.csv")
    add("filename_quotes", "quotes and spaces in the file name", GOOD_FILE, (GOLD,),
        filename="O\"Brien's \"final\" file.csv")
    add("filename_case_upper", "same content as filename_case_lower, name differs only in case", GOOD_FILE,
        (GOLD,), filename="Corpus Case Twin.csv")
    add("filename_case_lower", "same content as filename_case_upper, name differs only in case", GOOD_FILE,
        (unmatched("duplicate_upload"),), filename="corpus case twin.csv")
    add("duplicated_file", "a byte-identical copy of good_baseline under another name: refused by the loader's "
        "content fingerprint (the main group loads its same-content variants with --allow-duplicate-content)",
        GOOD_FILE, Refused("same content as 'corpus_good_baseline.csv'"), filename="corpus_good_baseline_copy.csv",
        group="duplicate")
    add("platform_injection", "SQL in --platform: loaded as data, no deal for that platform", GOOD_FILE,
        (unmatched("failed_validation_missing_deal_parent"),), group="platform_injection")
    add("platform_upper_case", "--platform TUBI (deal lookup is case-insensitive)", GOOD_FILE, (GOLD,),
        group="platform_upper")
    return c


GROUP_ARGS: dict[str, tuple[str, ...]] = {
    "main": (),
    "reload": (),
    "platform_injection": ("--platform", "Tubi'); drop table upload.platform_viewership; --"),
    "platform_upper": ("--platform", "TUBI"),
    "duplicate": (),
}
GROUP_ORDER = ("main", "platform_injection", "platform_upper", "reload", "duplicate")
