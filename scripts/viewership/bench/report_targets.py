"""The report's targets table (ours against each reference) and the per-model profile."""

from __future__ import annotations

from viewership.bench.report_data import Results, _fmt, _ratio, _rows, _status, slice_seconds


def targets(res: Results) -> list[tuple[str, str, str]]:
    """(target, measured, status) rows, in the order of the performance issue (18)."""
    return [*_legacy_row(res), *_port_rows(res), *_slice_rows(res), *_big_scale_rows(res), *_postgres_rows(res),
            _wall_row(res)]


def _legacy_row(res: Results) -> list[tuple[str, str, str]]:
    ln = res.data["legacy_rows"]
    legacy, ours = res.median("legacy", "duckdb", ln), res.median("dbt_build", "duckdb", ln)
    floor = res.median("floor_models", "duckdb", ln)
    legacy_cpu, ours_cpu = res.cpu("legacy", "duckdb", ln), res.cpu("dbt_build", "duckdb", ln)
    r = _ratio(legacy, ours)
    stretch = " (stretch 100× met)" if r and r >= 100 else ""
    return [(f"≥ 30× faster than the faithful legacy on the {_rows(ln)}-record file (DuckDB; stretch 100×)",
             f"legacy {_fmt(legacy, ' s')} / `dbt build` {_fmt(ours, ' s')} = {_fmt(r, '×')}{stretch} (vs the "
             f"raw-SQL floor of our models {_fmt(floor, ' s', 2)}: {_fmt(_ratio(legacy, floor), '×')}; in CPU "
             f"seconds: legacy {_fmt(legacy_cpu, ' s')} / `dbt build` {_fmt(ours_cpu, ' s')} = "
             f"{_fmt(_ratio(legacy_cpu, ours_cpu), '×')})",
             _status(r, r is not None and r >= 30))]


def _port_rows(res: Results) -> list[tuple[str, str, str]]:
    """The whole build against the fixed port, at 1M and above on DuckDB."""
    rows = []
    for n in res.sizes("fixed", "duckdb"):
        fixed, ours = res.median("fixed", "duckdb", n), res.median("dbt_build", "duckdb", n)
        if n < 1_000_000 or ours is None:
            continue
        r = _ratio(fixed, ours)
        cpu_r = _ratio(res.cpu("fixed", "duckdb", n), res.cpu("dbt_build", "duckdb", n))
        stretch = " (stretch 1.0× met)" if r and r >= 1.0 else ""
        rows.append((f"Whole `dbt build` ≥ 0.7× the fixed procedural port at {_rows(n)} (DuckDB; stretch 1.0×)",
                     f"fixed {_fmt(fixed, ' s')} / `dbt build` {_fmt(ours, ' s')} = {_fmt(r, '×', 2)}{stretch}; "
                     f"CPU seconds: {_fmt(cpu_r, '×', 2)}",
                     _status(r, r is not None and r >= 0.7)))
    return rows


def _slice_rows(res: Results) -> list[tuple[str, str, str]]:
    """Like for like: the port against the part of our DAG that does its job, at every scale."""
    rows = []
    for engine in ("duckdb", "postgres"):
        for n in res.sizes("fixed", engine):
            if n == res.data["legacy_rows"] or res.median("dbt_build", engine, n) is None:
                continue
            fixed = res.median("fixed", engine, n)
            sl_dbt, sl_floor = slice_seconds(res, "dbt_build", engine, n), slice_seconds(res, "floor", engine, n)
            r = _ratio(fixed, sl_dbt)
            rows.append((f"Matching slice ≥ 1.5× the fixed port at {_rows(n)} ({engine})",
                         f"fixed {_fmt(fixed, ' s')} / our matching slice under dbt {_fmt(sl_dbt, ' s')} = "
                         f"{_fmt(r, '×', 2)} (as raw SQL {_fmt(sl_floor, ' s')}: "
                         f"{_fmt(_ratio(fixed, sl_floor), '×', 2)})",
                         _status(r, r is not None and r >= 1.5)))
    return rows


def _big_scale_rows(res: Results) -> list[tuple[str, str, str]]:
    """Memory and the incremental run at the largest DuckDB scale."""
    big = max((n for n in res.sizes("dbt_build", "duckdb") if n != res.data["legacy_rows"]), default=None)
    if big is None:
        return []
    rec = res.get("dbt_build", "duckdb", big)
    rss = max(rec["peak_rss_mb"]) / 1024 if rec and rec["peak_rss_mb"] else None
    inc_sizes = res.sizes("dbt_run_incremental", "duckdb")
    at = big if big in inc_sizes else (max(inc_sizes) if inc_sizes else big)
    inc = res.median("dbt_run_incremental", "duckdb", at)
    full = res.median("dbt_build", "duckdb", at) or res.median("dbt_build_before_incremental", "duckdb", at)
    r = _ratio(inc, full)
    return [(f"Peak RSS ≤ 2 GB at {_rows(big)} on DuckDB", f"{_fmt(rss, ' GB', 2)} (`dbt build`, max of runs)",
             _status(rss, rss is not None and rss <= 2.0)),
            (f"Incremental `dbt run` for a new 1% file at {_rows(at)} ≤ 10% of the full build",
             f"{_fmt(inc, ' s')} / full `dbt build` {_fmt(full, ' s')} = {_fmt(None if r is None else r * 100, ' %')}",
             _status(r, r is not None and r <= 0.10))]


def _postgres_rows(res: Results) -> list[tuple[str, str, str]]:
    rows = []
    for n in res.sizes("dbt_build", "postgres"):
        b, fm = res.median("dbt_build", "postgres", n), res.median("floor_models", "postgres", n)
        fixed = res.median("fixed", "postgres", n)
        per_m = b / (n / 1e6) if b and n else None
        r = _ratio(fixed, b)
        rows += [(f"PostgreSQL ≤ 50 s per million rows ({_rows(n)})",
                  f"`dbt build` {_fmt(per_m, ' s')}/M (models alone, raw SQL: "
                  f"{_fmt(fm / (n / 1e6) if fm else None, ' s')}/M)",
                  _status(per_m, per_m is not None and per_m <= 50)),
                 (f"PostgreSQL whole `dbt build` ≥ 1.0× its fixed port ({_rows(n)})",
                  f"fixed {_fmt(fixed, ' s')} / `dbt build` {_fmt(b, ' s')} = {_fmt(r, '×', 2)}",
                  _status(r, r is not None and r >= 1.0))]
    return rows


def _wall_row(res: Results) -> tuple[str, str, str]:
    data = res.data
    wall = data["wall_seconds"] / 60
    full_runs = [r for r in data.get("invocations", []) if r.get("full")]
    target = "`make bench` completes in under 30 minutes on 2 cores"
    if data.get("merged") and full_runs:
        one = min(r["wall_seconds"] for r in full_runs) / 60
        return (target, f"{one:.1f} min for one full invocation (the merged report adds up to {wall:.1f} min)",
                _status(one, one < 30))
    if data.get("merged"):
        return (target, f"not timed as one full invocation: the report merges partial runs that add up to "
                f"{wall:.1f} min", "not measured")
    return (target, f"{wall:.1f} min" + (" (quick mode)" if data.get("quick") else ""), _status(wall, wall < 30))


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
