"""Write docs/BENCHMARKS.md and docs/benchmarks.png from the benchmark results (a plain dict, see cli.py)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import statistics
from pathlib import Path
from typing import Any

import click

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


def targets(res: Results) -> list[tuple[str, str, str]]:
    """(target, measured, status) rows, in the issue's order."""
    data = res.data
    rows: list[tuple[str, str, str]] = []
    ln = data["legacy_rows"]
    legacy = res.median("legacy", "duckdb", ln)
    ours_small = res.median("dbt_build", "duckdb", ln)
    floor_small = res.median("floor_models", "duckdb", ln)
    r = _ratio(legacy, ours_small)
    rows.append((f"≥ 100× faster than the faithful legacy on the {_rows(ln)}-record file (DuckDB)",
                 f"legacy {_fmt(legacy, ' s')} / `dbt build` {_fmt(ours_small, ' s')} = {_fmt(r, '×')}"
                 f" (vs the raw-SQL floor of our models {_fmt(floor_small, ' s', 2)}: "
                 f"{_fmt(_ratio(legacy, floor_small), '×')}; in CPU seconds: legacy "
                 f"{_fmt(res.cpu('legacy', 'duckdb', ln), ' s')} / `dbt build` "
                 f"{_fmt(res.cpu('dbt_build', 'duckdb', ln), ' s')} = "
                 f"{_fmt(_ratio(res.cpu('legacy', 'duckdb', ln), res.cpu('dbt_build', 'duckdb', ln)), '×')})",
                 _status(r, r is not None and r >= 100)))
    for engine in ("duckdb", "postgres"):
        for n in res.sizes("fixed", engine):
            if n == ln or res.median("dbt_build", engine, n) is None:
                continue
            fixed, ours = res.median("fixed", engine, n), res.median("dbt_build", engine, n)
            r = _ratio(fixed, ours)
            stretch = " (stretch 2× met)" if r and r >= 2 else ""
            sl_dbt, sl_floor = slice_seconds(res, "dbt_build", engine, n), slice_seconds(res, "floor", engine, n)
            rows.append((f"≥ 1.5× faster than the fixed procedural port at {_rows(n)} ({engine})",
                         f"fixed {_fmt(fixed, ' s')} / whole `dbt build` {_fmt(ours, ' s')} = {_fmt(r, '×', 2)}"
                         f"{stretch}; like for like, fixed / our matching slice: under dbt {_fmt(sl_dbt, ' s')} = "
                         f"{_fmt(_ratio(fixed, sl_dbt), '×', 2)}, as raw SQL {_fmt(sl_floor, ' s')} = "
                         f"{_fmt(_ratio(fixed, sl_floor), '×', 2)}; fixed / floor of all models "
                         f"{_fmt(_ratio(fixed, res.median('floor_models', engine, n)), '×', 2)}"
                         + (f"; CPU seconds fixed / `dbt build`: "
                            f"{_fmt(_ratio(res.cpu('fixed', engine, n), res.cpu('dbt_build', engine, n)), '×', 2)}"
                            if engine == "duckdb" else ""),
                         _status(r, r is not None and r >= 1.5)))
    duck = res.sizes("dbt_build", "duckdb")
    big = max((n for n in duck if n != ln), default=None)
    if big:
        b, f = res.median("dbt_build", "duckdb", big), res.median("floor", "duckdb", big)
        r = _ratio(b, f)
        rows.append((f"Full `dbt build` at {_rows(big)} ≤ 1.5× the raw-SQL floor",
                     f"`dbt build` {_fmt(b, ' s')} / floor (models + test queries) {_fmt(f, ' s')} = "
                     f"{_fmt(r, '×', 2)}; "
                     f"vs floor (models only) {_fmt(_ratio(b, res.median('floor_models', 'duckdb', big)), '×', 2)}",
                     _status(r, r is not None and r <= 1.5)))
        small = big // 10
        if small in duck:
            s = res.median("dbt_build", "duckdb", small)
            r = _ratio(b, s)
            cpu_r = _ratio(res.cpu("dbt_build", "duckdb", big), res.cpu("dbt_build", "duckdb", small))
            rows.append((f"{_rows(big)} time ≤ 12× the {_rows(small)} time",
                         f"{_fmt(b, ' s')} / {_fmt(s, ' s')} = {_fmt(r, '×', 2)} (CPU seconds: "
                         f"{_fmt(cpu_r, '×', 2)})",
                         _status(r, r is not None and r <= 12)))
        inc_sizes = res.sizes("dbt_run_incremental", "duckdb")
        at = big if big in inc_sizes else (max(inc_sizes) if inc_sizes else big)
        inc = res.median("dbt_run_incremental", "duckdb", at)
        full = res.median("dbt_build", "duckdb", at) or res.median("dbt_build_before_incremental", "duckdb", at)
        r = _ratio(inc, full)
        rows.append((f"Incremental `dbt run` for a new 1% file at {_rows(at)} ≤ 10% of the full run (stretch 5%)",
                     f"{_fmt(inc, ' s')} / full `dbt build` {_fmt(full, ' s')} = "
                     f"{_fmt(None if r is None else r * 100, ' %')}",
                     _status(r, r is not None and r <= 0.10)))
        rec = res.get("dbt_build", "duckdb", big)
        rss = max(rec["peak_rss_mb"]) / 1024 if rec and rec["peak_rss_mb"] else None
        rows.append((f"Peak RSS ≤ 4 GB at {_rows(big)} on DuckDB", f"{_fmt(rss, ' GB', 2)} (`dbt build`, max of runs)",
                     _status(rss, rss is not None and rss <= 4.0)))
    for n in res.sizes("dbt_build", "postgres"):
        b = res.median("dbt_build", "postgres", n)
        fm = res.median("floor_models", "postgres", n)
        per_m = b / (n / 1e6) if b and n else None
        rows.append((f"PostgreSQL ≤ 25 s per million rows for the models ({_rows(n)})",
                     f"`dbt build` {_fmt(per_m, ' s')}/M (models alone, raw SQL: "
                     f"{_fmt(fm / (n / 1e6) if fm else None, ' s')}/M)",
                     _status(per_m, per_m is not None and per_m <= 25)))
    wall = data["wall_seconds"] / 60
    full_runs = [r for r in data.get("invocations", []) if r.get("full")]
    if data.get("merged") and full_runs:
        one = min(r["wall_seconds"] for r in full_runs) / 60
        rows.append(("`make bench` completes in under 30 minutes on 2 cores",
                     f"{one:.1f} min for one full invocation (the merged report adds up to {wall:.1f} min)",
                     _status(one, one < 30)))
    elif data.get("merged"):
        rows.append(("`make bench` completes in under 30 minutes on 2 cores",
                     f"not timed as one full invocation: the report merges partial runs that add up to {wall:.1f} "
                     "min", "not measured"))
    else:
        rows.append(("`make bench` completes in under 30 minutes on 2 cores",
                     f"{wall:.1f} min" + (" (quick mode)" if data.get("quick") else ""),
                     _status(wall, wall < 30)))
    return rows


