"""The benchmark runner: one Bench holds the sizes and runs every measurement of the plan."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viewership.bench.measures import BUILD_EXCLUDES, Series, _env, _run_results, human, progress
from viewership.bench.runner import MeasureError, run_measured
from viewership.bench.warehouse import BenchWarehouse


def runs_at(engine: str, rows: int) -> int:
    """Full-build repeats per scale: one at 10M and on PostgreSQL (their runs in the last report spread by
    4 % on PostgreSQL; one 10M run costs ~9 min of the 30-minute budget), else as many as --runs."""
    return 1 if rows >= 10_000_000 or engine == "postgres" else 1_000


@dataclass
class Bench:
    root: Path
    work: Path
    runs: int
    seed: int
    catalog_episodes: int
    results: dict[str, Series] = field(default_factory=dict)
    agreement: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invocations: list[dict[str, Any]] = field(default_factory=list)  # earlier runs merged into this report
    skipped: set[str] = field(default_factory=set)
    gen_from: Path | None = None  # a generated DuckDB file to reuse (same seed/catalog/rows)
    manifest_from: Path | None = None  # manifest of a build of that data, for the floor without a build

    def series(self, subject: str, engine: str, rows: int) -> Series:
        key = f"{subject}|{engine}|{rows}"
        if key not in self.results:
            self.results[key] = Series(subject, engine, rows)
        return self.results[key]

    # -- building blocks ---------------------------------------------------------------------------
    def dbt_build(self, wh: BenchWarehouse, rows: int, subject: str = "dbt_build", command: str = "build") -> None:
        # Unit tests check the SQL logic on fixed inputs; they do not depend on the data, so the production
        # build excludes them (dbt's own advice) and CI runs them (`make test`). `unit_tests` measures them once.
        extra = BUILD_EXCLUDES if command == "build" else ()
        m = wh.dbt(command, *extra, check=False)
        run_results = _run_results(wh)
        errors = [r for r in run_results if r["status"] in ("error", "skipped") and r["kind"] == "model"]
        if m.returncode != 0 and (errors or not run_results):
            raise MeasureError(f"dbt {command} failed on {wh.engine} {human(rows)}:\n{m.stdout[-5000:]}\n"
                               f"{m.stderr[-2000:]}")
        s = self.series(subject, wh.engine, rows)
        s.add(m)
        failed_tests = sorted(r["name"] for r in run_results
                              if r["kind"] == "test" and r["status"] in ("fail", "error"))
        s.detail["failed_tests"] = failed_tests
        s.detail["nodes"] = len(run_results)
        s.detail["model_seconds"] = {r["name"]: r["seconds"] for r in run_results if r["kind"] == "model"}
        s.detail["test_seconds_total"] = round(sum(r["seconds"] for r in run_results if r["kind"] != "model"), 2)
        progress(f"  {wh.engine} {human(rows)}: dbt {command} {m.seconds:.1f} s, peak RSS {m.peak_rss_mb:.0f} MB"
                 + (f", PG backend peak {m.backend_peak_rss_mb:.0f} MB" if m.backend_peak_rss_mb else "")
                 + (f" ({len(failed_tests)} failing tests)" if failed_tests else ""))

    def unit_tests(self, wh: BenchWarehouse) -> None:
        """The project's dbt unit tests on their own: a fixed cost per CI run, independent of the data size."""
        # own target path: a `dbt test` manifest lacks the models' compiled SQL that the floor reads
        target_path = wh.target_path.with_name(wh.target_path.name + "_unit_tests")
        cmd = [*wh.dbt_cmd("test", "--resource-type", "unit_test"), "--target-path", str(target_path)]
        m = wh.run(cmd, check=False)
        results = _run_results(wh, target_path)
        if m.returncode != 0 or not results:
            raise MeasureError(f"dbt unit tests failed on {wh.engine}:\n{m.stdout[-3000:]}")
        s = self.series("unit_tests", wh.engine, 0)
        s.add(m)
        s.detail["unit_tests"] = len(results)
        progress(f"  {wh.engine}: {len(results)} unit tests in {m.seconds:.1f} s")

    def reference(self, wh: BenchWarehouse, rows: int, algorithm: str, timeout: float = 3600,
                  sample_every: int = 1) -> dict[str, Any]:
        m = wh.module("viewership.bench.references", "--algorithm", algorithm, "--target", wh.target,
                      "--sample-every", str(sample_every), timeout=timeout)
        out = json.loads(m.stdout.strip().splitlines()[-1])
        s = self.series(algorithm, wh.engine, rows)
        s.add(m, out["seconds_total"])
        s.detail = out
        progress(f"  {wh.engine} {human(rows)}: {algorithm} reference {out['seconds_total']:.1f} s "
                 f"(prepare {out['seconds_prepare']:.1f} s), matched {out['matched']:,} of {out['records']:,}")
        return dict(out)

    def floor(self, wh: BenchWarehouse, rows: int) -> None:
        manifest = self.manifest_from or wh.target_path / "manifest.json"
        m = wh.module("viewership.bench.floor", "--manifest", str(manifest), "--target", wh.target)
        out = json.loads(m.stdout.strip().splitlines()[-1])
        self.series("floor_models", wh.engine, rows).add(m, out["seconds_models"])
        total = self.series("floor", wh.engine, rows)
        total.add(m, out["seconds_models"] + out["seconds_tests"])
        total.detail = out
        progress(f"  {wh.engine} {human(rows)}: raw-SQL floor {out['seconds_models']:.1f} s models + "
                 f"{out['seconds_tests']:.1f} s tests")

    def compare(self, wh: BenchWarehouse, rows: int, references: tuple[str, ...]) -> None:
        """Matched sets: ours (int_viewership_matched) vs the references' (bench_ref.staging) on the same rows.

        Runs in a child process (`viewership.bench.agreement`): a query in this process would grow it (DuckDB
        is in-process), and every later child would then report this process's size as its own peak RSS
        (Linux carries the parent's memory high-water mark into a child's ru_maxrss across fork and exec)."""
        m = wh.module("viewership.bench.agreement", "--manifest", str(wh.target_path / "manifest.json"),
                      "--target", wh.target, check=False)
        if m.returncode != 0:
            raise MeasureError(f"agreement check failed on {wh.engine} {human(rows)}: {m.stderr[-2000:]}")
        out = json.loads(m.stdout.strip().splitlines()[-1])
        if out.get("missing"):
            self.notes.append(f"{wh.engine} {human(rows)}: no int_viewership_matched model yet, no agreement check")
            return
        row = {"engine": wh.engine, "rows": rows, "reference": "+".join(references), **out}
        self.agreement.append(row)
        progress(f"  {wh.engine} {human(rows)}: matched ours {row['ours']:,} / reference {row['reference_matched']:,}; "
                 f"only ours {row['only_ours']:,}, only reference {row['only_reference']:,}")

    # -- scenarios ---------------------------------------------------------------------------------
    def legacy_small(self, rows: int, legacy_runs: int, ours: bool = True, engine: str = "duckdb") -> None:
        """The quadratic legacy on a small file, with ours, the floor and the fixed port on the same data."""
        progress(f"{engine} {human(rows)} (legacy comparison): generating")
        wh = BenchWarehouse(engine, f"legacy_{human(rows)}", self.root, self.work)
        try:
            gen = wh.generate(rows, self.seed, self.catalog_episodes)
            self.series("generate", engine, rows).add(gen)
            wh.snapshot("gen")
            for run in range(legacy_runs):
                progress(f"{engine} {human(rows)}: legacy run {run + 1}/{legacy_runs} (quadratic: minutes)")
                wh.restore("gen")
                self.reference(wh, rows, "legacy", timeout=5400)
            for run in range(self.runs if ours else 0):
                progress(f"{engine} {human(rows)}: run {run + 1}/{self.runs}")
                wh.restore("gen")
                self.dbt_build(wh, rows)
                self.reference(wh, rows, "fixed")
                if run == self.runs - 1:
                    self.compare(wh, rows, ("fixed",))
                    self.unit_tests(wh)
                wh.restore("gen")
                self.floor(wh, rows)
        finally:
            wh.drop()

    def scale(self, engine: str, rows: int, incremental: bool) -> None:
        progress(f"{engine} {human(rows)}: generating ({self.catalog_episodes:,}-episode catalog)")
        wh = BenchWarehouse(engine, f"s{human(rows)}", self.root, self.work)
        try:
            if self.gen_from is not None and engine == "duckdb":
                shutil.copyfile(self.gen_from, wh.path)
                progress(f"  reusing the generated database {self.gen_from}")
            else:
                gen = wh.generate(rows, self.seed, self.catalog_episodes)
                self.series("generate", engine, rows).add(gen)
                progress(f"  generated in {gen.seconds:.1f} s; database {wh.size_mb():,.0f} MB")
            wh.snapshot("gen")
            runs = min(self.runs, runs_at(engine, rows))
            for run in range(runs):
                progress(f"{engine} {human(rows)}: run {run + 1}/{runs}")
                wh.restore("gen")
                built = "build" not in self.skipped
                if built:
                    self.dbt_build(wh, rows)
                if incremental and built and run == runs - 1:
                    wh.snapshot("built")
                if "fixed" not in self.skipped:
                    self.reference(wh, rows, "fixed")
                    if built and run == runs - 1:
                        self.compare(wh, rows, ("fixed",))
                if "floor" not in self.skipped:
                    wh.restore("gen")
                    self.floor(wh, rows)
            if incremental:
                for run in range(self.runs):
                    progress(f"{engine} {human(rows)}: incremental run {run + 1}/{self.runs} (one new 1% file)")
                    wh.restore("built")
                    wh.generate(rows, self.seed, self.catalog_episodes, append_files=1)
                    self.dbt_build(wh, rows, subject="dbt_run_incremental", command="run")
        finally:
            wh.drop()

    def incremental_only(self, engine: str, rows: int) -> None:
        """Only the incremental measurement: build the history once, then per run append one ~1% file and run."""
        progress(f"{engine} {human(rows)} (incremental): generating")
        wh = BenchWarehouse(engine, f"inc{human(rows)}", self.root, self.work)
        try:
            wh.generate(rows, self.seed, self.catalog_episodes)
            self.dbt_build(wh, rows, subject="dbt_build_before_incremental")
            wh.snapshot("built")
            for run in range(self.runs):
                progress(f"{engine} {human(rows)}: incremental run {run + 1}/{self.runs} (one new 1% file)")
                wh.restore("built")
                wh.generate(rows, self.seed, self.catalog_episodes, append_files=1)
                self.dbt_build(wh, rows, subject="dbt_run_incremental", command="run")
        finally:
            wh.drop()

    def legacy_postgres(self, rows: int) -> None:
        """PostgreSQL legacy: ~0.8 s per record there, so a sample of `rows` records of a 1k-row dataset, once."""
        generated = max(1000, rows)
        every = max(1, generated // rows)
        progress(f"postgres legacy sample: generating {human(generated)} rows, keeping every {every}th id")
        wh = BenchWarehouse("postgres", "legacy_sample", self.root, self.work)
        try:
            wh.generate(generated, self.seed, self.catalog_episodes)
            for algorithm in ("fixed", "legacy"):
                self.reference(wh, generated // every, algorithm, timeout=5400, sample_every=every)
        finally:
            wh.drop()

    def loader(self, rows: int) -> None:
        """The loader engineer's benchmark: one synthetic Pluto file of `rows` rows through the whole loader."""
        if importlib.util.find_spec("viewership.loader.bench") is None:
            self.notes.append("loader: `python -m viewership.loader.bench` does not exist; no load figure")
            progress("loader benchmark: not available (skipped)")
            return
        database = self.work / "loader.duckdb"
        try:
            for run in range(self.runs):
                database.unlink(missing_ok=True)
                m = run_measured([sys.executable, "-m", "viewership.loader.bench", "--rows", str(rows),
                                  "--target", "dev", "--database", str(database)],
                                 _env(self.root), self.root, check=False)
                if m.returncode != 0:
                    self.notes.append(f"loader: `python -m viewership.loader.bench --rows {rows}` failed "
                                      f"({m.returncode}): {(m.stderr or m.stdout).strip()[-300:]}")
                    progress("  loader benchmark failed (noted)")
                    return
                out = json.loads(m.stdout.strip().splitlines()[-1])
                s = self.series("loader", "duckdb", rows)
                s.add(m, float(out["load_seconds"]))
                s.detail = out
                progress(f"loader {human(rows)}: run {run + 1}/{self.runs}: load {out['load_seconds']} s "
                         f"({out.get('rows_per_second')} rows/s), peak RSS {m.peak_rss_mb:.0f} MB")
        finally:
            for f in self.work.glob("loader.duckdb*"):
                f.unlink(missing_ok=True)

    def redline(self) -> None:
        """`redline check` over all four targets (it compiles each target, then checks the red lines)."""
        if importlib.util.find_spec("redline.cli") is None:
            self.notes.append("redline: `redline check` does not exist; no figure")
            progress("redline check: not available (skipped)")
            return
        s = self.series("redline_check", "-", 0)
        for run in range(self.runs):
            m = run_measured([sys.executable, "-m", "redline", "check", "--work-dir",
                              str(self.work / "redline")], _env(self.root), self.root, check=False)
            if m.returncode not in (0, 1):
                self.notes.append(f"`redline check` (all targets) exited {m.returncode} (could not evaluate): "
                                  f"{(m.stderr or m.stdout).strip()[-400:]}")
                progress(f"redline check: exit {m.returncode} (noted)")
                return
            s.add(m)
            s.note = f"exit {m.returncode} ({'clean' if m.returncode == 0 else 'veto'})"
            progress(f"redline check (dev, ci, staging, prod): run {run + 1}/{self.runs} {m.seconds:.1f} s, "
                     f"{s.note}")
