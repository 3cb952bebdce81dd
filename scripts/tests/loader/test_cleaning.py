"""Cell cleaning, date auto-detection (DOMAIN §4.2.2) and the quarterly split arithmetic (§4.2.6)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from viewership.loader import dates, split
from viewership.loader.build import resolve_period
from viewership.loader.errors import LoadError
from viewership.loader.transforms import clean_hms_hours, clean_hms_minutes, clean_integer_text, clean_number


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("1,234.56", ("1234.56", True), id="thousands"),
        pytest.param(" $ 712.04 ", ("712.04", True), id="currency_spaces"),
        pytest.param("$1,144.73", ("1144.73", True), id="currency_thousands"),
        pytest.param(" $ -   ", ("0", True), id="currency_dash_is_zero"),
        pytest.param("-", ("0", True), id="bare_dash_is_zero"),
        pytest.param("$-0.20", ("-0.20", True), id="negative_currency"),
        pytest.param("-$0.20", ("-0.20", True), id="sign_before_dollar"),
        pytest.param("(1.50)", ("-1.50", True), id="accounting_negative"),
        pytest.param("1,34,896", ("134896", True), id="indian_grouping"),
        pytest.param("1915.3642042499998", ("1915.3642042499998", True), id="precision_kept"),
        pytest.param("+5", ("5", True), id="plus_sign"),
        pytest.param(".5", ("0.5", True), id="leading_dot"),
        pytest.param("1.5E+3", ("1500", True), id="scientific"),
        pytest.param("", (None, True), id="blank_is_null_not_zero"),
        pytest.param("   ", (None, True), id="spaces_are_null"),
        pytest.param("abc", ("abc", False), id="junk_kept_raw"),
        pytest.param("12,5", ("12,5", False), id="decimal_comma_not_guessed"),
        pytest.param("1,2,3", ("1,2,3", False), id="bad_grouping_kept_raw"),
        pytest.param("N/A", ("N/A", False), id="na_kept_raw"),
        pytest.param("100.00%", ("100.00%", False), id="percent_kept_raw"),
    ],
)
def test_clean_number(cell: str, expected: tuple[str | None, bool]) -> None:
    assert clean_number(cell) == expected


@pytest.mark.parametrize(
    ("cell", "hours", "minutes"),
    [
        pytest.param("1174:47:24", "1174.79", "70487.4", id="over_24h"),
        pytest.param("0:21:30", "0.358333", "21.5", id="minutes_seconds"),
        pytest.param("30:15", "30.25", "1815", id="two_part_h_mm_when_first_over_24"),
        pytest.param("12:30", "0.208333", "12.5", id="two_part_m_ss"),
        pytest.param("27,904.73", "27904.73", "27904.73", id="decimal_passes_as_number"),
        pytest.param("", None, None, id="blank_null"),
    ],
)
def test_hms(cell: str, hours: str | None, minutes: str | None) -> None:
    assert clean_hms_hours(cell) == (hours, True)
    assert clean_hms_minutes(cell) == (minutes, True)


def test_hms_junk_is_raw() -> None:
    assert clean_hms_hours("1:99:00") == ("1:99:00", False)


def test_integer_text() -> None:
    assert clean_integer_text("1,001") == ("1001", True)
    assert clean_integer_text(" 07 ") == ("07", True)
    assert clean_integer_text("Special") == ("Special", True)
    assert clean_integer_text("") == (None, True)


@pytest.mark.parametrize(
    ("values", "label"),
    [
        pytest.param(["01-10-2025", "13-10-2025", "31-12-2025"], "DD-MM-YYYY", id="day_over_12_first"),
        pytest.param(["10/01/2025", "10/13/2025", "12/31/2025"], "MM-DD-YYYY", id="day_over_12_second"),
        pytest.param(["2025-10-01", "2025-10-13"], "YYYY-MM-DD", id="iso"),
        pytest.param(["2025.01.02", "2025.01.03", "2025.01.04", "2025.01.05"], "YYYY-MM-DD", id="repetition_month"),
        pytest.param(["02/01/2025", "03/01/2025", "04/01/2025", "05/01/2025"], "DD-MM-YYYY",
                     id="repetition_second_is_month"),
        pytest.param(["01/02/2025", "02/01/2025"], None, id="ambiguous_two_samples"),
        pytest.param(["01/02/2025", "02/03/2025", "03/04/2025"], None, id="ambiguous_no_repetition"),
        pytest.param(["1/2/25", "3/4/25"], None, id="no_four_digit_year"),
        pytest.param(["Oct 1 2025"], None, id="not_numeric"),
    ],
)
def test_detect_order(values: list[str], label: str | None) -> None:
    order = dates.detect_order(values)
    assert (order.label if order else None) == label


def test_format_date() -> None:
    dmy = dates.FORMATS["DD-MM-YYYY"]
    assert dates.format_date("01-10-2025", dmy) == "2025-10-01"
    assert dates.format_date("20250701", None) == "2025-07-01"  # never 1970 (DOMAIN §4.2.4)
    assert dates.format_date("2026-01-31 00:00:00", None) == "2026-01-31"
    assert dates.format_date("31-02-2025", dmy) is None
    assert dates.format_date("2025-13-01", dates.FORMATS["YYYY-MM-DD"]) is None


@pytest.mark.parametrize("value", ["0.01", "2.06", "1915.3642042499998", "7", "-0.20", "0", "100000000.1"])
def test_split_three_conserves_exactly(value: str) -> None:
    parts = split.split_three(value)
    assert sum(Decimal(p) for p in parts if p is not None) == Decimal(value)
    assert max(Decimal(p) for p in parts if p) - min(Decimal(p) for p in parts if p) <= Decimal("0.000002")


def test_split_three_null_and_raw() -> None:
    assert split.split_three(None) == (None, None, None)
    assert split.split_three("abc") == ("abc", "abc", "abc")


def test_resolve_period() -> None:
    assert resolve_period("2025", None, "october") == ("2025", "q4", "October")
    assert resolve_period("2025", "Q3", None) == ("2025", "q3", None)
    assert resolve_period(None, "3", None) == (None, "q3", None)
    with pytest.raises(LoadError, match="--month October is in q4, not --quarter q3"):
        resolve_period("2025", "q3", "October")
    with pytest.raises(LoadError, match="four-digit year"):
        resolve_period("25", None, None)
    with pytest.raises(LoadError, match="expected q1, q2, q3 or q4"):
        resolve_period("2025", "q5", None)
    with pytest.raises(LoadError, match="English month name"):
        resolve_period("2025", None, "Smarch")
