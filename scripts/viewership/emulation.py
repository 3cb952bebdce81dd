"""Snowflake without an account: offline compile, and ``dbt build`` on a local emulation (fakesnow server mode).

``python -m viewership.emulation compile``  compiles every node for staging and prod with no server and no
    network, and checks the SQL names exactly that environment's databases from ``vars.environments``.
``python -m viewership.emulation build``    per target: a fresh fakesnow server on a free loopback port, the
    profile pointed at it through ``DBT_SNOWFLAKE_*`` environment variables, the environment map's databases,
    the source tables (``viewership.db``), the reference CSVs and real partner files (the project's loader),
    then two ``dbt build`` runs (the second after a new file: incremental and snapshot paths); pass/fail per
    node.
``python -m viewership.emulation serve``    prepare one target and keep the server up for manual dbt runs.

Every dbt and loader call runs in a subprocess under a hard timeout: after a failed statement the fakesnow
server can answer HTTP 500 forever and the Snowflake connector retries without end (``harden_fakesnow``
also turns those into ordinary SQL errors). What the emulation can and cannot prove: ``docs/SNOWFLAKE.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from dbtcommon.dbt import dbt_executable
from dbtcommon.snowflake import OFFLINE_COMPILE_FLAGS, offline_env
from viewership import db, project
from viewership.loader.errors import LoadError
from viewership.loader.reference import load_reference as load_reference_csvs

EMULATED_TARGETS: tuple[str, ...] = ("staging", "prod")
DEFAULT_BUILD_TIMEOUT = 900
DEFAULT_SETUP_TIMEOUT = 180
ACCOUNT = "fakesnow"

# Nodes excluded from the emulated build, with the reason. Only SQL that real Snowflake runs and fakesnow
# cannot belongs here (see docs/SNOWFLAKE.md); a model that fails for any other reason is a real failure.
# Selectors use dbt's --exclude syntax.
EMULATION_EXCLUDES: dict[str, str] = {}

T = TypeVar("T")


class EmulationError(Exception):
    """The emulation could not be set up or a step did not finish in time."""


# -- server ----------------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def profile_env(port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """Environment variables that point the profile's Snowflake targets at an emulation server."""
    return {
        "DBT_SNOWFLAKE_ACCOUNT": ACCOUNT,
        "DBT_SNOWFLAKE_HOST": host,
        "DBT_SNOWFLAKE_PORT": str(port),
        "DBT_SNOWFLAKE_PROTOCOL": "http",
        "DBT_SNOWFLAKE_CONNECT_RETRIES": "0",
        "DBT_SNOWFLAKE_CONNECT_TIMEOUT": "10",
        "DBT_SNOWFLAKE_USER": "fake",
        "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD": "snow",
        "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY_PATH": "",
        "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "",
    }


SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "fakesnow.server", "fakesnow", "sqlglot")
PATCHED_FAKESNOW_VERSION = "0.12.1"


