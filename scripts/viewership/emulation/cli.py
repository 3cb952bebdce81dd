"""`python -m viewership.emulation compile|build|serve`."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from viewership import db, project
from viewership.emulation.common import DEFAULT_BUILD_TIMEOUT, EMULATED_TARGETS, EMULATION_EXCLUDES, EmulationError
from viewership.emulation.offline import DEFAULT_COMPILE_TIMEOUT, offline_compile_all
from viewership.emulation.run import default_reference_dir, emulate, serve


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m viewership.emulation",
        description="Snowflake without an account: compile offline, or build on a local emulation (fakesnow).",
    )
    sub = parser.add_subparsers(dest="command")

    def add_common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--target", action="append", choices=EMULATED_TARGETS,
                       help="Snowflake target(s) (default: staging and prod)")
        p.add_argument("--work-dir", type=Path, default=None,
                       help="where dbt writes target/ and logs (default: a temporary directory)")
        p.add_argument("--timeout", type=float, default=None, help="hard limit per dbt command, seconds")

    p_compile = sub.add_parser("compile", help="compile every node offline and check the environment map's names")
    add_common(p_compile)
    p_build = sub.add_parser("build", help="dbt build on a fresh emulation per target; report each node")
    add_common(p_build)
    p_serve = sub.add_parser("serve", help="prepare one target on the emulation and keep it up until Ctrl-C")
    add_common(p_serve)
    for p in (p_build, p_serve):
        p.add_argument("--reference", type=Path, default=None,
                       help="reference CSV directory (default: fixtures/reference)")
    p_build.add_argument("--no-excludes", action="store_true",
                         help="also build the nodes the emulation excludes by default")
    p_build.add_argument("--no-unit-tests", action="store_true",
                         help="leave dbt unit tests out (they are slow on the emulation: fakesnow transpiles "
                              "their large statements in Python)")

    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in {"compile", "build", "serve", "-h", "--help"}:
        args_list.insert(0, "build")
    args = parser.parse_args(args_list)
    targets = args.target or list(EMULATED_TARGETS)

    with contextlib.ExitStack() as stack:
        work = args.work_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="snowflake_")))
        if args.command == "compile":
            return _main_compile(targets, work, args.timeout or DEFAULT_COMPILE_TIMEOUT)
        reference = args.reference or default_reference_dir()
        if args.command == "serve":
            return serve(targets[0], reference, work)
        excludes: dict[str, str] = {} if args.no_excludes else dict(EMULATION_EXCLUDES)
        return _main_build(targets, reference, work, args.timeout or DEFAULT_BUILD_TIMEOUT, excludes,
                           not args.no_unit_tests)


def _main_compile(targets: Sequence[str], work: Path, timeout: float) -> int:
    started = time.monotonic()
    results = offline_compile_all(targets, work, timeout=timeout)
    for result in results.values():
        print(result.render())
    ok = all(r.ok for r in results.values())
    print(f"== offline compile {'OK' if ok else 'FAILED'} in {time.monotonic() - started:.1f} s")
    return 0 if ok else 1


def _main_build(targets: Sequence[str], reference: Path, work: Path, timeout: float,
                excludes: Mapping[str, str], unit_tests: bool) -> int:
    ok = True
    for target in targets:
        started = time.monotonic()
        try:
            run = emulate(target, work, reference=reference, timeout=timeout, excludes=excludes,
                          unit_tests=unit_tests)
        except (EmulationError, db.DatabaseError, project.ProjectError) as exc:
            print(f"== {target}: emulation failed: {exc}", file=sys.stderr)
            ok = False
            continue
        loaded = ", ".join(f"{name}={count}" for name, count in run.loaded.items())
        print(f"== {target}: emulation ready in {run.setup_seconds:.1f} s (rows loaded: {loaded})")
        for report in run.reports:
            print(report.render())
        print(f"== {target}: {'OK' if run.ok else 'FAILED'} in {time.monotonic() - started:.1f} s")
        ok = ok and run.ok
    return 0 if ok else 1
