"""Per-file statistics gathered while rows stream past, and their text / JSON renderings."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from viewership.loader.transforms import to_decimal


@dataclass
class Unparsed:
    """Cells of one column that could not be cleaned (written raw for silver to quarantine)."""

    count: int
    first_line: int
    example: str


@dataclass
class Skipped:
    """Rows left out by one skip rule: the source rows, the upload rows they would have made, their metrics."""

    source_rows: int = 0
    rows_not_written: int = 0
    metric_totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class FileStats:
    """What happened to one file."""

    file: str
    filename: str
    platform: str
    template: str
    data_type: str
    target: str | None = None
    encoding: str = ""
    delimiter: str = ""
    header_line: int = 0
    banner_rows: int = 0
    rows_read: int = 0
    rows_written: int = 0
    rows_skipped: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, Skipped] = field(default_factory=dict)
    content_fingerprint: str | None = None
    duplicate_of: list[str] = field(default_factory=list)  # files holding the same content (loaded anyway)
    template_choice: str | None = None  # how --template auto decided
    metric_totals: dict[str, Decimal] = field(default_factory=dict)
    unparsed: dict[str, Unparsed] = field(default_factory=dict)
    date_format: str | None = None
    split: str | None = None
    replaced_rows: int = 0
    dry_run: bool = False
    seconds: float = 0.0
    preview: list[dict[str, str | None]] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None

    def note_unparsed(self, column: str, line: int, raw: str) -> None:
        entry = self.unparsed.get(column)
        if entry is None:
            self.unparsed[column] = Unparsed(1, line, raw)
        else:
            entry.count += 1

    def note_skipped(self, reason: str, rows_not_written: int, metrics: list[dict[str, str | None]]) -> None:
        self.rows_skipped[reason] += 1
        entry = self.skipped.setdefault(reason, Skipped())
        entry.source_rows += 1
        entry.rows_not_written += rows_not_written
        for values in metrics:
            for name, text in values.items():
                number = to_decimal(text)
                if number is not None and number.is_finite():
                    entry.metric_totals[name] = entry.metric_totals.get(name, Decimal(0)) + number

    def add_metrics(self, values: dict[str, str | None]) -> None:
        for name, text in values.items():
            number = to_decimal(text)
            if number is not None:
                self.metric_totals[name] = self.metric_totals.get(name, Decimal(0)) + number

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "filename": self.filename,
            "platform": self.platform,
            "template": self.template,
            "data_type": self.data_type,
            "target": self.target,
            "status": self.status,
            "error": self.error,
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_line": self.header_line,
            "banner_rows": self.banner_rows,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_skipped": dict(sorted(self.rows_skipped.items())),
            "skipped_detail": {
                reason: {"source_rows": v.source_rows, "rows_not_written": v.rows_not_written,
                         "metric_totals": {k: float(t) for k, t in sorted(v.metric_totals.items())}}
                for reason, v in sorted(self.skipped.items())
            },
            "content_fingerprint": self.content_fingerprint,
            "duplicate_content_of": self.duplicate_of,
            "template_choice": self.template_choice,
            "replaced_rows": self.replaced_rows,
            "metric_totals": {k: float(v) for k, v in sorted(self.metric_totals.items())},
            "unparsed_cells": {
                k: {"count": v.count, "first_line": v.first_line, "example": v.example}
                for k, v in sorted(self.unparsed.items())
            },
            "date_format": self.date_format,
            "quarterly_split": self.split,
            "seconds": round(self.seconds, 3),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=False)

    def to_text(self) -> str:
        verb = "would write" if self.dry_run else "wrote"
        lines = [
            f"{self.filename}  [{self.platform} / {self.template} / {self.data_type}]"
            + (f"  -> {self.target}" if self.target and not self.dry_run else ""),
            f"  read      {self.rows_read:>10,} data rows (header on line {self.header_line}, "
            f"{self.banner_rows} banner row(s), {self.encoding}, "
            f"{'tab' if self.delimiter == chr(9) else repr(self.delimiter)}-separated)",
            f"  {verb:<9} {self.rows_written:>10,} upload rows"
            + (f" (replacing {self.replaced_rows:,})" if self.replaced_rows else ""),
        ]
        skipped = sum(self.rows_skipped.values())
        detail = ", ".join(f"{k} {v:,}" for k, v in sorted(self.rows_skipped.items()))
        lines.append(f"  skipped   {skipped:>10,} rows" + (f" ({detail})" if detail else ""))
        for reason, entry in sorted(self.skipped.items()):
            if not entry.rows_not_written and not entry.metric_totals:
                continue
            totals = ", ".join(f"{k} {v:,.2f}" for k, v in sorted(entry.metric_totals.items()))
            lines.append(
                f"    {reason}: {entry.source_rows:,} source row(s) = {entry.rows_not_written:,} upload row(s) not "
                f"written" + (f"; their totals {totals}" if totals else "")
            )
        if self.template_choice:
            lines.append(f"  template  {self.template_choice}")
        if self.duplicate_of:
            lines.append(f"  DUPLICATE same content as {', '.join(self.duplicate_of)}: loaded anyway "
                         "(--allow-duplicate-content)")
        if self.date_format:
            lines.append(f"  dates     {self.date_format}")
        if self.split:
            lines.append(f"  split     {self.split}")
        for name, total in sorted(self.metric_totals.items()):
            lines.append(f"  total     {name:<26} {total:>22,.2f}")
        for name, info in sorted(self.unparsed.items()):
            lines.append(
                f"  raw kept  {name:<26} {info.count:>10,} cell(s) not readable, first on line "
                f"{info.first_line}: {info.example!r}"
            )
        lines.append(f"  time      {self.seconds:>10.2f} s")
        return "\n".join(lines)
