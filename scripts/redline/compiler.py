"""Run `dbt compile` for each target (in this process, one after the other) so the checks see every target's
compiled SQL.

dev (DuckDB) needs no server; ci needs PostgreSQL (a throw-away database is created when POSTGRES_DATABASE
is not set); staging/prod compile OFFLINE with the settings of dbtcommon.snowflake (the same ones
`make compile-snowflake` uses), with is_incremental() answered by the assume_incremental var.
All targets compile with the same assume_incremental value so their SQL is comparable (RL-3).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbtcommon.snowflake import OFFLINE_COMPILE_FLAGS, SNOWFLAKE_TARGETS, offline_env
from redline.manifest import ProjectCompile, load_manifest


class CompileError(Exception):
    """dbt compile failed for a target (exit code 2); the message carries dbt's output."""


@dataclass(frozen=True)
class CompileResult:
    target: str
    manifest: Path
    seconds: float


def profiles_dir(root: Path, work_dir: Path) -> Path:
    """$DBT_PROFILES_DIR, else the project's profiles.yml, else a copy of profiles.example.yml."""
    env = os.environ.get("DBT_PROFILES_DIR")
    if env:
        return Path(env)
    if (root / "profiles.yml").is_file():
        return root
    work_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "profiles.example.yml", work_dir / "profiles.yml")
    return work_dir


def compile_database_name(out: Path) -> str:
    """The throw-away PostgreSQL database of one compile folder: the same name on every run, because the
    profile reads it from an environment variable and dbt re-parses the whole project (no partial parsing)
    whenever a variable the profile reads changes."""
    return "redline_compile_" + hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:12]


@contextmanager
def _postgres_database(out: Path) -> Iterator[dict[str, str]]:
    """Use $POSTGRES_DATABASE, or create (and drop afterwards) a throw-away database for the compile."""
    if os.environ.get("POSTGRES_DATABASE"):
        yield {}
        return
    import psycopg2

    host = os.environ.get("POSTGRES_HOST", "127.0.0.1")
    port = int(os.environ.get("POSTGRES_PORT", "5432"))
    user = os.environ.get("POSTGRES_USER", "postgres")
    name = compile_database_name(out)
    try:
        admin = psycopg2.connect(host=host, port=port, user=user, dbname="postgres", connect_timeout=5)
    except Exception as exc:
        raise CompileError(f"target ci needs PostgreSQL at {host}:{port}: {str(exc).strip()}") from exc
    admin.autocommit = True
    try:
        admin.cursor().execute(f'drop database if exists "{name}"')  # left by a killed run
        admin.cursor().execute(f'create database "{name}"')
        yield {"POSTGRES_DATABASE": name}
    finally:
        admin.cursor().execute(f'drop database if exists "{name}"')
        admin.close()


def _vars_text(assume_incremental: bool, extra_vars: Mapping[str, object]) -> str:
    """--vars as JSON (a YAML subset): assume_incremental plus a render variant's flipped vars."""
    import json

    return json.dumps({"assume_incremental": assume_incremental, **extra_vars}, sort_keys=True)


def _command(target: str, root: Path, profiles: Path, out: Path, assume_incremental: bool,
             select: Sequence[str] = (), extra_vars: Mapping[str, object] | None = None) -> list[str]:
    cmd = ["compile", "--target", target, "--project-dir", str(root),
           "--profiles-dir", str(profiles), "--target-path", str(out), "--log-path", str(out / "logs"),
           "--vars", _vars_text(assume_incremental, extra_vars or {}), "--quiet"]
    if select:
        cmd += ["--select", *select]
    if target in SNOWFLAKE_TARGETS:
        cmd += OFFLINE_COMPILE_FLAGS
    return cmd


PROJECT_INPUTS = ("models", "macros", "snapshots", "seeds", "tests", "analyses", "docs")
PROJECT_FILES = ("dbt_project.yml", "packages.yml", "dependencies.yml")


