"""The offline compile (no server, no account): compile staging/prod and check the names their SQL uses."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbtcommon.snowflake import OFFLINE_COMPILE_FLAGS, offline_env
from viewership import project
from viewership.emulation.common import EMULATED_TARGETS
from viewership.emulation.dbt_build import dbt_command, dbt_env

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
