"""Wide-by-date layout (Roku): a date row above the header, one date per metric column, repeated per metric.

Both ``DD-MM-YYYY`` and ISO dates are read; the day/month order is auto-detected over the whole header row
(DOMAIN §4.2.2) unless the template fixes it. Each content row becomes one long row per date that has at least
one non-blank metric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from viewership.loader import dates
from viewership.loader.errors import LoadError
from viewership.loader.reader import Sheet, norm
from viewership.loader.templates import Template

_PANDAS_SUFFIX = re.compile(r"\.\d+$")


@dataclass(frozen=True)
class DateGroup:
    """The metric columns of one date."""

    date: str  # YYYY-MM-DD
    metrics: tuple[tuple[str, int], ...]  # (upload column, cell index)


def date_groups(sheet: Sheet, template: Template) -> tuple[list[DateGroup], str]:
    """Date groups in header order, and the date format used."""
    assert template.wide is not None
    labels = {norm(k): v for k, v in template.wide.metrics.items()}
    if sheet.date_row is None:
        raise LoadError(
            f"line {sheet.header_line}: wide-by-date template {template.name} expects a row of dates above "
            "the header, but the header is the first row",
            line=sheet.header_line,
        )
    date_line = sheet.header_line - 1
    row = sheet.date_row + [""] * max(0, len(sheet.header) - len(sheet.date_row))
    columns: list[tuple[int, str, str]] = []  # (index, raw date, target)
    for i, label in enumerate(sheet.header):
        target = labels.get(norm(label))
        if target is None:
            continue
        raw = _PANDAS_SUFFIX.sub("", row[i].strip()) if re.match(r"^\d", row[i].strip()) else row[i].strip()
        if not raw:
            raise LoadError(
                f"line {date_line}, column {i + 1} ('{label}'): no date above this metric column; "
                "expected a date such as 01-10-2025 or 2025-10-01",
                line=date_line,
                column=label,
            )
        columns.append((i, raw, target))
    if template.wide.date_format:
        order: dates.DateOrder | None = dates.FORMATS[template.wide.date_format]
    else:
        order = dates.detect_order(raw for _, raw, _ in columns)
    groups: dict[str, list[tuple[str, int]]] = {}
    for i, raw, target in columns:
        iso = dates.format_date(raw, order)
        if iso is None:
            hint = "" if order else " (day/month order undetermined: set wide.date_format in the template)"
            raise LoadError(
                f"line {date_line}, column {i + 1}: '{raw}' is not a date; expected DD-MM-YYYY, MM-DD-YYYY "
                f"or YYYY-MM-DD{hint}",
                line=date_line,
                column=sheet.header[i],
            )
        group = groups.setdefault(iso, [])
        if any(t == target for t, _ in group):
            raise LoadError(
                f"line {date_line}, column {i + 1}: metric '{sheet.header[i]}' appears twice for {raw}",
                line=date_line,
                column=sheet.header[i],
            )
        group.append((target, i))
    label = order.label if order else "YYYY-MM-DD"
    return [DateGroup(d, tuple(m)) for d, m in groups.items()], label
