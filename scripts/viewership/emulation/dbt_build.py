"""`dbt build` on the emulation under a hard timeout, and its per-node report."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dbtcommon.dbt import dbt_executable
from viewership import project
from viewership.emulation.common import DEFAULT_BUILD_TIMEOUT, EMULATION_EXCLUDES


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
