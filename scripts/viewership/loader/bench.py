"""Loader benchmark: N synthetic Pluto-US-style rows (banner, thousands separators, ``$`` revenue) through the
full path (decode, header search, cleaning, totals, bulk insert in one transaction).

    python -m viewership.loader.bench --rows 1000000 --target dev

On ``dev`` the rows go to a throw-away DuckDB file (``--database`` to choose one), so the developer's warehouse
is untouched; on other targets the benchmark file's rows are deleted afterwards. Prints one JSON line, with the
process's peak resident memory (the file is streamed: it should stay well under 3x the file's size for a
200 MB file, ``--rows 2000000``).
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import click

from viewership.db import connect
from viewership.loader.load import load_file
from viewership.loader.templates import load_template
from viewership.schema import UPLOAD


def write_file(path: Path, rows: int, seed: int = 7) -> None:
    """A Pluto-US-like revenue file with ``rows`` data rows."""
    rnd = random.Random(seed)
    series = ["People's Court", "Maury", "The Jerry Springer Show (LAS)", "Judge Dad", "Karamo"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",,,,,,,,,\r\n,PLUTO TV - CONTENT PARTNER REVENUE REPORTING,,,,,,,,\r\n,,,,,,,,,\r\n,,,,,,,,,\r\n")
        fh.write(",Content Partner,Series Name,Episode Name,Clip Name,Season #,Episode #,TVMs,Sessions,"
                 "Net Revenue per Clip\r\n")
        for i in range(rows):
            s = series[i % len(series)]
            season, episode = 1 + i % 30, 1 + i % 200
            tvms = rnd.randint(0, 400_000)
            sessions = rnd.randint(0, 20_000)
            revenue = rnd.randint(0, 80_000) / 100
            fh.write(f',nosey,{s},Episode {i},{s}: Episode {i} (S{season}E{episode}),{season},{episode},'
                     f'"{tvms:,}","{sessions:,}", $ {revenue:,.2f} \r\n')


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


@click.command()
@click.option("--rows", default=1_000_000, show_default=True, help="Data rows in the synthetic file.")
@click.option("--target", default="dev", show_default=True)
@click.option("--database", type=click.Path(path_type=Path), help="DuckDB file for target dev (default: temp).")
def main(rows: int, target: str, database: Path | None) -> None:
    """Time loading ROWS synthetic CSV rows into the upload table."""
    with tempfile.TemporaryDirectory(prefix="viewership-bench-") as tmp:
        source = Path(tmp) / f"bench_pluto_{rows}.csv"
        started = time.perf_counter()
        write_file(source, rows)
        generate_s = time.perf_counter() - started
        if target == "dev":
            os.environ["DBT_DUCKDB_PATH"] = str(database or Path(tmp) / "bench.duckdb")
        db = connect(target)
        try:
            db.ensure_tables([UPLOAD])
            template = load_template("pluto_us_revenue")
            started = time.perf_counter()
            cpu_started = time.process_time()
            stats = load_file(source, template, platform=None, db=db, year="2025", month="October", replace=True)
            load_s = time.perf_counter() - started
            cpu_s = time.process_time() - cpu_started
            file_mb = source.stat().st_size / 1e6
            if target != "dev":
                with db.transaction():
                    db.execute(f"delete from {db.table_ref(UPLOAD)} where filename = {db.param}",  # noqa: S608
                               [source.name])
        finally:
            db.close()
    click.echo(json.dumps({
        "rows": rows, "target": target, "file_mb": round(file_mb, 1), "generate_seconds": round(generate_s, 2),
        "load_seconds": round(load_s, 2), "load_cpu_seconds_this_process": round(cpu_s, 2),
        "rows_written": stats.rows_written,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rows_per_second": round(stats.rows_written / load_s) if load_s else None,
    }))


if __name__ == "__main__":  # pragma: no cover
    main()
