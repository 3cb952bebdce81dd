"""What a template is: the columns it may map, its transforms, column maps, skip rules and wide layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from viewership.schema import ADDITIVE_METRICS, UPLOAD_VALUE_COLUMNS

DataType = Literal["Viewership", "Revenue", "Viewership_Revenue"]
Layout = Literal["long", "wide_by_date"]

DATA_TYPES: tuple[str, ...] = ("Viewership", "Revenue", "Viewership_Revenue")
DOMAINS: tuple[str, ...] = ("Distribution Partners", "Owned and Operated")

# Upload columns a template may fill from the file (everything except the loader's own bookkeeping).
# data_type: a canonical register's `label` column (a label silver does not model is quarantined there).
MAPPABLE: frozenset[str] = frozenset(UPLOAD_VALUE_COLUMNS) - {"platform", "filename"}
# Numeric columns: cleaned with the `number` transform unless the template says otherwise.
NUMERIC_COLUMNS: frozenset[str] = frozenset(
    (*ADDITIVE_METRICS, "avg_duration_per_session", "avg_duration_per_viewer", "avg_session_count", "duration")
)
# Columns the constants / UI inputs may set.
CONSTANT_COLUMNS: frozenset[str] = frozenset(
    {"domain", "platform_partner_name", "platform_channel_name", "platform_territory", "partner", "channel",
     "territory", "viewership_type", "country", "language"}
)
TRANSFORMS: frozenset[str] = frozenset(
    {"trim", "number", "integer_text", "hms_hours", "hms_minutes", "yyyymmdd", "date_auto", "date_format",
     "regex_extract", "value_map", "none"}
)


class TemplateError(Exception):
    """A template is unknown or malformed; the message names it and the offending key."""


@dataclass(frozen=True)
class Transform:
    """One cleaning step for a mapped column."""

    name: str
    arg: Any = None


@dataclass(frozen=True)
class ColumnMap:
    """Where one upload column comes from in the file."""

    target: str
    source: str | None  # header text (matched trimmed, case- and whitespace-insensitively)
    source_index: int | None  # 0-based position, for unnamed columns
    transforms: tuple[Transform, ...]
    required: bool


@dataclass(frozen=True)
class SkipRule:
    """Rows excluded from the upload and counted under ``reason``."""

    reason: str
    when_blank: tuple[str, ...] = ()  # every one of these upload columns is blank ...
    first_cell_matches: str | None = None  # ... or the row's first non-empty cell matches this regex

    def pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.first_cell_matches, re.IGNORECASE) if self.first_cell_matches else None


@dataclass(frozen=True)
class WideSpec:
    """Wide-by-date layout: the row above the header carries one date per metric column."""

    metrics: dict[str, str]  # metric label in the header row -> upload column
    date_format: str | None  # None = auto-detect (DOMAIN §4.2.2)


@dataclass(frozen=True)
class Template:
    """A validated upload template."""

    name: str
    description: str
    platform: str
    data_type: DataType
    domain: str
    layout: Layout
    encoding: str
    delimiter: str
    header_search_rows: int
    columns: tuple[ColumnMap, ...]
    constants: dict[str, str]
    skip_rows: tuple[SkipRule, ...]
    wide: WideSpec | None
    ignore: tuple[str, ...] = field(default=())
    path: str = ""

    @property
    def has_date_column(self) -> bool:
        return any(c.target == "date" for c in self.columns)

    @property
    def has_period_columns(self) -> bool:
        """The file itself carries year and month (or quarter) columns."""
        targets = {c.target for c in self.columns}
        return "year" in targets and bool(targets & {"month", "quarter"})

    @property
    def output_targets(self) -> tuple[str, ...]:
        targets = [c.target for c in self.columns]
        if self.wide:
            targets += list(self.wide.metrics.values())
            targets.append("date")
        return tuple(dict.fromkeys(targets))

    @property
    def metric_targets(self) -> tuple[str, ...]:
        return tuple(t for t in self.output_targets if t in ADDITIVE_METRICS)
