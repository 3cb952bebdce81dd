"""Shared pieces of a benchmark run: progress lines, sizes, the Series of runs and dbt's run results."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from viewership.bench.runner import Measurement
from viewership.bench.warehouse import BenchWarehouse

STARTED = time.perf_counter()
BUILD_EXCLUDES = ("--exclude-resource-type", "unit_test")


def progress(message: str) -> None:
    elapsed = int(time.perf_counter() - STARTED)
    click.echo(f"[bench {elapsed // 60:02d}:{elapsed % 60:02d}] {message}", err=True)


def human(rows: int) -> str:
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1_000 and rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


@dataclass
class Series:
    """Repeated measurements of one subject at one size on one engine."""

    subject: str
    engine: str
    rows: int
    seconds: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)
    backend_peak_rss_mb: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    def add(self, m: Measurement, seconds: float | None = None) -> None:
        self.seconds.append(round(m.seconds if seconds is None else seconds, 3))
        self.peak_rss_mb.append(round(m.peak_rss_mb, 1))
        self.cpu_seconds.append(round(m.cpu_seconds, 2))
        if m.backend_peak_rss_mb is not None:
            self.backend_peak_rss_mb.append(round(m.backend_peak_rss_mb, 1))


def _env(root: Path) -> dict[str, str]:
    from viewership.bench.warehouse import _base_env

    return _base_env(root)


def _run_results(wh: BenchWarehouse, target_path: Path | None = None) -> list[dict[str, Any]]:
    path = (target_path or wh.target_path) / "run_results.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for r in data.get("results", []):
        uid = r.get("unique_id", "")
        parts = uid.split(".")
        # model.<project>.<name>[.v<version>]; test.<project>.<name>.<hash>
        name = ".".join(parts[2:]) if parts[0] == "model" else parts[2] if len(parts) > 2 else uid
        out.append({"name": name,
                    "kind": uid.split(".")[0], "status": r.get("status"),
                    "seconds": round(float(r.get("execution_time") or 0), 3)})
    return out
