"""Value cleaning for one mapped column (DOMAIN §7.3 transformations, without the legacy defects).

Every cleaner takes the cell text and returns ``(value, ok)``. A blank cell is always NULL (never 0.0). A cell a
cleaner cannot read is written *raw* (``ok`` False) so silver quarantines it with a reason instead of it being
dropped or silently turned into a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from viewership.loader import dates
from viewership.loader.templates import Transform

Cleaner = Callable[[str], tuple[str | None, bool]]

# Plain number, or thousands-grouped (western 1,234,567 or Indian 1,34,896), optional decimals.
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")
_GROUPED = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3})(?:\.\d+)?$")
_LEADING_DOT = re.compile(r"^-?\.\d+$")
_SCIENTIFIC = re.compile(r"^-?\d+(?:\.\d+)?[eE][+-]?\d+$")
_DASHES = {"-", "–", "—"}
_HMS = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")
_TWO_PART = re.compile(r"^(\d+):([0-5]?\d(?:\.\d+)?)$")
_GROUPED_INT = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_SIX = Decimal("0.000001")


def clean_number(text: str) -> tuple[str | None, bool]:  # noqa: C901 - one branch per number notation listed in the docstring
    """``1,234.56`` -> ``1234.56``; `` $ 712.04 `` -> ``712.04``; ``$ -`` -> ``0``; ``$-0.20`` -> ``-0.20``;
    ``(1.50)`` -> ``-1.50``. Anything else is returned raw with ok False."""
    s = text.strip()
    if not s:
        return None, True
    if _PLAIN.match(s):
        return (s[1:] if s.startswith("+") else s), True
    if _GROUPED.match(s):  # fast path: 1,234,567.89
        return s.replace(",", ""), True
    t = s.replace("$", "").replace("USD", "").replace(" ", "").replace("\u00a0", "")
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1]
    if t.startswith("+"):
        t = t[1:]
    if t.startswith("-") and len(t) > 1:
        negative, t = not negative, t[1:]
    if t in _DASHES or (not t and "$" in s):
        return "0", True
    if _PLAIN.match(t):
        out = t
    elif _GROUPED.match(t):
        out = t.replace(",", "")
    elif _LEADING_DOT.match(t):
        out = "0" + t
    elif _SCIENTIFIC.match(t):
        out = format(Decimal(t), "f")
    else:
        return text, False
    if negative and out.strip("0.") != "":
        out = "-" + out
    return out, True


def _hms_hours(text: str) -> Decimal | None:
    s = text.strip()
    match = _HMS.match(s)
    if match:
        h, m, sec = Decimal(match.group(1)), Decimal(match.group(2)), Decimal(match.group(3))
        return h + m / 60 + sec / 3600
    match = _TWO_PART.match(s)
    if match:  # legacy rule: a:b is h:mm when a > 24, else m:ss
        a, b = Decimal(match.group(1)), Decimal(match.group(2))
        return a + b / 60 if a > 24 else (a / 60 + b / 3600)
    return None


def _decimal_text(value: Decimal) -> str:
    text = format(value.quantize(_SIX).normalize(), "f")
    return "0" if text in ("-0", "") else text


def clean_hms_hours(text: str) -> tuple[str | None, bool]:
    """``1174:47:24`` -> ``1174.79`` (hours, 6 decimals at most)."""
    if not text.strip():
        return None, True
    hours = _hms_hours(text)
    if hours is None:
        return clean_number(text)
    return _decimal_text(hours), True


def clean_hms_minutes(text: str) -> tuple[str | None, bool]:
    """``0:21:30`` -> ``21.5`` (minutes)."""
    if not text.strip():
        return None, True
    hours = _hms_hours(text)
    if hours is None:
        return clean_number(text)
    return _decimal_text(hours * 60), True


def clean_integer_text(text: str) -> tuple[str | None, bool]:
    """Episode/season numbers: trimmed; ``1,001`` -> ``1001``; other text kept as-is (it is an attribute)."""
    s = text.strip()
    if not s:
        return None, True
    if _GROUPED_INT.match(s):
        return s.replace(",", ""), True
    return s, True


def clean_trim(text: str) -> tuple[str | None, bool]:
    s = text.strip()
    return (s or None), True


def clean_none(text: str) -> tuple[str | None, bool]:
    return (text if text.strip() else None), True


def _yyyymmdd(text: str) -> tuple[str | None, bool]:
    s = text.strip()
    if not s:
        return None, True
    out = dates.format_date(s, None) if len(s) == 8 and s.isdigit() else None
    return (out, True) if out else (text, False)


def _date_with(order: dates.DateOrder | None) -> Cleaner:
    def clean(text: str) -> tuple[str | None, bool]:
        s = text.strip()
        if not s:
            return None, True
        out = dates.format_date(s, order)
        return (out, True) if out else (text, False)

    return clean


def _regex_extract(pattern: str) -> Cleaner:
    rx = re.compile(pattern)

    def clean(text: str) -> tuple[str | None, bool]:
        match = rx.search(text)
        if not match:
            return None, True  # a derived attribute: no match = not present (the source column keeps the text)
        value = match.group(1) if rx.groups else match.group(0)
        return (value.strip() or None), True

    return clean


def _value_map(mapping: dict[str, str]) -> Cleaner:
    lowered = {str(k).strip().lower(): str(v) for k, v in mapping.items()}

    def clean(text: str) -> tuple[str | None, bool]:
        s = text.strip()
        if not s:
            return None, True
        return lowered.get(s.lower(), s), True

    return clean


_SIMPLE: dict[str, Cleaner] = {
    "trim": clean_trim,
    "none": clean_none,
    "number": clean_number,
    "integer_text": clean_integer_text,
    "hms_hours": clean_hms_hours,
    "hms_minutes": clean_hms_minutes,
    "yyyymmdd": _yyyymmdd,
}


def build_cleaner(steps: Sequence[Transform], date_order: dates.DateOrder | None = None) -> Cleaner:  # noqa: C901 - one branch per transform kind
    """One function applying the steps in order; the first step that cannot read its input keeps the raw cell."""
    funcs: list[Cleaner] = []
    for step in steps:
        if step.name in _SIMPLE:
            funcs.append(_SIMPLE[step.name])
        elif step.name == "date_auto":
            funcs.append(_date_with(date_order))
        elif step.name == "date_format":
            funcs.append(_date_with(dates.FORMATS[str(step.arg)]))
        elif step.name == "regex_extract":
            funcs.append(_regex_extract(str(step.arg)))
        elif step.name == "value_map":
            funcs.append(_value_map(dict(step.arg)))
        else:  # pragma: no cover - templates.py validates names
            raise ValueError(step.name)
    if len(funcs) == 1:
        return funcs[0]

    def chain(text: str) -> tuple[str | None, bool]:
        value: str | None = text
        for func in funcs:
            if value is None:
                return None, True
            value, ok = func(value)
            if not ok:
                return text, False
        return value, True

    return chain


def to_decimal(text: str | None) -> Decimal | None:
    """A cleaned numeric text as Decimal (None for NULL or raw text that is not a number)."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
