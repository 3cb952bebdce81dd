"""`python -m viewership.bench` (`make bench`): measure the project against its references and write the report.

Plan (full mode; `--quick` shrinks every size and runs once):
1. a small dataset (`--legacy-rows`, 3k records, 100k-episode catalog) on DuckDB: `dbt build`, the raw-SQL
   floor, the FAITHFUL legacy algorithm and the fixed procedural port;
2. per DuckDB scale (`--scales`): generate once, then per run restore the generated snapshot and time
   `dbt build`, the fixed port (same database, after the build) and the raw-SQL floor (restored again);
3. at the largest DuckDB scale: append one new ~1% file to the built history and time `dbt run`;
4. PostgreSQL at `--pg-rows`: the same as 2, plus the legacy algorithm on a small sample;
5. the loader's 1M-row load and `redline check` per target, when those commands exist;
6. docs/BENCHMARKS.md + docs/benchmarks.png + docs/benchmarks.json (the raw results; quick mode: under
   .local/bench/quick/). `python -m viewership.bench.report --results … --out-dir …` renders them again.
Every database is isolated (DuckDB files under .local/bench/, PostgreSQL databases created and dropped here).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from viewership import project
from viewership.bench import report
from viewership.bench.machine import defaults, machine_info
from viewership.bench.measures import STARTED, Series, human, progress
from viewership.bench.runner import MeasureError
from viewership.bench.session import Bench
from viewership.bench.warehouse import postgres_available


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--quick", is_flag=True, help="CI-sized run (small sizes, one run, 20k-episode catalog); "
              "writes under .local/bench/quick/ unless --out-dir is given.")
@click.option("--scales", default=None, help="DuckDB full-build sizes, comma-separated [100000,1000000,10000000].")
@click.option("--pg-rows", type=int, default=None, help="PostgreSQL size [1000000]; 0 skips PostgreSQL.")
@click.option("--legacy-rows", type=int, default=None, help="Records of the legacy comparison file [3000].")
@click.option("--legacy-pg-rows", type=int, default=None,
              help="Records of the PostgreSQL legacy sample [50; 0 skips; the legacy takes ~0.8 s per record there].")
@click.option("--runs", type=click.IntRange(1, 20), default=None, help="Runs per measurement [3] (medians).")
@click.option("--catalog-episodes", type=int, default=None, help="Catalog size [100000].")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--out-dir", type=click.Path(path_type=Path), default=None,
              help="Where BENCHMARKS.md and benchmarks.png go [docs/; quick: .local/bench/quick/].")
@click.option("--work-dir", type=click.Path(path_type=Path), default=None, help="Databases [.local/bench/].")
@click.option("--merge-from", type=click.Path(path_type=Path, exists=True, dir_okay=False), multiple=True,
              help="results.json of an earlier run (repeatable): its measurements of parts not measured now are "
                   "kept (the report says so).")
@click.option("--gen-from", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Reuse a generated DuckDB file (one scale) instead of generating it again.")
@click.option("--manifest-from", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="manifest.json of a build of the same data, for the floor when the build is skipped.")
@click.option("--note", "extra_notes", multiple=True, help="A note for the report's 'Notes and gaps' (repeatable).")
@click.option("--incremental-rows", type=int, default=0,
              help="Also measure ONLY the incremental run at this size (one untimed-for-ratio build of the history "
                   "first), e.g. when the largest scale's own incremental measurement is skipped.")
@click.option("--skip", default="", help="Comma-separated parts to skip: legacy (the whole small-file "
              "comparison), legacy-ref (only the legacy reference), small (only ours/fixed/floor on the small file), "
              "scales, incremental, postgres (the PostgreSQL scale), legacy-pg (the PostgreSQL legacy sample), "
              "loader, redline, fixed / floor / build (the fixed port, the floor, dbt build at the scales).")
def main(quick: bool, scales: str | None, pg_rows: int | None, legacy_rows: int | None,  # noqa: C901 - the CLI entry point: option defaults, skip flags and the plan's steps in order
         legacy_pg_rows: int | None, runs: int | None, catalog_episodes: int | None, seed: int,
         out_dir: Path | None, work_dir: Path | None, merge_from: tuple[Path, ...], gen_from: Path | None,
         manifest_from: Path | None, extra_notes: tuple[str, ...],
         incremental_rows: int, skip: str) -> None:
    """Benchmark full and incremental builds against the legacy algorithm, a fixed port and the raw-SQL floor."""
    root = project.project_root()
    d = defaults(quick, root)
    scale_list = [int(s) for s in (scales or d.scales).split(",") if s.strip()]
    skipped = {s.strip() for s in skip.split(",") if s.strip()}
    bench = Bench(root=root, work=(work_dir or root / ".local" / "bench").resolve(),
                  runs=runs or d.runs, seed=seed, catalog_episodes=catalog_episodes or d.catalog, skipped=skipped,
                  gen_from=gen_from, manifest_from=manifest_from)
    pg_n = d.pg_rows if pg_rows is None else pg_rows
    legacy_n = d.legacy_rows if legacy_rows is None else legacy_rows
    legacy_pg_n = d.legacy_pg_rows if legacy_pg_rows is None else legacy_pg_rows
    out = out_dir or d.out
    pg_reason = postgres_available()
    progress(f"plan: DuckDB {', '.join(human(s) for s in scale_list)}; PostgreSQL "
             f"{human(pg_n) if pg_n and not pg_reason else 'skipped'}; legacy on {human(legacy_n)}; "
             f"{bench.runs} run(s) each; catalog {bench.catalog_episodes:,} episodes; report -> {out}")
    failures: list[str] = []

    def attempt(label: str, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except MeasureError as exc:
            failures.append(f"{label}: {str(exc).splitlines()[0]}")
            text = str(exc)
            bench.notes.append(f"{label} did not complete: {text.splitlines()[0][:300]} … {text[-700:]}")
            progress(f"{label} FAILED (noted in the report): {str(exc).splitlines()[0]}")

    if legacy_n and "legacy" not in skipped:
        attempt(f"legacy comparison {human(legacy_n)}", bench.legacy_small, legacy_n,
                0 if "legacy-ref" in skipped else (bench.runs if quick else 1), "small" not in skipped)
    if "scales" not in skipped:
        for i, n in enumerate(scale_list):
            attempt(f"DuckDB {human(n)}", bench.scale, "duckdb", n,
                    i == len(scale_list) - 1 and "incremental" not in skipped)
    if incremental_rows:
        attempt(f"DuckDB incremental {human(incremental_rows)}", bench.incremental_only, "duckdb", incremental_rows)
    if pg_reason and (pg_n or legacy_pg_n):
        bench.notes.append(f"PostgreSQL skipped: {pg_reason}")
    else:
        if pg_n and "postgres" not in skipped:
            attempt(f"PostgreSQL {human(pg_n)}", bench.scale, "postgres", pg_n, False)
        if legacy_pg_n and "legacy-pg" not in skipped:
            attempt(f"PostgreSQL legacy {human(legacy_pg_n)}", bench.legacy_postgres, legacy_pg_n)
    if "loader" not in skipped:
        attempt("loader", bench.loader, d.loader_rows)
    if "redline" not in skipped:
        attempt("redline", bench.redline)
    own_wall = time.perf_counter() - STARTED
    wall = own_wall + sum(_merge(bench, earlier) for earlier in merge_from)
    bench.notes += list(extra_notes)
    machine = machine_info()
    data = {
        "machine": machine, "wall_seconds": round(wall, 1), "quick": quick, "runs": bench.runs,
        "catalog_episodes": bench.catalog_episodes, "seed": seed, "scales": scale_list, "pg_rows": pg_n,
        "legacy_rows": legacy_n, "results": [asdict(s) | {"median": s.median} for s in bench.results.values()],
        "agreement": bench.agreement, "notes": bench.notes, "failures": failures,
        "load_average": _load_average(), "merged": bool(merge_from),
        # each invocation's wall time; full = nothing skipped (the `make bench` target is judged on those)
        "invocations": [{"wall_seconds": round(own_wall, 1), "full": not skipped and not quick,
                         "commit": machine.get("project commit", "?")}, *bench.invocations],
    }
    out.mkdir(parents=True, exist_ok=True)
    bench.work.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2)
    (bench.work / "results.json").write_text(text, encoding="utf-8")
    stamped = bench.work / f"results-{time.strftime('%Y%m%dT%H%M%S')}.json"
    stamped.write_text(text, encoding="utf-8")
    progress(f"results: {stamped} (for --merge-from)")
    (out / "benchmarks.json").write_text(text + "\n", encoding="utf-8")
    report.write(data, out / "BENCHMARKS.md", out / "benchmarks.png")
    progress(f"done in {wall / 60:.1f} min: {out / 'BENCHMARKS.md'}, {out / 'benchmarks.png'}"
             + (f"; {len(failures)} part(s) failed" if failures else ""))
    if failures:
        sys.exit(1)


def _merge(bench: Bench, path: Path) -> float:
    """Keep an earlier run's measurements of what this run did not measure; returns that run's wall time."""
    old = json.loads(path.read_text(encoding="utf-8"))
    kept = 0
    for r in old.get("results", []):
        key = f"{r['subject']}|{r['engine']}|{r['rows']}"
        if key in bench.results:
            continue
        s = Series(r["subject"], r["engine"], r["rows"], list(r["seconds"]), list(r["peak_rss_mb"]),
                   list(r.get("backend_peak_rss_mb") or []), list(r.get("cpu_seconds") or []),
                   dict(r.get("detail") or {}), r.get("note", ""))
        bench.results[key] = s
        kept += 1
    measured_now = {(a["engine"], a["rows"]) for a in bench.agreement}
    bench.agreement += [a for a in old.get("agreement", []) if (a["engine"], a["rows"]) not in measured_now]
    commit = (old.get("machine") or {}).get("project commit", "?")
    bench.notes.append(f"{kept} measurement series come from the run {path.name} ({old.get('wall_seconds', 0) / 60:.1f}"
                       f" min, project {commit}, seed {old.get('seed')}, catalog {old.get('catalog_episodes'):,}); "
                       "the total wall time adds up all merged runs.")
    bench.notes += [n for n in old.get("notes", []) if n not in bench.notes]
    # older results files record no invocations: one, full unless it was itself merged or quick
    bench.invocations += old.get("invocations") or [
        {"wall_seconds": old.get("wall_seconds", 0), "full": not old.get("merged") and not old.get("quick"),
         "commit": commit}]
    return float(old.get("wall_seconds", 0))


def _load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "?"
