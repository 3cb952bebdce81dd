"""The physical shape of the source tables the dbt project reads (DOMAIN §2.1-2.3).

This module is the single Python description of those tables: the loader, the synthetic generator and the
DDL helpers all use it, and a test checks it against the dbt source YAML so the two cannot drift.
Locations (``upload``, ``catalog``, ``dictionary``) are logical; ``viewership.project`` resolves them
through the environment map in ``dbt_project.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "bigint", "integer", "boolean", "timestamp"]


@dataclass(frozen=True)
class Column:
    """One column of a source table."""

    name: str
    type: ColumnType


@dataclass(frozen=True)
class Table:
    """One source table, at a logical location."""

    location: str
    name: str
    columns: tuple[Column, ...]
    csv_name: str | None = None  # reference CSV file that feeds it (viewership-load --reference)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _text(*names: str) -> tuple[Column, ...]:
    return tuple(Column(n, "text") for n in names)


# Upload table. Values arrive as text exactly as the loader read them (after template transformations):
# parsing dates and numbers is normalization (silver), which quarantines what it cannot read instead of
# losing it. Only columns the pipeline itself controls are typed.
UPLOAD_VALUE_COLUMNS: tuple[str, ...] = (
    "platform",
    "domain",
    "data_type",
    "platform_partner_name",
    "platform_channel_name",
    "platform_territory",
    "platform_content_name",
    "platform_content_id",
    "platform_series",
    "partner",
    "channel",
    "territory",
    "date",
    "week",
    "day",
    "month",
    "quarter",
    "year",
    "year_month_day",
    "start_time",
    "end_time",
    "tot_hov",
    "tot_mov",
    "tot_sessions",
    "sessions",
    "views",
    "unique_viewers",
    "tot_completions",
    "tot_impressions",
    "channel_adpool_impressions",
    "avg_duration_per_session",
    "avg_duration_per_viewer",
    "avg_session_count",
    "duration",
    "revenue",
    "channel_adpool_revenue",
    "city",
    "country",
    "device_id",
    "device_name",
    "device_type",
    "language",
    "viewership_type",
    "episode_number",
    "season_number",
    "ref_id",
    "filename",
)

# Additive metrics: summed in gold, split by 3 in a quarterly split, totalled in loader summaries.
ADDITIVE_METRICS: tuple[str, ...] = (
    "tot_hov",
    "tot_mov",
    "tot_sessions",
    "sessions",
    "views",
    "unique_viewers",
    "tot_completions",
    "tot_impressions",
    "channel_adpool_impressions",
    "revenue",
    "channel_adpool_revenue",
)

UPLOAD = Table(
    location="upload",
    name="platform_viewership",
    columns=(
        Column("id", "bigint"),
        *_text(*UPLOAD_VALUE_COLUMNS),
        Column("source_row_number", "bigint"),
        Column("load_timestamp", "timestamp"),
        Column("processed", "boolean"),
        Column("phase", "text"),
        # The loader's digest of the file's normalized data rows (viewership.loader.scan): one file's content
        # is loaded once, whatever its name.
        Column("content_fingerprint", "text"),
    ),
)

CATALOG_EPISODE = Table(
    "catalog", "episode", _text("ref_id", "series_id", "episode", "season"), "catalog_episode.csv"
)
CATALOG_SERIES = Table(
    "catalog",
    "series",
    _text("id", "titles", "content_provider", "series_code", "status"),
    "catalog_series.csv",
)
CATALOG_METADATA = Table(
    "catalog", "metadata", _text("ref_id", "title", "clean_title"), "catalog_metadata.csv"
)
ACTIVE_DEALS = Table(
    "dictionary",
    "active_deals",
    _text(
        "platform",
        "domain",
        "platform_partner_name",
        "platform_channel_name",
        "platform_territory",
        "deal_parent",
        "internal_partner",
        "internal_channel",
        "internal_territory",
        "internal_channel_id",
        "internal_territory_id",
        "active",
    ),
    "active_deals.csv",
)
TERRITORIES = Table("dictionary", "territories", _text("id", "name", "active"), "territories.csv")
INTERNAL_SERIES = Table(
    "dictionary", "series", _text("entry", "series"), "internal_series_dictionary.csv"
)

REFERENCE_TABLES: tuple[Table, ...] = (
    CATALOG_EPISODE,
    CATALOG_SERIES,
    CATALOG_METADATA,
    ACTIVE_DEALS,
    TERRITORIES,
    INTERNAL_SERIES,
)
ALL_TABLES: tuple[Table, ...] = (UPLOAD, *REFERENCE_TABLES)
