"""Helpers for the redline tests: build compiled nodes/compiles from fixture SQL, run one check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from redline.config import EnvironmentMap, Governance, load_environment_map, load_governance
from redline.engine import Outcome, evaluate
from redline.manifest import CompiledNode, ProjectCompile
from redline.registry import CheckContext, Problem, get

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMPILED = FIXTURES / "compiled"
DIALECTS = ("duckdb", "postgres", "snowflake")
TARGET_OF = {"duckdb": "dev", "postgres": "ci", "snowflake": "prod"}
TARGET_DB = {"duckdb": "warehouse", "postgres": "viewership_ci", "snowflake": "DBT_WORK"}


@cache
def env_map() -> EnvironmentMap:
    return load_environment_map(ROOT)


@cache
def governance(today: dt.date | None = None) -> Governance:
    return load_governance(ROOT, today=today)


def fixture_sql(dialect: str, name: str) -> str:
    return (COMPILED / dialect / f"{name}.sql").read_text(encoding="utf-8")


def node(name: str, sql: str, dialect: str, *, target: str | None = None, path: str = "",
         materialized: str = "table", grants: Mapping[str, Any] | None = None,
         depends_on: Sequence[str] = (), alias: str | None = None, version: str = "") -> CompiledNode:
    uid = f"model.viewership.{name}" + (f".{version}" if version else "")
    return CompiledNode(
        unique_id=uid, name=name, resource_type="model",
        original_file_path=path or f"models/silver/{name}.sql", tags=(), materialized=materialized, meta={},
        grants=dict(grants or {}), compiled_code=sql, raw_code=sql, depends_on=tuple(depends_on),
        relation_name=None, database=None, schema=None, alias=alias or name, dialect=dialect,
        target=target or TARGET_OF[dialect],
    )


def project(nodes: Sequence[CompiledNode], dialect: str, target: str | None = None) -> ProjectCompile:
    adapter = dialect
    t = target or TARGET_OF[dialect]
    return ProjectCompile(target=t, adapter=adapter, dialect=dialect,
                          nodes={n.unique_id: n for n in nodes}, target_database=TARGET_DB[dialect],
                          manifest_path=Path("fixture"))


def run_check(check: str, target_node: CompiledNode, params: Mapping[str, Any],
              compiles: Mapping[str, ProjectCompile] | None = None) -> list[Problem]:
    """Run one registered model check on one node (with the real environment map)."""
    pc = compiles or {target_node.target: project([target_node], target_node.dialect, target_node.target)}
    ctx = CheckContext(root=ROOT, env_map=env_map(), compiles=pc, target=target_node.target)
    return list(get(check).func(ctx, target_node, params))


def rule_params(rule_id: str, check: str, label: str = "") -> Mapping[str, Any]:
    for spec in governance().rule(rule_id).checks:
        if spec.check == check and (not label or spec.label == label):
            return spec.params
    raise KeyError(f"{rule_id} has no {check} check")


def evaluate_fixture(compiles: Mapping[str, ProjectCompile], rules: Sequence[str],
                     gov: Governance | None = None) -> Outcome:
    return evaluate(gov or governance(), compiles, ROOT, env_map(), rules, allow_missing=True)
