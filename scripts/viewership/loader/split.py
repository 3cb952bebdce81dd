"""Quarterly split (DOMAIN §4.2.6, without the legacy defect).

A revenue file (``Revenue`` or ``Viewership_Revenue``) loaded with a quarter, no month and no date column is
emitted once per month of the quarter, with **every** additive metric divided by 3 (the legacy split divided
only revenue). The first two months get the third rounded to the value's scale (at least 6 decimals) and the
last month gets the remainder, so the file total is conserved exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from dbtcommon.months import MONTHS
from viewership.loader.dates import quarter_months
from viewership.loader.transforms import to_decimal

Row = tuple[str | int | None, ...]


def split_three(text: str | None) -> tuple[str | None, str | None, str | None]:
    """Three parts of a metric that add up exactly to it; NULL and raw (unreadable) text are repeated."""
    value = to_decimal(text)
    if value is None:
        return text, text, text
    exponent = value.as_tuple().exponent
    scale = max(6, -exponent if isinstance(exponent, int) else 6)
    quantum = Decimal(1).scaleb(-scale)
    third = (value / 3).quantize(quantum, rounding=ROUND_HALF_EVEN)
    last = value - 2 * third
    return _text(third), _text(third), _text(last)


def _text(value: Decimal) -> str:
    out = format(value.normalize(), "f")
    return "0" if out in ("-0", "") else out


def split_rows(
    rows: Iterator[Row], quarter: str, month_index: int, metric_indexes: Sequence[int]
) -> Iterator[Row]:
    """Each row three times, month set to the quarter's months, metrics divided by 3."""
    names = [MONTHS[m - 1] for m in quarter_months(quarter)]
    for row in rows:
        parts = {i: split_three(row[i]) for i in metric_indexes}  # type: ignore[arg-type]
        for k, name in enumerate(names):
            out = list(row)
            out[month_index] = name
            for i, triple in parts.items():
                out[i] = triple[k]
            yield tuple(out)


def describe(quarter: str) -> str:
    names = ", ".join(MONTHS[m - 1] for m in quarter_months(quarter))
    return f"{quarter} -> {names}; every additive metric / 3, totals conserved"
