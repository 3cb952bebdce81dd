"""docs/benchmarks.png: the chart of the benchmark results."""

from __future__ import annotations

import statistics
from pathlib import Path

from viewership.bench.report_data import Results

_BUCKETS = ("FULL_DATA", "REF_ID_SERIES", "REF_ID_ONLY", "SERIES_SEASON_EPISODE", "SERIES_ONLY", "TITLE_ONLY")


def _plot(res: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_cpu) = plt.subplots(1, 2, figsize=(14, 7), dpi=100)
    styles = [
        ("dbt_build", "duckdb", "ours: dbt build (DuckDB)", "o-", "tab:blue"),
        ("floor", "duckdb", "raw-SQL floor (DuckDB)", "s--", "tab:cyan"),
        ("fixed", "duckdb", "fixed procedural port (DuckDB)", "^-", "tab:orange"),
        ("legacy", "duckdb", "faithful legacy (DuckDB)", "X-", "tab:red"),
        ("dbt_build", "postgres", "ours: dbt build (PostgreSQL)", "o:", "tab:green"),
        ("floor", "postgres", "raw-SQL floor (PostgreSQL)", "s:", "tab:olive"),
        ("fixed", "postgres", "fixed procedural port (PostgreSQL)", "^:", "tab:brown"),
        ("legacy", "postgres", "faithful legacy (PostgreSQL, sample)", "X:", "tab:purple"),
        ("dbt_run_incremental", "duckdb", "ours: incremental run, +1% file (DuckDB)", "D", "tab:gray"),
    ]
    for subject, engine, label, style, color in styles:
        recs = [r for n in res.sizes(subject, engine) if (r := res.get(subject, engine, n)) and r["median"]]
        if recs:
            ax.plot([r["rows"] for r in recs], [r["median"] for r in recs], style, color=color, label=label,
                    markersize=7)
        cpu = [(r["rows"], statistics.median(r["cpu_seconds"])) for r in recs if r.get("cpu_seconds")]
        if cpu and engine == "duckdb":
            ax_cpu.plot([c[0] for c in cpu], [c[1] for c in cpu], style, color=color, label=label, markersize=7)
    for a, title, ylabel in (
        (ax, "wall-clock time vs rows", "seconds (median of the runs)"),
        (ax_cpu, "CPU time vs rows, DuckDB (steadier on a shared machine)", "CPU seconds (user + system, median)"),
    ):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("upload rows")
        a.set_ylabel(ylabel)
        a.set_title(title, fontsize=10)
        a.grid(True, which="both", alpha=0.3)
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    fig.suptitle(f"Viewership pipeline vs references (catalog {res.data['catalog_episodes']:,} episodes)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
