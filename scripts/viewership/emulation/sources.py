"""The target's databases, source tables and data on the emulation: reference CSVs and real partner files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from viewership import db, project
from viewership.emulation.common import DEFAULT_SETUP_TIMEOUT, EmulationError
from viewership.emulation.dbt_build import dbt_env
from viewership.loader.errors import LoadError
from viewership.loader.reference import load_reference as load_reference_csvs


def required_databases(target: str) -> list[str]:
    """Every database the target reads or writes: the environment map's plus the profile's own."""
    names: list[str] = []
    for entry in project.environment_map(target).values():
        if isinstance(entry, dict) and entry.get("database"):
            names.append(str(entry["database"]))
    _, cfg = project.target_config(target)
    if cfg.get("database"):
        names.append(str(cfg["database"]))
    return sorted(set(names))


def load_reference(database: db.Database, directory: Path) -> dict[str, int]:
    """Replace every reference table with its CSV from `directory` (the loader's reference loader, one
    transaction per table: under fakesnow a transaction may write to one database only)."""
    try:
        return load_reference_csvs(directory, database, transaction_per_table=True)
    except LoadError as exc:
        raise EmulationError(str(exc)) from exc


@dataclass(frozen=True)
class PartnerFile:
    """A real partner file and the loader inputs it needs (the upload app's choices)."""

    name: str
    template: str
    inputs: tuple[str, ...] = ()


# Small real files, loaded through `viewership-load` exactly as on a real target. The first batch feeds the
# first build; the second arrives before the second build (incremental bronze/gold, snapshot merge).
FIRST_BATCH: tuple[PartnerFile, ...] = (
    PartnerFile("tubi_vod_october_2025.csv", "tubi_vod_revenue", ("--year", "2025", "--month", "October")),
    PartnerFile("freevee_linear_jan_26.csv", "freevee_linear_daily"),
)
SECOND_BATCH: tuple[PartnerFile, ...] = (
    PartnerFile("tubi_vod_nov_2025.csv", "tubi_vod_revenue", ("--year", "2025", "--month", "November")),
)


def default_partner_dir() -> Path:
    return project.project_root() / "fixtures" / "partner_files"


def load_partner_files(target: str, files: Sequence[PartnerFile], directory: Path, env: Mapping[str, str],
                       *, timeout: float = DEFAULT_SETUP_TIMEOUT) -> dict[str, int]:
    """Load partner files into the target's upload table with the project's loader (a subprocess)."""
    written: dict[str, int] = {}
    for item in files:
        path = directory / item.name
        if not path.is_file():
            raise EmulationError(f"partner file {path} is missing")
        cmd = [sys.executable, "-m", "viewership.loader.cli", str(path), "--template", item.template,
               *item.inputs, "--target", target, "--json"]
        try:
            proc = subprocess.run(cmd, env=dbt_env(env), capture_output=True, text=True, timeout=timeout,
                                  cwd=project.project_root())
        except subprocess.TimeoutExpired as exc:
            raise EmulationError(f"loading {item.name} did not finish within {timeout:.0f} s") from exc
        if proc.returncode != 0:
            raise EmulationError(f"loading {item.name} failed ({proc.returncode}): {proc.stdout[-2000:]}"
                                 f"{proc.stderr[-2000:]}")
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        written[f"upload:{item.name}"] = int(summary["rows_written"])
    return written


def prepare(target: str, reference: Path) -> dict[str, int]:
    """Create the target's databases and source tables on the emulation and load the reference data."""
    database = db.connect(target)
    try:
        for name in required_databases(target):
            database.execute(f"create database if not exists {db.quote(name)}")
        database.ensure_tables()
        return load_reference(database, reference)
    finally:
        database.close()
