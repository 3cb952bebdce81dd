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

import importlib.util
import json
import platform
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from viewership import project
from viewership.bench import report
from viewership.bench.runner import MeasureError, Measurement, run_measured
from viewership.bench.warehouse import BenchWarehouse, postgres_available

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


def machine_info() -> dict[str, str]:
    import duckdb

    info = {"python": platform.python_version(), "duckdb": duckdb.__version__,
            "os": f"{platform.system()} {platform.release()}", "machine": platform.machine()}
    try:
        cpu = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")]
        info["cpu"] = f"{len(cpu)} x {cpu[0].split(':', 1)[1].strip()}" if cpu else "?"
        mem = next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
        info["memory"] = f"{int(mem.split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    try:
        from importlib.metadata import version

        info["dbt-core"] = version("dbt-core")
        info["dbt-duckdb"] = version("dbt-duckdb")
        info["dbt-postgres"] = version("dbt-postgres")
    except Exception:
        pass
    try:
        from viewership.bench.warehouse import pg_admin

        con = pg_admin()
        cur = con.cursor()
        cur.execute("show server_version")
        info["postgresql"] = str(cur.fetchone()[0])
        con.close()
    except Exception:
        info["postgresql"] = "not reachable"
    try:
        import subprocess

        root = project.project_root()
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "models", "macros", "tests"], cwd=root,
                               capture_output=True, text=True, check=False).stdout.strip()
        info["project commit"] = sha + (" + uncommitted model/macro/test changes" if dirty else "")
    except OSError:
        pass
    _, cfg = project.target_config("dev")
    info["duckdb settings (profile dev)"] = ", ".join(f"{k}={v}" for k, v in (cfg.get("settings") or {}).items())
    return info


def runs_at(engine: str, rows: int) -> int:
    """Full-build repeats per scale: one at 10M and on PostgreSQL (their runs in the last report spread by
    4 % on PostgreSQL; one 10M run costs ~9 min of the 30-minute budget), else as many as --runs."""
    return 1 if rows >= 10_000_000 or engine == "postgres" else 1_000


@dataclass(frozen=True)
class Defaults:
    scales: str
    pg_rows: int
    legacy_rows: int
    legacy_pg_rows: int
    runs: int
    catalog: int
    out: Path
    loader_rows: int


def defaults(quick: bool, root: Path) -> Defaults:
    """Sizes of a full run (the issue's plan) or a CI-sized quick one."""
    if quick:
        return Defaults("20000", 10000, 1000, 0, 1, 20000, root / ".local" / "bench" / "quick", 20000)
    return Defaults("100000,1000000,10000000", 1_000_000, 3000, 50, 3, 100_000, root / "docs", 1_000_000)


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
def main(quick: bool, scales: str | None, pg_rows: int | None, legacy_rows: int | None,
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
