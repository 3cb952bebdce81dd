"""Date auto-detection (DOMAIN §4.2.2) and formatting to ``YYYY-MM-DD``.

Detection looks at up to 200 distinct values made of three numeric segments separated by ``/``, ``-``, space
or ``.``. The year is the first segment of length 4 or with a value over 31. Of the other two positions, one
with a value over 12 (while the other has none) is the day; otherwise the position whose most common value
covers more than 40 % of the samples and at least 1.5 times the other's share is the month (needs at least
3 samples); otherwise the format is undetermined and values pass through unchanged, except that year-first
dates are then read as ISO 8601 ``YYYY-MM-DD`` (a decision: ``YYYY-DD-MM`` is not a format partners use).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_THREE_PARTS = re.compile(r"^\s*(\d{1,4})[/\-. ](\d{1,4})[/\-. ](\d{1,4})\s*$")
_EIGHT_DIGITS = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_ISO_WITH_TIME = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*$")
MAX_SAMPLES = 200


@dataclass(frozen=True)
class DateOrder:
    """Positions (0, 1, 2) of year, month and day in a three-segment date."""

    year: int
    month: int
    day: int

    @property
    def label(self) -> str:
        names = {self.year: "YYYY", self.month: "MM", self.day: "DD"}
        return "-".join(names[i] for i in range(3))


FORMATS: dict[str, DateOrder] = {
    "YYYY-MM-DD": DateOrder(0, 1, 2),
    "YYYY-DD-MM": DateOrder(0, 2, 1),
    "DD-MM-YYYY": DateOrder(2, 1, 0),
    "MM-DD-YYYY": DateOrder(2, 0, 1),
}


def detect_order(values: Iterable[str]) -> DateOrder | None:  # noqa: C901 - the day/month evidence rules, each a short test on the sampled dates
    """The segment order of a column of dates, or None when it cannot be decided."""
    samples: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for value in values:
        if value is None:
            continue
        text = value.strip()
        if not text or text in seen:
            continue
        match = _THREE_PARTS.match(text)
        if not match:
            continue
        seen.add(text)
        samples.append((match.group(1), match.group(2), match.group(3)))
        if len(samples) >= MAX_SAMPLES:
            break
    if not samples:
        return None
    year_pos = None
    for pos in range(3):
        if any(len(s[pos]) == 4 or int(s[pos]) > 31 for s in samples):
            year_pos = pos
            break
    if year_pos is None:
        return None
    a, b = (p for p in range(3) if p != year_pos)
    a_big = any(int(s[a]) > 12 for s in samples)
    b_big = any(int(s[b]) > 12 for s in samples)
    if a_big != b_big:
        day, month = (a, b) if a_big else (b, a)
        return DateOrder(year_pos, month, day)
    if len(samples) < 3:
        return _iso_default(year_pos)
    share = {}
    for pos in (a, b):
        counts = Counter(int(s[pos]) for s in samples)
        share[pos] = counts.most_common(1)[0][1] / len(samples)
    for month, day in ((a, b), (b, a)):
        if share[month] > 0.4 and share[month] >= 1.5 * share[day]:
            return DateOrder(year_pos, month, day)
    return _iso_default(year_pos)


def _iso_default(year_pos: int) -> DateOrder | None:
    """Year-first dates that the rules cannot decide are read as ISO 8601 (YYYY-DD-MM is not a format in use)."""
    return FORMATS["YYYY-MM-DD"] if year_pos == 0 else None


def format_date(value: str, order: DateOrder | None) -> str | None:
    """``YYYY-MM-DD`` for a date in the given order (8-digit ``YYYYMMDD`` always accepted), else None."""
    text = value.strip()
    match = _EIGHT_DIGITS.match(text)
    if match:
        parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return _iso(*parts)
    match = _ISO_WITH_TIME.match(text)
    if match:
        return _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if order is None:
        return None
    match = _THREE_PARTS.match(text)
    if not match:
        return None
    seg = match.groups()
    if len(seg[order.year]) not in (4,):
        return None
    return _iso(int(seg[order.year]), int(seg[order.month]), int(seg[order.day]))


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def quarter_months(quarter: str) -> tuple[int, int, int]:
    """Month numbers of ``q1``..``q4``."""
    q = int(quarter[1])
    return (3 * q - 2, 3 * q - 1, 3 * q)