def _model_profile(res: Results) -> list[str]:
    """Per-model seconds at the largest DuckDB scale: dbt (run_results) and raw SQL (floor)."""
    duck = [n for n in res.sizes("dbt_build", "duckdb") if n != res.data["legacy_rows"]]
    lines: list[str] = []
    for engine, sizes in (("duckdb", duck), ("postgres", res.sizes("dbt_build", "postgres"))):
        if not sizes:
            continue
        n = max(sizes)
        build = res.get("dbt_build", engine, n)
        floor = res.get("floor", engine, n)
        model_s = (build or {}).get("detail", {}).get("model_seconds", {})
        floor_s = (floor or {}).get("detail", {}).get("seconds_by_model", {})
        # slowest first; ties by name, so rendering the same results twice gives the same file
        names = sorted(set(model_s) | set(floor_s), key=lambda m: (-(model_s.get(m) or floor_s.get(m) or 0), m))
        if not names:
            continue
        lines += [f"### Where the time goes: {engine}, {_rows(n)} rows (last run)", "",
                  "| model | dbt (s) | raw SQL (s) |", "| --- | ---: | ---: |"]
        for m in names:
            lines.append(f"| `{m}` | {_fmt(model_s.get(m), '', 2)} | {_fmt(floor_s.get(m), '', 2)} |")
        tests = (build or {}).get("detail", {}).get("test_seconds_total")
        lines += ["", f"Data tests under dbt: {_fmt(tests, ' s', 1)} in total "
                  f"(raw test queries: {_fmt((floor or {}).get('detail', {}).get('seconds_tests'), ' s', 1)}).", ""]
    return lines


