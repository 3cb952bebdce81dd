"""Kill a dbt run at a chosen point with SIGKILL, to prove the pipeline recovers from a crash.

dbt is started as a subprocess with ``--log-format json --log-level debug`` (events on stdout, unbuffered).
dbt logs each SQL statement *before* sending it to the database, and each node's start before running it,
so a kill point is an event in that stream:

* ``KillPoint("bronze start", "stg_upload__platform_viewership")`` - the node's NodeStart event;
* ``KillPoint("gold insert", "fct_episode_details", sql=r"^delete from")`` - the first statement of that node
  whose text (comment stripped) matches the pattern: the process dies while that statement is in flight or
  just before it (either way every earlier statement of the node has returned, nothing later has run).

The watcher reads the stream line by line (blocking reads, no polling) and kills the whole process group
of the dbt process it started (only that group) the moment the event is seen. A watchdog kills it after
``timeout`` seconds. ``python -m scripts.tests.reliability.killer --node M [--sql RE] -- dbt build ...`` does
the same from a shell.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

_COMMENT = re.compile(r"/\*.*?\*/", re.S)


@dataclass(frozen=True)
class KillPoint:
    """Where to kill: a node (unique_id suffix or model name) and optionally a SQL statement pattern."""

    name: str
    node: str
    sql: str | None = None
    occurrence: int = 1  # kill at the N-th matching event

    def matches_node(self, unique_id: str | None) -> bool:
        if not unique_id:
            return False
        return unique_id == self.node or unique_id.endswith("." + self.node) or (
            ("." + self.node + ".") in unique_id and unique_id.startswith("model.")  # versioned model: name.v2
        )


@dataclass
class KillOutcome:
    point: KillPoint
    killed: bool  # the kill point was reached and the process was SIGKILLed there
    returncode: int | None
    seconds: float
    nodes_started: list[str] = field(default_factory=list)
    nodes_finished: list[str] = field(default_factory=list)
    trigger: str | None = None  # the statement or event that triggered the kill
    tail: list[str] = field(default_factory=list)  # last lines of output (diagnostics)
    timed_out: bool = False


def statement_text(sql: str) -> str:
    """A logged statement without dbt's query comment, whitespace collapsed, lower case."""
    return " ".join(_COMMENT.sub(" ", sql).split()).lower()


def _event_node(event: dict[str, object]) -> str | None:
    data = event.get("data")
    if not isinstance(data, dict):
        return None
    info = data.get("node_info")
    if isinstance(info, dict) and isinstance(info.get("unique_id"), str):
        return str(info["unique_id"])
    conn = data.get("conn_name")
    return conn if isinstance(conn, str) and "." in conn else None


def json_log_args() -> list[str]:
    """Global dbt flags that put the machine-readable event stream on stdout."""
    return ["--log-format", "json", "--log-level", "debug"]


def run_until(cmd: Sequence[str], point: KillPoint, *, env: dict[str, str] | None = None,  # noqa: C901 - reads dbt's event stream and stops at each kind of kill point
              cwd: str | None = None, timeout: float = 300.0) -> KillOutcome:
    """Run ``cmd`` (a dbt command with json_log_args()) and SIGKILL it at ``point``."""
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONUNBUFFERED"] = "1"
    pattern = re.compile(point.sql, re.I) if point.sql else None
    started = time.perf_counter()
    proc = subprocess.Popen(list(cmd), env=child_env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
    outcome = KillOutcome(point, False, None, 0.0)
    timed_out = threading.Event()

    def _kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the group this function created (start_new_session)

    def _watchdog() -> None:
        timed_out.set()
        _kill()

    timer = threading.Timer(timeout, _watchdog)
    timer.daemon = True
    timer.start()
    seen = 0
    tail: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip("\n")[:500])
            del tail[:-40]
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            info = event.get("info") or {}
            name = info.get("name") if isinstance(info, dict) else None
            node = _event_node(event)
            if name == "NodeStart" and node:
                outcome.nodes_started.append(node)
            elif name == "NodeFinished" and node:
                outcome.nodes_finished.append(node)
            if outcome.killed or not point.matches_node(node):
                continue
            hit: str | None = None
            if pattern is None and name == "NodeStart":
                hit = f"NodeStart {node}"
            elif pattern is not None and name == "SQLQuery":
                data = event.get("data")
                text = statement_text(str(data.get("sql", ""))) if isinstance(data, dict) else ""
                if pattern.search(text):
                    hit = text[:200]
            if hit is not None:
                seen += 1
                if seen == point.occurrence:
                    _kill()
                    outcome.killed = True
                    outcome.trigger = hit
        proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            _kill()
            proc.wait()
    outcome.returncode = proc.returncode
    outcome.seconds = time.perf_counter() - started
    outcome.tail = tail
    outcome.timed_out = timed_out.is_set()
    if outcome.timed_out:
        outcome.killed = False
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scripts.tests.reliability.killer --node M [--sql RE] [--occurrence N] -- dbt build ...``"""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--node", required=True, help="model name or unique_id to kill at")
    parser.add_argument("--sql", help="regex over the node's statements (comment stripped, lower case)")
    parser.add_argument("--occurrence", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- dbt <subcommand> ...")
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"]
    if not command:
        parser.error("give the dbt command after --")
    if command[0].endswith("dbt") and "--log-format" not in command:
        command = [command[0], *json_log_args(), *command[1:]]
    point = KillPoint("cli", args.node, args.sql, args.occurrence)
    outcome = run_until(command, point, timeout=args.timeout)
    state = "killed at " + (outcome.trigger or "?") if outcome.killed else (
        "timed out" if outcome.timed_out else "finished before the kill point")
    print(f"{state} after {outcome.seconds:.1f} s; nodes finished: {len(outcome.nodes_finished)}", file=sys.stderr)
    return 0 if outcome.killed else 1


if __name__ == "__main__":
    sys.exit(main())