def harden_fakesnow() -> list[str]:
    """Two small, idempotent patches to the in-process emulator (fakesnow 0.12.1); returns what was patched.

    1. Fail fast: a statement fakesnow cannot transform or run raised a Python exception, which the server
       answers with HTTP 500, which the Snowflake connector retries forever (the hang hazard). Such
       exceptions become a ProgrammingError, which the server returns as an ordinary SQL error: dbt marks
       the node failed and goes on.
    2. REGEXP_SUBSTR with a column as its occurrence argument (valid Snowflake) crashed fakesnow's
       transform, which assumed a literal; it is transpiled to DuckDB list indexing with that column.
    3. LTRIM/RTRIM/TRIM with a character list (`ltrim(x, '0')`): fakesnow's implicit-VARCHAR cast rebuilt
       the call without its characters and side, so `ltrim('011', '0')` returned '011'. The cast is kept,
       the arguments too.

    Nothing else changes. Other fakesnow versions are left alone (the patches are version-specific).
    """
    from importlib.metadata import version

    import snowflake.connector.errors as sf_errors
    from fakesnow import cursor as fs_cursor
    from fakesnow import transforms as fs_transforms
    from sqlglot import exp

    if version("fakesnow") != PATCHED_FAKESNOW_VERSION:
        return []
    patched: list[str] = []

    execute = fs_cursor.FakeSnowflakeCursor.execute
    if not getattr(execute, "_viewership_hardened", False):

        def fail_fast_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return execute(self, *args, **kwargs)
            except (sf_errors.ProgrammingError, sf_errors.OperationalError):
                raise
            except Exception as exc:  # an emulator limitation: report it as a SQL error, never as HTTP 500
                raise sf_errors.ProgrammingError(
                    msg=f"the Snowflake emulation cannot run this statement: {type(exc).__name__}: {exc}",
                    errno=2, sqlstate="0A000",
                ) from exc

        fail_fast_execute._viewership_hardened = True  # type: ignore[attr-defined]
        fs_cursor.FakeSnowflakeCursor.execute = fail_fast_execute  # type: ignore[method-assign]
        patched.append("fail fast instead of HTTP 500")

    regex_substr = fs_transforms.regex_substr
    if not getattr(regex_substr, "_viewership_hardened", False):

        def column_occurrence_regex_substr(expression: Any) -> Any:
            occurrence = expression.args.get("occurrence") if isinstance(expression, exp.RegexpExtract) else None
            if occurrence is None or isinstance(occurrence, exp.Literal):
                return regex_substr(expression)
            expression.set("occurrence", exp.Literal.number(1))
            result = regex_substr(expression)
            if isinstance(result, exp.Bracket):
                # DuckDB lists are 1-based like Snowflake occurrences; sqlglot shifts only literal indexes
                result.set("expressions", [occurrence])
            return result

        column_occurrence_regex_substr._viewership_hardened = True  # type: ignore[attr-defined]
        fs_transforms.regex_substr = column_occurrence_regex_substr
        patched.append("REGEXP_SUBSTR with a column occurrence")

    trim_cast_varchar = fs_transforms.trim_cast_varchar
    if not getattr(trim_cast_varchar, "_viewership_hardened", False):

        def trim_keeping_characters(expression: Any) -> Any:
            if not isinstance(expression, exp.Trim):
                return expression
            operand = expression.this
            if isinstance(operand, exp.Cast) and operand.to.this in (exp.DataType.Type.VARCHAR,
                                                                      exp.DataType.Type.TEXT):
                return expression
            trimmed = expression.copy()
            trimmed.set("this", exp.Cast(this=operand.copy(), to=exp.DataType.build("varchar")))
            return trimmed

        trim_keeping_characters._viewership_hardened = True  # type: ignore[attr-defined]
        fs_transforms.trim_cast_varchar = trim_keeping_characters
        patched.append("TRIM with a character list")
    return patched


