"""The benchmark results as read by the report: labels, the Results view and number formatting."""

from __future__ import annotations

import statistics
from typing import Any

LABELS = {
    "dbt_build": "ours: `dbt build` (models + data tests; unit tests excluded)",
    "unit_tests": "ours: the dbt unit tests alone (`dbt test --resource-type unit_test`; CI only)",
    "dbt_run_incremental": "ours: incremental `dbt run` (+1 file of ~1%)",
    "dbt_build_before_incremental": "ours: `dbt build` of the history before the incremental runs (1 run)",
    "floor": "raw-SQL floor (models + test queries)",
    "floor_models": "raw-SQL floor (models only)",
    "fixed": "fixed procedural port",
    "legacy": "faithful legacy algorithm",
    "generate": "synthetic generator (not a competitor)",
    "loader": "loader: one synthetic Pluto file (`python -m viewership.loader.bench`)",
    "redline_check": "`redline check` (compiles and checks dev, ci, staging, prod)",
}


def _rows(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n) if n else "-"


class Results:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.by_key = {(r["subject"], r["engine"], r["rows"]): r for r in data["results"]}

    def median(self, subject: str, engine: str, rows: int) -> float | None:
        r = self.by_key.get((subject, engine, rows))
        return r["median"] if r else None

    def cpu(self, subject: str, engine: str, rows: int) -> float | None:
        r = self.by_key.get((subject, engine, rows))
        return statistics.median(r["cpu_seconds"]) if r and r.get("cpu_seconds") else None

    def get(self, subject: str, engine: str, rows: int) -> dict[str, Any] | None:
        return self.by_key.get((subject, engine, rows))

    def sizes(self, subject: str, engine: str) -> list[int]:
        return sorted(rows for (s, e, rows) in self.by_key if s == subject and e == engine)


# The part of our DAG that does what the fixed port does: ref_id and internal_series assignment, catalog keys,
# record keys, the six buckets and the winner.
MATCHING_SLICE = (
    "int_viewership_ref_ids_assigned", "int_viewership_internal_series_assigned", "int_catalog_title_keys",
    "int_catalog_series_keyed", "int_catalog_episodes_keyed", "int_viewership_match_keys", "int_match_full_data",
    "int_match_ref_id_series", "int_match_ref_id_only", "int_match_series_season_episode", "int_match_series_only",
    "int_match_title_only", "int_viewership_matched",
)


def slice_seconds(res: Results, subject: str, engine: str, rows: int) -> float | None:
    """Seconds of the matching slice in the last run (dbt: per-model execution times; floor: raw SQL)."""
    rec = res.get(subject, engine, rows)
    if not rec:
        return None
    per_model = rec.get("detail", {}).get("model_seconds" if subject == "dbt_build" else "seconds_by_model", {})
    found = [float(per_model[m]) for m in MATCHING_SLICE if m in per_model]
    return sum(found) if found else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _fmt(x: float | None, unit: str = "", digits: int = 1) -> str:
    return "n/a" if x is None else f"{x:,.{digits}f}{unit}"


def _status(value: float | None, ok: bool | None) -> str:
    if value is None or ok is None:
        return "not measured"
    return "**met**" if ok else "**missed**"
