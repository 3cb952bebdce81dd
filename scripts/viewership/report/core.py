"""Read the relations the models build and reconcile them per (platform, file).

Relations are found through the environment map (as ``viewership.summary`` does); only quoted identifiers
from the project's configuration are placed in SQL text. The ``--file`` and ``--platform`` filters travel as
bound parameters.

Per file: bronze records = gold records + unmatched + rejected + duplicate uploads, and for every metric the
total uploaded = gold + unmatched + rejected (the quarterly split divides by 3, so totals agree to within
rounding). A relation that is not built yet counts as empty and is named in ``missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from viewership import db, project

# Reasons that do not count in the unmatched rate (macros/matching/unmatched_rate_per_file.sql).
RATE_EXCLUDED = ("no_identifiers", "duplicate_upload")
DUPLICATE = "duplicate_upload"

# metric as uploaded (upload, silver, fct_viewership_unmatched) -> its column in episode_details
METRICS: tuple[tuple[str, str], ...] = (
    ("tot_hov", "hours"),
    ("tot_mov", "minutes"),
    ("views", "views"),
    ("unique_viewers", "unique_viewers"),
    ("tot_completions", "tot_completions"),
    ("tot_impressions", "tot_impressions"),
    ("revenue", "revenue_amount"),
)
TOLERANCE = Decimal("0.0001")  # relative, as the metric-sum data test (0.01 %)

FileKey = tuple[str, str]


@dataclass
class MetricTotals:
    """One metric of one file: uploaded total and where it went."""

    name: str
    uploaded: Decimal = Decimal(0)
    uploaded_cells: int = 0  # non-blank uploaded cells; 0 = the metric is derived in silver (hours from minutes)
    normalized: Decimal = Decimal(0)
    gold: Decimal = Decimal(0)
    unmatched: Decimal = Decimal(0)
    rejected: Decimal = Decimal(0)
    unparsed_cells: int = 0  # uploaded cells that are not numbers (silver rejects their rows)

    @property
    def derived(self) -> bool:
        """No file cell carried it: silver computed it (e.g. hours from minutes), so it comes in there."""
        return self.uploaded_cells == 0 and self.normalized != 0

    @property
    def total_in(self) -> Decimal:
        return self.normalized + self.rejected if self.derived else self.uploaded

    @property
    def accounted(self) -> Decimal:
        return self.gold + self.unmatched + self.rejected

    @property
    def difference(self) -> Decimal:
        return self.total_in - self.accounted

    @property
    def balanced(self) -> bool:
        return abs(self.difference) <= TOLERANCE * abs(self.total_in) + Decimal("0.000001")


@dataclass
class FileReport:
    """What happened to one uploaded file."""

    platform: str
    filename: str
    uploaded: int = 0
    bronze: int = 0
    gold_records: int = 0
    gold_rows: dict[str, int] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, MetricTotals] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        """Uploaded rows not yet in bronze (no dbt build since the upload)."""
        return self.uploaded - self.bronze

    @property
    def accounted(self) -> int:
        return self.gold_records + sum(self.unmatched.values()) + sum(self.rejected.values()) + self.duplicates

    @property
    def balanced(self) -> bool:
        return self.accounted == self.bronze and all(m.balanced for m in self.metrics.values())

    @property
    def rate_unmatched(self) -> int:
        return sum(n for reason, n in self.unmatched.items() if reason not in RATE_EXCLUDED)

    @property
    def matchable(self) -> int:
        return self.gold_records + self.rate_unmatched

    @property
    def unmatched_rate(self) -> float | None:
        return self.rate_unmatched / self.matchable if self.matchable else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform, "filename": self.filename, "uploaded": self.uploaded,
            "bronze": self.bronze, "pending": self.pending, "gold_records": self.gold_records,
            "gold_rows": self.gold_rows, "unmatched": self.unmatched, "duplicates": self.duplicates,
            "rejected": self.rejected, "matched": self.matched, "matchable": self.matchable,
            "unmatched_rate": self.unmatched_rate, "balanced": self.balanced,
            "metrics": {m.name: {"in": str(m.total_in), "uploaded": str(m.uploaded), "derived": m.derived,
                                 "normalized": str(m.normalized), "gold": str(m.gold), "unmatched": str(m.unmatched),
                                 "rejected": str(m.rejected), "difference": str(m.difference),
                                 "unparsed_cells": m.unparsed_cells, "balanced": m.balanced}
                        for m in self.metrics.values()},
        }


@dataclass
class Reports:
    target: str
    files: list[FileReport]
    missing: list[str]


def parse_number(text: Any) -> Decimal | None:
    """An uploaded metric cell as a number; None for blank or not a finite number."""
    if text is None:
        return None
    if isinstance(text, Decimal | int | float):
        return Decimal(str(text))
    value = str(text).strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class _Reader:
    """Queries over one target's relations with the report's filters as bound parameters."""

    def __init__(self, database: db.Database, filename: str | None, platform: str | None) -> None:
        self.database = database
        self.env = project.environment_map(database.target)
        self.missing: list[str] = []
        conditions: list[str] = []
        self.params: list[Any] = []
        if filename is not None:
            conditions.append(f"filename = {database.param}")
            self.params.append(filename)
        if platform is not None:
            conditions.append(f"lower(platform) = lower({database.param})")
            self.params.append(platform)
        self.where = ("where " + " and ".join(conditions)) if conditions else ""

    def relation(self, location: str, name: str) -> tuple[str, set[str]] | None:
        """Quoted reference and columns of a relation, or None (recorded in missing) when not built."""
        if name.startswith("@"):
            name = str(self.env[name[1:]])
        loc = project.location(self.database.target, location)
        p = self.database.param
        # p is the driver's placeholder; schema and name are bound
        sql = f"select column_name from information_schema.columns where table_schema = {p} and table_name = {p}"  # noqa: S608
        rows = self.database.query(sql, [self.database.fold(loc.schema), self.database.fold(name)])
        if not rows:
            self.missing.append(f"{location}.{name}")
            return None
        return f"{self.database.schema_ref(location)}.{self.database.ident(name)}", {str(r[0]).lower() for r in rows}

    def grouped(self, ref: str, keys: Sequence[str], aggregates: Sequence[str]) -> list[tuple[Any, ...]]:
        """platform, filename, keys..., aggregates... per group (identifiers from this module only)."""
        group = ["platform", "filename", *keys]
        cols = ", ".join([*group, *aggregates])
        # ref and columns come from the environment map and this module; values are bound parameters
        sql = f"select {cols} from {ref} {self.where} group by {', '.join(group)}"  # noqa: S608
        return self.database.query(sql, self.params)

    def cells(self, ref: str, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """platform, filename, columns... of every row (identifiers from this module only)."""
        cols = ", ".join(["platform", "filename", *columns])
        return self.database.query(f"select {cols} from {ref} {self.where}", self.params)  # noqa: S608


def build_reports(target: str | None = None, filename: str | None = None,  # noqa: C901 - one section per layer (upload, bronze, silver, gold), each optional on the target
                  platform: str | None = None) -> Reports:
    """One FileReport per (platform, file) on the target, optionally filtered."""
    database = db.connect(target)
    try:
        reader = _Reader(database, filename, platform)
        files: dict[FileKey, FileReport] = {}

        def get(row: tuple[Any, ...]) -> FileReport:
            key = (str(row[0]), str(row[1]))
            if key not in files:
                files[key] = FileReport(platform=key[0], filename=key[1],
                                        metrics={m: MetricTotals(m) for m, _ in METRICS})
            return files[key]

        upload = reader.relation("upload", "platform_viewership")
        if upload:
            ref, cols = upload
            metric_cols = [m for m, _ in METRICS if m in cols]
            for row in reader.cells(ref, metric_cols):
                report = get(row)
                report.uploaded += 1
                for name, cell in zip(metric_cols, row[2:], strict=True):
                    number = parse_number(cell)
                    if cell is not None and str(cell).strip():
                        report.metrics[name].uploaded_cells += 1
                    if number is not None:
                        report.metrics[name].uploaded += number
                    elif cell is not None and str(cell).strip():
                        report.metrics[name].unparsed_cells += 1
        bronze = reader.relation("bronze", "stg_upload__platform_viewership")
        if bronze:
            for row in reader.grouped(bronze[0], [], ["count(*)"]):
                get(row).bronze = int(row[2])
        gold = reader.relation("gold", "@episode_details_table")
        if gold:
            ref, cols = gold
            for row in reader.grouped(ref, [], ["count(distinct viewership_id)"]):
                get(row).gold_records = int(row[2])
            for row in reader.grouped(ref, ["label"], ["count(*)"]):
                get(row).gold_rows[str(row[2])] = int(row[3])
            for row in reader.grouped(ref, ["match_bucket", "match_branch"], ["count(distinct viewership_id)"]):
                get(row).matched[f"{row[2]} / {row[3]}"] = int(row[4])
            sums = [f"sum({col})" for m, col in METRICS if col in cols]
            names = [m for m, col in METRICS if col in cols]
            for row in reader.grouped(ref, [], sums):
                for name, value in zip(names, row[2:], strict=True):
                    get(row).metrics[name].gold = Decimal(str(value or 0))
        unmatched = reader.relation("gold", "fct_viewership_unmatched")
        if unmatched:
            ref, cols = unmatched
            for row in reader.grouped(ref, ["unmatched_reason"], ["count(*)"]):
                report = get(row)
                if row[2] == DUPLICATE:
                    report.duplicates = int(row[3])
                else:
                    report.unmatched[str(row[2])] = int(row[3])
            names = [m for m, _ in METRICS if m in cols]
            for row in reader.grouped(ref, [], [f"sum({m})" for m in names]):
                for name, value in zip(names, row[2:], strict=True):
                    get(row).metrics[name].unmatched = Decimal(str(value or 0))
        normalized = reader.relation("silver", "int_viewership_normalized")
        if normalized:
            ref, cols = normalized
            names = [m for m, _ in METRICS if m in cols]
            for row in reader.grouped(ref, [], [f"sum({m})" for m in names]):
                for name, value in zip(names, row[2:], strict=True):
                    get(row).metrics[name].normalized = Decimal(str(value or 0))
        rejected = reader.relation("silver", "int_viewership_rejected")
        if rejected:
            ref, cols = rejected
            for row in reader.grouped(ref, ["reject_reason"], ["count(*)"]):
                get(row).rejected[str(row[2])] = int(row[3])
            names = [m for m, _ in METRICS if f"{m}_raw" in cols]
            for row in reader.cells(ref, [f"{m}_raw" for m in names]):
                for name, cell in zip(names, row[2:], strict=True):
                    number = parse_number(cell)
                    if number is not None:
                        get(row).metrics[name].rejected += number
        for report in files.values():
            report.unmatched = dict(sorted(report.unmatched.items()))
            report.rejected = dict(sorted(report.rejected.items()))
            report.matched = dict(sorted(report.matched.items()))
            report.gold_rows = dict(sorted(report.gold_rows.items()))
            report.metrics = {k: m for k, m in report.metrics.items()
                              if m.uploaded_cells or m.normalized or m.accounted}
        ordered = [files[k] for k in sorted(files)]
        return Reports(target=database.target, files=ordered, missing=reader.missing)
    finally:
        database.close()