@contextlib.contextmanager
def server(port: int | None = None, log_file: Path | None = None) -> Iterator[dict[str, str]]:
    """Run a fakesnow server (one in-memory database) in a daemon thread; yield the profile env vars.

    The server lives in this process, so it can never outlive the command that started it. Its log (every
    statement it could not run, with the traceback) goes to `log_file`, not to the console. (Started here
    rather than with `fakesnow.server()`, whose own `import fakesnow.server` replaces that function by the
    module after its first call.)
    """
    import importlib
    import logging

    import uvicorn

    fs_server = importlib.import_module("fakesnow.server")  # the module, not the package's server() function
    harden_fakesnow()
    handler: logging.Handler = (logging.FileHandler(log_file, encoding="utf-8") if log_file
                                else logging.NullHandler())
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
    chosen = port or free_port()
    uv = uvicorn.Server(uvicorn.Config(fs_server.app, host="127.0.0.1", port=chosen, log_config=None,
                                       log_level="info", access_log=False))
    thread = threading.Thread(target=uv.run, name="fakesnow server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while thread.is_alive() and not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not uv.started:
        uv.should_exit = True
        raise EmulationError(f"the fakesnow server did not start on 127.0.0.1:{chosen}")
    try:
        yield profile_env(chosen)
    finally:
        uv.should_exit = True
        thread.join(10)
        handler.close()


@contextlib.contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block (restored afterwards)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def with_timeout(seconds: float, what: str, func: Callable[[], T]) -> T:
    """Run func in a daemon thread; raise EmulationError if it has not finished after `seconds`."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"emulation: {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise EmulationError(f"{what} did not finish within {seconds:.0f} s (is the emulation answering HTTP 500?)")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


# -- databases, tables and data ------------------------------------------------------------------


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


# -- dbt -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeResult:
    """The outcome of one dbt node."""

    unique_id: str
    resource_type: str
    status: str  # success, pass, error, fail, warn, skipped, ... (dbt's statuses), or "not run"
    message: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in {"success", "pass", "warn", "no-op"}


@dataclass
class BuildReport:
    """What one `dbt build` on the emulation did."""

    target: str
    returncode: int | None  # None = killed by the timeout
    wall_seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    output_tail: str = ""
    excluded: dict[str, str] = field(default_factory=dict)
    label: str = "build"
    skipped_grants: list[str] = field(default_factory=list)  # GRANTs rendered but not sent (emulation)
    target_path: Path | None = None

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if not n.ok]

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failed

    def render(self) -> str:
        lines = [f"== {self.label}: dbt build --target {self.target} on the Snowflake emulation: "
                 + ("TIMED OUT" if self.timed_out else f"exit {self.returncode}")
                 + f", {self.wall_seconds:.1f} s, {len(self.nodes)} nodes, {len(self.failed)} not ok"]
        skipped = [n for n in self.nodes if n.status == "skipped"]
        for node in sorted(self.nodes, key=lambda n: (n.ok, n.resource_type, n.unique_id)):
            if node.status == "skipped":
                continue
            mark = "ok  " if node.ok else "FAIL"
            detail = ""
            if node.message.strip() and not node.ok:
                detail = "  " + " ".join(node.message.split())[:300]
            lines.append(f"  {mark} {node.status:<8} {node.resource_type:<9} {node.unique_id}{detail}")
        if skipped:
            lines.append(f"  SKIP {len(skipped)} nodes downstream of a failure: "
                         + ", ".join(n.unique_id.split(".")[-1] for n in skipped[:12])
                         + (" ..." if len(skipped) > 12 else ""))
        for selector, reason in self.excluded.items():
            lines.append(f"  skip excluded  {selector}: {reason}")
        if self.timed_out or (self.returncode and not self.failed):
            lines.append("  --- last dbt output ---")
            lines.extend("  " + line for line in self.output_tail.splitlines()[-40:])
        return "\n".join(lines)


def dbt_command(target: str, target_path: Path, *args: str) -> list[str]:
    root = project.project_root()
    return [
        dbt_executable(), *args,
        "--target", target, "--project-dir", str(root), "--profiles-dir", str(_profiles_dir(root)),
        "--target-path", str(target_path), "--log-path", str(target_path),
    ]


def _profiles_dir(root: Path) -> Path:
    return Path(os.environ.get("DBT_PROFILES_DIR") or root)


def dbt_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = os.environ.copy()
    env.update(extra)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    env.setdefault("DBT_THREADS", "1")
    env.pop("DBT_TARGET", None)
    return env


def _parse_json_log(stdout: str) -> dict[str, NodeResult]:
    """Per-node outcomes from dbt's JSON log lines (used when run_results.json was never written)."""
    nodes: dict[str, NodeResult] = {}
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        info = (event.get("data") or {}).get("node_info") or {}
        uid = info.get("unique_id")
        if not uid:
            continue
        status = str(info.get("node_status") or "")
        previous = nodes.get(uid)
        message = previous.message if previous else ""
        if event.get("info", {}).get("level") == "error":
            message = str(event.get("info", {}).get("msg") or message)
        nodes[uid] = NodeResult(uid, info.get("resource_type") or uid.split(".")[0],
                                status if status not in {"", "started", "compiling", "executing"} else "not run",
                                message)
    return nodes


def _parse_run_results(path: Path) -> list[NodeResult]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        NodeResult(r["unique_id"], r["unique_id"].split(".")[0], str(r["status"]), str(r.get("message") or ""),
                   float(r.get("execution_time") or 0.0))
        for r in data.get("results", [])
    ]


