"""What the benchmark ran on (machine, versions, commit) and the sizes of a full or quick run."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

from viewership import project


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
