"""Turning a located sheet into upload rows: constants, UI inputs, mapped and cleaned columns, skipped rows,
wide-to-long reshaping and the quarterly split.

Rows stream (a generator) so a million-row file never sits in memory twice; statistics are gathered as they
pass. The column list is decided per file: only columns the template or the inputs set are written, the rest
stay NULL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dbtcommon.months import MONTHS, month_number
from viewership.loader import dates, reshape, split
from viewership.loader.errors import LoadError
from viewership.loader.reader import Sheet, norm
from viewership.loader.summary import FileStats
from viewership.loader.templates import ColumnMap, Template, Transform
from viewership.loader.transforms import Cleaner, build_cleaner
from viewership.schema import ADDITIVE_METRICS

Row = tuple[str | int | None, ...]
_BLANK_AND_SEPARATOR = "\x1f \t\r\n\u00a0"
# A row with any of these is loaded even when a skip rule's columns are blank: it ends unmatched downstream,
# with a reason, instead of vanishing here.
IDENTIFIERS: tuple[str, ...] = ("platform_content_id", "platform_content_name", "platform_series", "ref_id")
OVERRIDES = {"partner": "platform_partner_name", "channel": "platform_channel_name",
             "territory": "platform_territory"}


@dataclass(frozen=True)
class Inputs:
    """What the operator chose (the legacy UI's selections), already validated."""

    platform: str
    filename: str
    load_timestamp: str
    content_fingerprint: str | None = None
    year: str | None = None
    quarter: str | None = None  # q1..q4
    month: str | None = None  # English month name
    partner: str | None = None
    channel: str | None = None
    territory: str | None = None


def resolve_period(year: str | None, quarter: str | None, month: str | None) -> tuple[str | None, str | None,
                                                                                     str | None]:
    """Validate --year/--quarter/--month; month becomes its English name, quarter lower-case q1..q4."""
    out_year = None
    if year is not None:
        if not re.fullmatch(r"\d{4}", year.strip()) or not 2000 <= int(year) <= 2100:
            raise LoadError(f"--year {year!r}: expected a four-digit year between 2000 and 2100")
        out_year = year.strip()
    out_quarter = None
    if quarter is not None:
        q = quarter.strip().lower()
        q = q if q.startswith("q") else "q" + q
        if q not in ("q1", "q2", "q3", "q4"):
            raise LoadError(f"--quarter {quarter!r}: expected q1, q2, q3 or q4")
        out_quarter = q
    out_month = None
    if month is not None:
        number = month_number(month)
        if number is None:
            raise LoadError(f"--month {month!r}: expected an English month name (e.g. October) or 1-12")
        out_month = MONTHS[number - 1]
        implied = f"q{(number - 1) // 3 + 1}"
        if out_quarter is None:
            out_quarter = implied
        elif out_quarter != implied:
            raise LoadError(f"--month {out_month} is in {implied}, not --quarter {out_quarter}")
    return out_year, out_quarter, out_month


@dataclass
class Plan:
    """The upload columns of one file and a generator of its rows."""

    columns: tuple[str, ...]
    rows: Iterator[Row]


def _resolve_index(sheet: Sheet, col: ColumnMap) -> int | None:
    if col.source_index is not None:
        if col.source_index >= len(sheet.header):
            if col.required:
                raise LoadError(
                    f"line {sheet.header_line}: column {col.source_index + 1} (for {col.target}) does not "
                    f"exist; the header has {len(sheet.header)} columns",
                    line=sheet.header_line,
                    column=col.target,
                )
            return None
        return col.source_index
    assert col.source is not None
    wanted = norm(col.source)
    for i, label in enumerate(sheet.header):
        if norm(label) == wanted:
            return i
    if col.required:
        raise LoadError(
            f"line {sheet.header_line}: header has no column '{col.source}' (for {col.target})",
            line=sheet.header_line,
            column=col.source,
        )
    return None


def _split_applies(template: Template, inputs: Inputs) -> bool:
    return (
        template.data_type in ("Revenue", "Viewership_Revenue")
        and inputs.quarter is not None
        and inputs.month is None
        and not template.has_date_column
        and not template.has_period_columns
        and template.wide is None
    )


def plan(sheet: Sheet, template: Template, inputs: Inputs, stats: FileStats,  # noqa: C901 - one branch per template column option; kept in one place so the column plan reads top to bottom
         progress_position: list[int] | None = None) -> Plan:
    """Decide the columns and build the row generator (nothing is read past the header yet, except a first
    pass over the date column when its day/month order is auto-detected)."""
    mapped_targets = {c.target for c in template.columns}
    for option, target in OVERRIDES.items():
        if getattr(inputs, option) is not None and target in mapped_targets:
            raise LoadError(
                f"--{option}: template {template.name} reads {target} from the file; it cannot be overridden"
            )
    if not template.has_date_column and not template.has_period_columns and template.wide is None and (
        inputs.year is None or (inputs.month is None and inputs.quarter is None)
    ):
        raise LoadError(
            f"template {template.name} has no date column: give --year and --month (or --quarter for a "
            "quarterly statement)"
        )
    do_split = _split_applies(template, inputs)

    prefix: dict[str, str | None] = {
        "platform": inputs.platform,
        "domain": template.domain,
        "data_type": template.data_type,
        "filename": inputs.filename,
    }
    if inputs.content_fingerprint is not None:
        prefix["content_fingerprint"] = inputs.content_fingerprint
    prefix.update(template.constants)
    for option, target in OVERRIDES.items():
        value = getattr(inputs, option)
        if value is not None:
            prefix[target] = value
    for key in ("year", "quarter", "month"):
        value = getattr(inputs, key)
        if value is not None or (key == "month" and do_split):
            prefix[key] = value
    for target in list(prefix):
        if target in mapped_targets or (template.wide and target in template.output_targets):
            del prefix[target]

    # Mapped (non-metric-wide) columns and their cleaners.
    date_order: dates.DateOrder | None = None
    date_col = next((c for c in template.columns if c.target == "date"), None)
    indexes = {c.target: _resolve_index(sheet, c) for c in template.columns}
    if date_col is not None and any(t.name == "date_auto" for t in date_col.transforms):
        idx = indexes["date"]
        if idx is not None:
            date_order = dates.detect_order(cells[idx] for _, cells in sheet.records())
        stats.date_format = date_order.label if date_order else "undetermined (raw dates kept)"
    elif date_col is not None:
        stats.date_format = ", ".join(t.name if t.arg is None else f"{t.arg}" for t in date_col.transforms)
    cleaners: list[tuple[int | None, Cleaner, str]] = [
        (indexes[c.target], build_cleaner(c.transforms, date_order), c.target) for c in template.columns
    ]
    identity_targets = [t for _, _, t in cleaners]
    label_position = identity_targets.index("data_type") if "data_type" in identity_targets else None

    groups: list[reshape.DateGroup] = []
    wide_metrics: list[str] = []
    if template.wide is not None:
        groups, label = reshape.date_groups(sheet, template)
        stats.date_format = f"{label} (date header row, line {sheet.header_line - 1})"
        wide_metrics = list(dict.fromkeys(template.wide.metrics.values()))
        columns = (*prefix, *identity_targets, "date", *wide_metrics, "source_row_number", "load_timestamp")
    else:
        columns = (*prefix, *identity_targets, "source_row_number", "load_timestamp")

    prefix_values = tuple(prefix.values())
    position = {t: i for i, t in enumerate(identity_targets)}
    identifiers = [position[t] for t in IDENTIFIERS if t in position]
    blank_rules = [(r.reason, [position[c] for c in r.when_blank]) for r in template.skip_rows if r.when_blank]
    pattern_rules = [(r.reason, p) for r in template.skip_rows if (p := r.pattern()) is not None]
    number_cleaner = build_cleaner((Transform("number"),))
    long_metrics = [(t, position[t]) for t in identity_targets if t in ADDITIVE_METRICS]
    rows_per_source_row = 3 if do_split else 1

    def wide_rows(line: int, cells: list[str], note: bool) -> list[tuple[str, dict[str, str | None]]]:
        """(date, metric values) of every date with a metric in this row."""
        out: list[tuple[str, dict[str, str | None]]] = []
        for group in groups:
            metric_values: dict[str, str | None] = dict.fromkeys(wide_metrics)
            present = False
            for target, idx in group.metrics:
                cell = cells[idx]
                if not cell.strip():
                    continue
                present = True
                value, ok = number_cleaner(cell)
                if not ok and note:
                    stats.note_unparsed(target, line, cell)
                metric_values[target] = value
            if present:
                out.append((group.date, metric_values))
        return out

    def note_skip(reason: str, line: int, cells: list[str], values: list[str | None]) -> None:
        if template.wide is None:
            metrics = {t: values[i] for t, i in long_metrics}
            stats.note_skipped(reason, rows_per_source_row, [metrics])
        else:
            produced = wide_rows(line, cells, note=False)
            stats.note_skipped(reason, len(produced), [m for _, m in produced])

    def clean(cells: list[str]) -> tuple[list[str | None], list[tuple[str, str]]]:
        values: list[str | None] = []
        failed: list[tuple[str, str]] = []
        for idx, cleaner, target in cleaners:
            cell = cells[idx] if idx is not None else ""
            value, ok = cleaner(cell)
            if not ok:
                failed.append((target, cell))
            values.append(value)
        return values, failed

    def source_rows() -> Iterator[Row]:
        for line, cells in sheet.records(progress_position):
            stats.rows_read += 1
            joined = "\x1f".join(cells).lstrip(_BLANK_AND_SEPARATOR)  # C-speed checks on the whole row
            if not joined.strip():
                stats.note_skipped("empty_row", 0, [])
                continue
            if pattern_rules:
                first = joined.split("\x1f", 1)[0].strip()  # the row's first non-empty cell
                reason = next((r for r, p in pattern_rules if p.search(first)), None)
                if reason is not None:
                    note_skip(reason, line, cells, clean(cells)[0])
                    continue
            values, failed = clean(cells)
            reason = next((r for r, pos in blank_rules if all(values[p] is None for p in pos)), None)
            if reason is not None and not any(values[p] is not None for p in identifiers):
                note_skip(reason, line, cells, values)
                continue
            for target, cell in failed:
                stats.note_unparsed(target, line, cell)
            if label_position is not None and values[label_position] is None:
                values[label_position] = ""  # a blank label is kept (silver quarantines it), never NULL
            if template.wide is None:
                yield (*prefix_values, *values, line, inputs.load_timestamp)
                continue
            for date, metric_values in wide_rows(line, cells, note=True):
                yield (*prefix_values, *values, date, *metric_values.values(), line, inputs.load_timestamp)

    rows: Iterator[Row] = source_rows()
    if do_split:
        assert inputs.quarter is not None
        metric_idx = [i for i, c in enumerate(columns) if c in ADDITIVE_METRICS]
        rows = split.split_rows(rows, inputs.quarter, columns.index("month"), metric_idx)
        stats.split = split.describe(inputs.quarter)
    return Plan(columns, _tally(rows, columns, stats))


def _tally(rows: Iterator[Row], columns: tuple[str, ...], stats: FileStats) -> Iterator[Row]:
    metric_idx = [(c, i) for i, c in enumerate(columns) if c in ADDITIVE_METRICS]
    totals = stats.metric_totals
    zero = Decimal(0)
    written = 0
    try:
        for row in rows:
            written += 1
            for name, i in metric_idx:
                text = row[i]
                if text is not None:
                    try:
                        number = Decimal(text)
                    except InvalidOperation:
                        continue  # raw text kept for silver; not a number
                    if number.is_finite():
                        totals[name] = totals.get(name, zero) + number
            yield row
    finally:
        stats.rows_written = written