def build(target: str, env: Mapping[str, str], target_path: Path, *, timeout: float = DEFAULT_BUILD_TIMEOUT,
          excludes: Mapping[str, str] | None = None, extra_args: Sequence[str] = ()) -> BuildReport:
    """`dbt build` one target against the running emulation, under a hard timeout."""
    excluded = dict(EMULATION_EXCLUDES if excludes is None else excludes)
    args = ["build", "--log-format", "json", *extra_args]
    if excluded:
        args += ["--exclude", *excluded]
    results = target_path / "run_results.json"
    results.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(dbt_command(target, target_path, *args), env=dbt_env(env), capture_output=True,
                              text=True, timeout=timeout, cwd=project.project_root())
        returncode: int | None = proc.returncode
        stdout = proc.stdout
    except subprocess.TimeoutExpired as exc:
        returncode = None
        raw = exc.stdout or b""
        stdout = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    wall = time.monotonic() - started
    by_log = _parse_json_log(stdout)
    nodes = _parse_run_results(results) if results.is_file() and returncode is not None else list(by_log.values())
    text = _json_log_text(stdout)
    tail = "\n".join(text.splitlines()[-60:])
    grants = [line.split("emulation: skipped", 1)[1].strip() for line in text.splitlines()
              if "emulation: skipped" in line]
    return BuildReport(target, returncode, wall, nodes, tail, excluded, skipped_grants=grants,
                       target_path=target_path)


def _json_log_text(stdout: str) -> str:
    out: list[str] = []
    for line in stdout.splitlines():
        try:
            out.append(str(json.loads(line).get("info", {}).get("msg", line)))
        except (json.JSONDecodeError, AttributeError):
            out.append(line)
    return "\n".join(out)


# -- offline compile (no server, no account) --------------------------------------------------------

DEFAULT_COMPILE_TIMEOUT = 300


@dataclass
class CompileResult:
    """One offline compile and what its SQL names."""

    target: str
    returncode: int | None
    wall_seconds: float
    compiled_nodes: int = 0
    expected_names: set[str] = field(default_factory=set)
    found_names: set[str] = field(default_factory=set)
    foreign_names: set[str] = field(default_factory=set)
    misplaced: list[str] = field(default_factory=list)
    output_tail: str = ""
    target_path: Path | None = None

    @property
    def missing_names(self) -> set[str]:
        return self.expected_names - self.found_names

    @property
    def ok(self) -> bool:
        return (self.returncode == 0 and self.compiled_nodes > 0 and not self.missing_names
                and not self.foreign_names and not self.misplaced)

    def render(self) -> str:
        status = "TIMED OUT" if self.returncode is None else f"exit {self.returncode}"
        lines = [f"== offline Snowflake compile --target {self.target}: {status}, {self.wall_seconds:.1f} s, "
                 f"{self.compiled_nodes} nodes compiled: {'OK' if self.ok else 'FAILED'}",
                 f"  environment map names found: {', '.join(sorted(self.found_names & self.expected_names))}"]
        if self.missing_names:
            lines.append(f"  MISSING (in vars.environments.{self.target}, not in the SQL): "
                         + ", ".join(sorted(self.missing_names)))
        if self.foreign_names:
            lines.append("  FOREIGN (another environment's names in this SQL): "
                         + ", ".join(sorted(self.foreign_names)))
        lines.extend(f"  MISPLACED {m}" for m in self.misplaced)
        if self.returncode != 0:
            lines.append("  --- last dbt output ---")
            lines.extend("  " + line for line in self.output_tail.splitlines()[-40:])
        return "\n".join(lines)


def environment_names(target: str) -> set[str]:
    """The names the environment map gives a target: its databases and the episode-details table."""
    names: set[str] = set()
    for key, entry in project.environment_map(target).items():
        if isinstance(entry, dict):
            if entry.get("database"):
                names.add(str(entry["database"]).upper())
        elif isinstance(entry, str) and key.endswith("_table"):
            names.add(entry.upper())
    return names