def fingerprint(root: Path, profiles: Path, target: str, assume_incremental: bool,
                select: Sequence[str] = (), extra_vars: Mapping[str, object] | None = None) -> str:
    """Hash of everything a compile depends on: project sources, profile, target, vars, selection and
    DBT_/POSTGRES_ env."""
    digest = hashlib.sha256()
    digest.update(f"{target}|{_vars_text(assume_incremental, extra_vars or {})}|{sorted(select)}|"
                  f"{sys.version}".encode())
    paths = [root / f for f in PROJECT_FILES] + [profiles / "profiles.yml"]
    for folder in PROJECT_INPUTS:
        paths.extend(p for p in sorted((root / folder).rglob("*")) if p.is_file())
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
            digest.update(path.read_bytes())
    for key in sorted(os.environ):
        if key.startswith(("DBT_", "POSTGRES_")) and not key.startswith("DBT_ENV_SECRET"):
            digest.update(f"{key}={os.environ[key]}".encode())
    return digest.hexdigest()


@contextmanager
def _environment(changes: Mapping[str, str], remove: Sequence[str] = ()) -> Iterator[None]:
    """os.environ with `changes` applied and `remove` unset, restored afterwards (dbt reads the profile's
    env_var() calls from the process environment)."""
    saved = dict(os.environ)
    try:
        for key in remove:
            os.environ.pop(key, None)
        os.environ.update(changes)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _compile_in_process(args: Sequence[str]) -> tuple[bool, str]:
    """One `dbt compile` in this process (dbt's programmatic API): the ~3 s of dbt's import and start-up are
    paid once per redline run instead of once per target and render variant. Returns (ok, dbt's warnings and
    errors as text)."""
    from dbt.cli.main import dbtRunner

    messages: list[str] = []

    def collect(event: Any) -> None:
        if event.info.level in ("warn", "error"):
            messages.append(str(event.info.msg))

    try:
        with contextlib.redirect_stdout(sys.stderr):  # keep redline's own stdout (json, sarif) clean
            result = dbtRunner(callbacks=[collect]).invoke(list(args))
    except Exception as exc:  # dbt raises on broken projects before it reports a result
        return False, "\n".join([*messages, f"{type(exc).__name__}: {exc}"])
    if result.exception is not None:
        messages.append(f"{type(result.exception).__name__}: {result.exception}")
    return bool(result.success), "\n".join(messages)


def compile_targets(targets: Sequence[str], root: Path, work_dir: Path,
                    assume_incremental: bool = True, use_cache: bool = True, select: Sequence[str] = (),
                    extra_vars: Mapping[str, object] | None = None) -> dict[str, CompileResult]:
    """Compile every target, one after the other in this process (skipping targets whose inputs did not change
    since the last compile in this work dir); raise CompileError naming the target that failed. `select` and
    `extra_vars` compile a render variant (probes: the first-run branch, a flipped var) of only the models a
    probe needs. Each target keeps its own folder, so dbt parses only what changed since the last compile."""
    profiles = profiles_dir(root, work_dir)
    results: dict[str, CompileResult] = {}
    failures: list[str] = []
    for target in targets:
        out = work_dir / target
        out.mkdir(parents=True, exist_ok=True)
        fingerprint_now = fingerprint(root, profiles, target, assume_incremental, select, extra_vars)
        stamp = out / "redline_inputs.sha256"
        manifest = out / "manifest.json"
        if use_cache and manifest.is_file() and stamp.is_file() and \
                stamp.read_text(encoding="utf-8") == fingerprint_now:
            results[target] = CompileResult(target, manifest, 0.0)
            continue
        stamp.unlink(missing_ok=True)
        manifest.unlink(missing_ok=True)
        started = time.monotonic()
        with ExitStack() as stack:
            env = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
            if target in SNOWFLAKE_TARGETS:
                env.update(offline_env())
            elif target == "ci":
                env.update(stack.enter_context(_postgres_database(out)))
            elif not os.environ.get("DBT_DUCKDB_PATH"):
                env["DBT_DUCKDB_PATH"] = str(out / "redline_compile.duckdb")
            stack.enter_context(_environment(env, remove=("DBT_TARGET",)))
            ok, output = _compile_in_process(
                _command(target, root, profiles, out, assume_incremental, select, extra_vars))
        if not ok or not manifest.exists():
            failures.append(f"[{target}] dbt compile failed:\n{output[-3000:]}")
            continue
        results[target] = CompileResult(target, manifest, time.monotonic() - started)
        stamp.write_text(fingerprint_now, encoding="utf-8")
    if failures:
        raise CompileError("\n".join(failures))
    return results


def load_compiles(results: Mapping[str, CompileResult]) -> dict[str, ProjectCompile]:
    return {t: load_manifest(r.manifest, t) for t, r in results.items()}
