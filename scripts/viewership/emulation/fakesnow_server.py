"""The fakesnow server in this process: profile settings, the patches to fakesnow, the server thread,
and running a step under a hard timeout."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from viewership.emulation.common import ACCOUNT, EmulationError, T


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


def harden_fakesnow() -> list[str]:  # noqa: C901 - three independent patches, each guarded so patching twice changes nothing
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