def _split_relation(relation_name: str) -> list[str]:
    return [part.strip().strip('"').upper() for part in relation_name.split(".")]


def sql_names(sql: str) -> set[str]:
    """Database and table names referenced by one compiled Snowflake statement (parsed, not grepped)."""
    import sqlglot
    from sqlglot import exp

    names: set[str] = set()
    for statement in sqlglot.parse(sql, read="snowflake"):
        if statement is None:
            continue
        for table in statement.find_all(exp.Table):
            if table.db:  # dbt qualifies every relation; an unqualified name is a CTE
                names.update(part.upper() for part in (table.catalog, table.name) if part)
    return names


def check_manifest(target: str, manifest: Mapping[str, Any]) -> tuple[int, set[str], list[str]]:
    """(nodes compiled, names found, misplaced relations) for one compiled manifest.

    A model of layer bronze/silver/gold must live in that layer's database from the environment map.
    """
    env_map = project.environment_map(target)
    found: set[str] = set()
    misplaced: list[str] = []
    compiled = 0
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") not in {"model", "snapshot", "seed"} or node.get("language") == "python":
            continue
        if node.get("relation_name"):
            found.update(_split_relation(node["relation_name"]))
        code = node.get("compiled_code")
        if node.get("resource_type") == "model" and node.get("config", {}).get("enabled", True):
            if not code:
                misplaced.append(f"{uid}: not compiled")
                continue
            compiled += 1
            found.update(sql_names(code))
            layer = (node.get("fqn") or ["", ""])[1]
            expected_db = (env_map.get(layer) or {}).get("database") if isinstance(env_map.get(layer), dict) else None
            if expected_db and str(node.get("database", "")).upper() != str(expected_db).upper():
                misplaced.append(f"{uid}: database {node.get('database')} (map says {expected_db} for {layer})")
    for source in manifest.get("sources", {}).values():
        if source.get("relation_name"):
            found.update(_split_relation(source["relation_name"]))
    return compiled, found, misplaced


def offline_compile(target: str, target_path: Path, *, timeout: float = DEFAULT_COMPILE_TIMEOUT,
                    assume_incremental: bool = True) -> CompileResult:
    """`dbt compile` every node for a Snowflake target with no account and no server, then check the names."""
    target_path.mkdir(parents=True, exist_ok=True)
    vars_arg = "{assume_incremental: " + ("true" if assume_incremental else "false") + "}"
    cmd = dbt_command(target, target_path, "compile", *OFFLINE_COMPILE_FLAGS, "--vars", vars_arg)
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, env=dbt_env(offline_env()), capture_output=True, text=True, timeout=timeout,
                              cwd=project.project_root())
        returncode: int | None = proc.returncode
        tail = (proc.stdout + proc.stderr)[-6000:]
    except subprocess.TimeoutExpired as exc:
        returncode = None
        raw = exc.stdout or b""
        tail = (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)[-6000:]
    result = CompileResult(target, returncode, time.monotonic() - started, output_tail=tail,
                           target_path=target_path)
    result.expected_names = environment_names(target)
    manifest_path = target_path / "manifest.json"
    if returncode == 0 and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        result.compiled_nodes, result.found_names, result.misplaced = check_manifest(target, manifest)
        others = set().union(*(environment_names(t) for t in EMULATED_TARGETS if t != target))
        result.foreign_names = (others - result.expected_names) & result.found_names
    return result


def offline_compile_all(targets: Sequence[str], work_dir: Path, *,
                        timeout: float = DEFAULT_COMPILE_TIMEOUT) -> dict[str, CompileResult]:
    """Compile several targets offline at the same time (each dbt is a separate process)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
        futures = {t: pool.submit(offline_compile, t, work_dir / f"compile_{t}", timeout=timeout) for t in targets}
        return {t: f.result() for t, f in futures.items()}


# -- one target, end to end ------------------------------------------------------------------------


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


if __name__ == "__main__":
    raise SystemExit(main())
