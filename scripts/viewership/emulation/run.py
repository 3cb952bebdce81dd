"""One target end to end: a fresh server, its sources, then one `dbt build` per batch of partner files."""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from viewership import db, project
from viewership.emulation.common import DEFAULT_BUILD_TIMEOUT, DEFAULT_SETUP_TIMEOUT, EMULATED_TARGETS, EmulationError
from viewership.emulation.dbt_build import BuildReport, build
from viewership.emulation.fakesnow_server import environ, server, with_timeout
from viewership.emulation.sources import (
    FIRST_BATCH,
    SECOND_BATCH,
    PartnerFile,
    default_partner_dir,
    load_partner_files,
    prepare,
)


@dataclass
class EmulationRun:
    """A fresh emulation of one target: what was loaded and each dbt build."""

    target: str
    setup_seconds: float
    loaded: dict[str, int]
    reports: list[BuildReport]

    @property
    def ok(self) -> bool:
        return bool(self.reports) and all(r.ok for r in self.reports)


def emulate(target: str, work_dir: Path, *, reference: Path | None = None, partner_dir: Path | None = None,
            batches: Sequence[Sequence[PartnerFile]] = (FIRST_BATCH, SECOND_BATCH),
            timeout: float = DEFAULT_BUILD_TIMEOUT, excludes: Mapping[str, str] | None = None,
            unit_tests: bool = True,
            between_builds: Callable[[db.Database], None] | None = None,
            after_build: Callable[[db.Database], None] | None = None) -> EmulationRun:
    """Fresh emulation server -> databases, source tables, reference data; then per batch of partner files:
    load it and `dbt build`. The first build creates everything; the later ones take the incremental paths
    (bronze/gold delete+insert through scratch tables, snapshot MERGE). The server stops afterwards.

    `unit_tests=False` leaves unit tests out of every build (they are the slow part on the emulation);
    otherwise they run in the first build only. `between_builds` runs after the first build (e.g. change
    reference data for the snapshots), `after_build` after the last, both on an open connection.
    """
    if target not in EMULATED_TARGETS:
        raise EmulationError(f"target '{target}' is not a Snowflake target ({', '.join(EMULATED_TARGETS)})")
    reference = reference or default_reference_dir()
    partner_dir = partner_dir or default_partner_dir()
    started = time.monotonic()
    work_dir.mkdir(parents=True, exist_ok=True)
    reports: list[BuildReport] = []
    with server(log_file=work_dir / f"fakesnow_{target}.log") as env, environ(env):
        loaded = with_timeout(DEFAULT_SETUP_TIMEOUT, f"creating the {target} sources",
                              lambda: prepare(target, reference))
        setup = time.monotonic() - started
        for number, batch in enumerate(batches, start=1):
            loaded.update(load_partner_files(target, batch, partner_dir, env))
            skip_units = not unit_tests or number > 1
            extra = ("--exclude-resource-type", "unit_test") if skip_units else ()
            report = build(target, env, work_dir / f"target_{target}_{number}", timeout=timeout,
                           excludes=excludes, extra_args=extra)
            report.label = f"build {number}/{len(batches)}" + (" (no unit tests)" if skip_units else "")
            reports.append(report)
            if report.timed_out:
                break
            hook = between_builds if number == 1 and len(batches) > 1 else None
            if number == len(batches):
                hook = after_build
            if hook is not None:
                _with_db_in_time(target, hook)
    return EmulationRun(target, setup, loaded, reports)


def _with_db_in_time(target: str, func: Callable[[db.Database], None]) -> None:
    def run() -> None:
        database = db.connect(target)
        try:
            func(database)
        finally:
            database.close()

    with_timeout(DEFAULT_SETUP_TIMEOUT, "querying the emulation", run)


def serve(target: str, reference: Path, work_dir: Path | None) -> int:
    """Prepare one target on a fresh server and keep it up until interrupted."""
    log_dir = work_dir or Path(tempfile.gettempdir())
    log_dir.mkdir(parents=True, exist_ok=True)
    with server(log_file=log_dir / f"fakesnow_{target}.log") as env, environ(env):
        loaded = with_timeout(DEFAULT_SETUP_TIMEOUT, f"creating the {target} sources",
                              lambda: prepare(target, reference))
        loaded.update(load_partner_files(target, FIRST_BATCH, default_partner_dir(), env))
        print(f"# {target} ready on the emulation (rows: {loaded}); server log in {log_dir}")
        for key, value in env.items():
            print(f"export {key}={value}")
        print("# Ctrl-C stops the server", flush=True)
        stop = threading.Event()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


def default_reference_dir() -> Path:
    return project.project_root() / "fixtures" / "reference"
