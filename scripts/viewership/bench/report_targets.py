"""The report's targets table (ours against each reference) and the per-model profile."""

from __future__ import annotations

from viewership.bench.report_data import Results, _fmt, _ratio, _rows, _status, slice_seconds


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