def write(data: dict[str, Any], md_path: Path, png_path: Path) -> None:
    res = Results(data)
    _plot(res, png_path)
    m = data["machine"]
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `python -m viewership.bench{' --quick' if data.get('quick') else ''}` (`make bench`) on {when}. "
        "Do not edit by hand: rerun the script.",
        "",
        f"Every figure is the **median of its runs** (the 'runs' column below lists each one; {data['runs']} per "
        "measurement unless that column shows fewer — the quadratic legacy and any size marked so run once), on "
        "synthetic data from "
        f"`viewership-generate` (seed {data['seed']}, catalog of {data['catalog_episodes']:,} episodes), each run on a "
        "freshly restored copy of the generated database (DuckDB file under `.local/bench/`, or a PostgreSQL "
        "database created for the run and dropped afterwards).",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in m.items()],
        f"| load average at the end (1, 5, 15 min) | {data.get('load_average')} (the benchmark's own processes "
        "included: on 2 cores about 2 means nothing else ran; higher means other work shared the machine) |",
        f"| total wall time | {data['wall_seconds'] / 60:.1f} min |",
        "",
        "## Targets (issue 9)",
        "",
        "| target | measured | status |",
        "| --- | --- | --- |",
        *[f"| {t} | {v} | {s} |" for t, v, s in targets(res)],
        "",
        "![time vs rows](benchmarks.png)",
        "",
        "## All measurements",
        "",
        "Seconds: wall-clock median (all runs). CPU: median user + system seconds of the measured process and its "
        "threads (DuckDB runs in-process, so this is the engine's work; on PostgreSQL the server's CPU is not in "
        "it), a steadier figure than wall time on a shared machine. Peak RSS: the measured process (dbt, or the "
        "Python process driving the engine); for PostgreSQL also the largest server backend (VmHWM).",
        "",
        "| what | engine | rows | median (s) | runs (s) | CPU (s) | peak RSS (MB) | PG backend peak (MB) |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    order = ["legacy", "fixed", "dbt_build", "floor", "floor_models", "dbt_run_incremental", "unit_tests", "generate",
             "loader"]
    results = sorted(data["results"], key=lambda r: (order.index(r["subject"]) if r["subject"] in order else 99,
                                                      r["engine"], r["rows"]))
    for r in results:
        label = LABELS.get(r["subject"], r["subject"])
        rss = max(r["peak_rss_mb"]) if r["peak_rss_mb"] else None
        be = max(r["backend_peak_rss_mb"]) if r["backend_peak_rss_mb"] else None
        cpu = statistics.median(r["cpu_seconds"]) if r.get("cpu_seconds") else None
        lines.append(f"| {label} | {r['engine']} | {_rows(r['rows'])} | {_fmt(r['median'], '', 2)} | "
                     f"{', '.join(f'{s:.2f}' for s in r['seconds'])} | {_fmt(cpu, '', 1)} | {_fmt(rss, '', 0)} | "
                     f"{_fmt(be, '', 0)} |")
    failing = sorted({(r["engine"], _rows(r["rows"]), t) for r in results
                      for t in (r.get("detail") or {}).get("failed_tests", [])})
    if failing:
        lines += ["", "Data tests that failed on the synthetic data (their models were built; the run's exit code was "
                  "1, which the benchmark accepts when no model failed): "
                  + "; ".join(f"{e} {n}: `{t}`" for e, n, t in failing) + "."]
    lines += ["", "## Ratios", "", "| ratio | engine | rows | value |", "| --- | --- | ---: | ---: |"]
    for engine in ("duckdb", "postgres"):
        for n in res.sizes("dbt_build", engine):
            b = res.median("dbt_build", engine, n)
            for subject, label in (("legacy", "legacy / dbt build"), ("fixed", "fixed port / dbt build"),
                                   ("floor", "dbt build / floor (models + tests)"),
                                   ("floor_models", "dbt build / floor (models)")):
                other = res.median(subject, engine, n)
                if other is None:
                    continue
                value = _ratio(other, b) if subject in ("legacy", "fixed") else _ratio(b, other)
                lines.append(f"| {label} | {engine} | {_rows(n)} | {_fmt(value, '×', 2)} |")
            fx, fm = res.median("fixed", engine, n), res.median("floor_models", engine, n)
            if fx and fm:
                lines.append(f"| fixed port / floor (models) | {engine} | {_rows(n)} | "
                             f"{_fmt(_ratio(fx, fm), '×', 2)} |")
            inc = res.median("dbt_run_incremental", engine, n)
            if inc is not None:
                lines.append(f"| incremental run / full build | {engine} | {_rows(n)} | "
                             f"{_fmt(_ratio(inc, b), '×', 3)} |")
        for n in res.sizes("legacy", engine):
            lg, fx = res.median("legacy", engine, n), res.median("fixed", engine, n)
            if lg and fx:
                lines.append(f"| legacy / fixed port (same records) | {engine} | {_rows(n)} | "
                             f"{_fmt(_ratio(lg, fx), '×', 1)} (per record: legacy {lg / n:.3f} s) |")
        sizes = res.sizes("dbt_build", engine)
        for a, c in itertools.pairwise(sizes):
            growth = _ratio(res.median("dbt_build", engine, c), res.median("dbt_build", engine, a))
            lines.append(f"| dbt build {_rows(c)} / {_rows(a)} | {engine} | - | {_fmt(growth, '×', 2)} |")
    lines += ["", "## Per-bucket cost of the references", "",
              "Seconds spent in each bucket (queue step + UPDATE) and records matched, last run.", "",
              "| reference | engine | rows | prepare (s) | " + " | ".join(
                  b.replace("_", " ").lower() for b in _BUCKETS) + " | matched |",
              "| --- | --- | ---: | ---: | " + " | ".join("---:" for _ in _BUCKETS) + " | ---: |"]
    for r in results:
        if r["subject"] not in ("legacy", "fixed"):
            continue
        d = r.get("detail") or {}
        cells = [f"{d.get('seconds_by_bucket', {}).get(b, 0):.2f} s / {d.get('matched_by_bucket', {}).get(b, 0):,}"
                 for b in _BUCKETS]
        lines.append(f"| {r['subject']} | {r['engine']} | {_rows(r['rows'])} | {d.get('seconds_prepare', 0):.2f} | "
                     + " | ".join(cells) + f" | {d.get('matched', 0):,} / {d.get('records', 0):,} |")
    lines += ["", "## Do we match the same records?", "",
              "Our matched set (`int_viewership_matched`) against the reference's, on the records our silver layer "
              "normalized (rows it quarantines are outside both). 'same bucket' counts records matched by the same "
              "bucket in both. 'only ours, untitled' are records without a content name that our "
              "SERIES_SEASON_EPISODE matches by series + season + episode, where the legacy's pass 1 demanded a title "
              "(a [CONFLICT] of DOMAIN §5.3.4 resolved in the gold model).", "",
              "| engine | rows | reference | normalized | ours | reference | both | only ours | only ours, untitled | "
              "only reference | same bucket |",
              "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for a in data["agreement"]:
        lines.append(f"| {a['engine']} | {_rows(a['rows'])} | {a['reference']} | {a['normalized']:,} | {a['ours']:,} | "
                     f"{a['reference_matched']:,} | {a['both']:,} | {a['only_ours']:,} | "
                     f"{a.get('only_ours_untitled', 0):,} | "
                     f"{a['only_reference']:,} | "
                     f"{a['same_bucket']:,} |")
    if not data["agreement"]:
        lines.append("| (no comparison: the matching models were not available) | | | | | | | | | | |")
    lines += ["", "The matching slice = " + ", ".join(f"`{m}`" for m in MATCHING_SLICE) + ": the models that do "
              "what the fixed port does (its 'prepare' assigns ref_id and internal_series, then keys and buckets). "
              "Under dbt its seconds are the per-model execution times of the last run, summed (two threads may "
              "overlap them).", ""]
    lines += ["", *_model_profile(res)]
    lines += ["## How the references work", "",
              "* **Faithful legacy** (`scripts/viewership/bench/sql/legacy/`): DOMAIN §5.1 orchestrator per platform "
              "(queue table of unmatched ids, pre-check, one bucket table and one `UPDATE … FROM (subquery)` per "
              "bucket "
              "in legacy order, queue shrinks after each bucket, final-unmatched log) with the legacy join conditions, "
              "including `lower(regexp_replace(trim(title), '[^A-Za-z0-9]', ''))` equality OR-ed over `title` and "
              "`clean_title` against the whole metadata catalog. The conflict MERGEs of §5.4 are left out (they do not "
              "change what matches and would only make the legacy slower).",
              "* **Fixed procedural port** (`sql/fixed/`): the same orchestrator and bucket semantics, but the catalog "
              "keyed once (long-form title keys, active series with their primary title, episodes joined to their "
              "series), the content title normalized once per record, equality joins only, and each UPDATE fed by a "
              "materialized, de-duplicated, id-sorted source; `ANALYZE` on PostgreSQL.",
              "* Both start from `bench_ref.staging`, a copy of the upload rows with the legacy normalization minimum "
              "(ref_id = `platform_content_id` when it is a catalog ref_id; internal_series from the dictionary by "
              "`platform_series`, else by a dictionary entry or series contained in the content name, DOMAIN §4.5: "
              "per record with LIKE in the legacy, once per distinct content name in the port); that copy is part of "
              "their measured time ('prepare').",
              "* **Raw-SQL floor** (`floor.py`): the compiled SQL of our own models from the `dbt build` manifest, run "
              "in DAG order as `CREATE VIEW`/`CREATE TABLE AS` in one connection, then every data test's query; no "
              "hooks, grants, contract DDL or unit tests.", ""]
    if data["notes"] or data.get("failures"):
        lines += ["## Notes and gaps", ""] + [f"* {n}" for n in data["notes"]] + [""]
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")


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


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--results", "results_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              required=True, help="results.json written by `python -m viewership.bench`.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Where BENCHMARKS.md, benchmarks.png and benchmarks.json go.")
@click.option("--note", "notes", multiple=True, help="A note for 'Notes and gaps' (repeatable).")
def main(results_path: Path, out_dir: Path, notes: tuple[str, ...]) -> None:
    """Render the report again from a results file (no measurement), e.g. to add notes about the run."""
    data = json.loads(results_path.read_text(encoding="utf-8"))
    data["notes"] = list(data.get("notes") or []) + [n for n in notes if n not in (data.get("notes") or [])]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "benchmarks.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write(data, out_dir / "BENCHMARKS.md", out_dir / "benchmarks.png")
    click.echo(f"wrote {out_dir / 'BENCHMARKS.md'}, {out_dir / 'benchmarks.png'}, {out_dir / 'benchmarks.json'}")


if __name__ == "__main__":
    main()
