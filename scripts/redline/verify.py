"""`redline verify --target T`: check the red lines on what is actually DEPLOYED, and report drift.

Deployed SQL comes from the warehouse: view definitions from the catalog, and for tables/incremental models
the latest row of the deployment log (<audit location>.redline_deployments, written by the on-run-end hook
macros/governance/record_deployments.sql: model, checksum, compiled SQL, git sha, target, invocation, rows).
The red lines are evaluated on that SQL; drift = a deployed checksum that differs from the compile being
checked now (the 2025-12-02 "deployed without the UNION" case shows up as drift AND as an RL-2 veto).
On PostgreSQL the WEB_APP grants of gold relations are read from the catalog (RL-5 as deployed).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click

from redline import report
from redline.compiler import CompileError, compile_targets, load_compiles
from redline.config import ConfigError, Governance, History, Rule, load_environment_map, load_governance
from redline.engine import ERROR, VIOLATION, Finding, Outcome, evaluate
from redline.manifest import CompiledNode, ManifestError, ProjectCompile
from redline.registry import CheckError

LOG_TABLE = "redline_deployments"
# {p} is the driver's placeholder; values are always bound, never spliced
VIEW_SQL = ("select view_definition from information_schema.views "
            "where lower(table_schema) = lower({p}) and lower(table_name) = lower({p})")
GRANT_SQL = ("select count(*) from information_schema.role_table_grants "
             "where lower(table_schema) = lower({p}) and lower(table_name) = lower({p}) "
             "and upper(grantee) = upper({p}) and privilege_type = 'SELECT'")


@dataclass(frozen=True)
class Deployed:
    """What the warehouse says is deployed for one model."""

    model: str
    unique_id: str
    kind: str  # view | log
    sql: str
    checksum: str
    git_sha: str = ""
    invocation_id: str = ""
    deployed_at: str = ""


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _split_relation(node: CompiledNode) -> tuple[str | None, str, str]:
    return node.database, str(node.schema or ""), str(node.alias or node.name)


def first_difference(checked: str, deployed: str) -> str:
    a, b = checked.splitlines(), deployed.splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {i + 1}: checked `{x.strip()[:60]}` vs deployed `{y.strip()[:60]}`"
    return f"checked has {len(a)} lines, deployed {len(b)}"


def read_views(database: Any, nodes: Sequence[CompiledNode]) -> dict[str, str]:
    """View definitions of the given view models (information_schema.views)."""
    out: dict[str, str] = {}
    p = database.param
    for node in nodes:
        if node.materialized != "view":
            continue
        _db, schema, name = _split_relation(node)
        rows = database.query(VIEW_SQL.replace("{p}", p), (schema, name))
        if rows and rows[0][0]:
            out[node.unique_id] = str(rows[0][0])
    return out


def read_log(database: Any, log_ref: str) -> dict[str, Deployed]:
    """Latest deployment-log row per model."""
    try:
        rows = database.query(
            "select model, unique_id, checksum, compiled_sql, git_sha, invocation_id, deployed_at "  # noqa: S608
            f"from {log_ref} order by deployed_at")
    except Exception as exc:
        raise CheckError(f"cannot read the deployment log {log_ref}: {str(exc).strip()[:200]}") from exc
    latest: dict[str, Deployed] = {}
    for model, uid, checksum, sql, sha, inv, at in rows:
        latest[str(uid)] = Deployed(str(model), str(uid), "log", str(sql or ""), str(checksum or ""),
                                    str(sha or ""), str(inv or ""), str(at or ""))
    return latest


def read_grants(database: Any, nodes: Sequence[CompiledNode], role: str) -> dict[str, bool]:  # by unique_id
    """PostgreSQL: does the role hold SELECT on each relation?"""
    out: dict[str, bool] = {}
    p = database.param
    for node in nodes:
        _db, schema, name = _split_relation(node)
        rows = database.query(GRANT_SQL.replace("{p}", p), (schema, name, role))
        out[node.unique_id] = bool(rows and rows[0][0])
    return out


def _drift_rule() -> Rule:
    return Rule(
        id="DRIFT", title="Deployed SQL differs from the checked compile", severity="warning", absolute=False,
        override="Redeploy from the checked commit (dbt build) or re-run redline check on the deployed commit.",
        history=History("2025-12-02", "The deployed REF_ID_SERIES procedure differed from the source: it lacked "
                        "the UNION fallback.", "321/321 Tubi records unmatched",
                        "What runs must be what was checked", "platform governor"),
        checks=(), remediation="Redeploy the checked version.")


def deployed_outcome(gov: Governance, compiled: ProjectCompile, deployed: Mapping[str, Deployed],
                     root: Path, grants: Mapping[str, bool] | None,
                     alternatives: Mapping[str, set[str]] | None = None) -> Outcome:
    """Red lines evaluated on the deployed SQL, plus drift and deployed-grant findings."""
    env_map = load_environment_map(root)
    nodes = dict(compiled.nodes)
    findings: list[Finding] = []
    drift = _drift_rule()
    for uid, node in compiled.nodes.items():
        if node.resource_type != "model" or uid not in deployed:
            continue
        dep = deployed[uid]
        nodes[uid] = replace(node, compiled_code=dep.sql)
        accepted = {md5(node.compiled_code or "")} | set((alternatives or {}).get(uid, set()))
        if dep.kind == "log" and dep.checksum not in accepted:
            findings.append(Finding(drift, "drift", (compiled.target,), node.name,
                                    f"deployed checksum {dep.checksum[:12]} (git {dep.git_sha}, invocation "
                                    f"{dep.invocation_id[:8]}, {dep.deployed_at}) differs from the checked "
                                    f"compile {md5(node.compiled_code or '')[:12]}; first difference: "
                                    f"{first_difference(node.compiled_code or '', dep.sql)}",
                                    "the checked SQL deployed", VIOLATION, node.original_file_path, 1))
    deployed_compile = replace(compiled, nodes=nodes)
    # only the models that are deployed are checked; protected models that are not deployed are errors
    names = {d.model for d in deployed.values()}
    outcome = evaluate(gov, {compiled.target: deployed_compile}, root, env_map, focus=frozenset(names))
    for rule in gov.rules:
        for spec in rule.checks:
            for name in spec.selector.names:
                if compiled.by_name(name) is not None and name not in names:
                    findings.append(Finding(rule, spec.check, (compiled.target,), name,
                                            f"{name} is not deployed on {compiled.target} (no view, no "
                                            "deployment-log row)", "a deployment to verify", ERROR, "", 0))
    if grants is not None:
        rl5 = gov.rule("RL-5")
        for uid, ok in grants.items():
            if not ok:
                gnode = compiled.nodes.get(uid)
                name = gnode.name if gnode else uid
                findings.append(Finding(rl5, "deployed_grant", (compiled.target,), name,
                                        f"deployed relation {gnode.relation_name if gnode else name} has no "
                                        "SELECT grant to WEB_APP", "grant select ... to WEB_APP", VIOLATION,
                                        gnode.original_file_path if gnode else "", 1))
    unique = {(f.rule.id, f.model, f.message): f for f in findings}
    return Outcome(outcome.findings + tuple(unique.values()), outcome.targets, outcome.rules_evaluated,
                   outcome.checks_run)


@click.command()
@click.option("--target", required=True, type=click.Choice(["dev", "ci", "staging", "prod"]))
@click.option("--manifest", "manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The checked compile (default: compile the target now).")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def verify(target: str, manifest: Path | None, project_dir: Path | None, work_dir: Path | None,
           fmt: str) -> None:
    """Check the red lines on the deployed SQL of a target and report drift from the checked compile."""
    from redline.cli import find_root, gather
    from viewership import db

    try:
        root = project_dir.resolve() if project_dir else find_root()
        gov = load_governance(root)
        env_map = load_environment_map(root)
        compiles, _ = gather(root, [target] if manifest is None else [], [f"{target}={manifest}"]
                             if manifest else [], work_dir)
        compiled = compiles[target]
        # an incremental model's first build renders the non-incremental branch: accept both checksums
        alternatives: dict[str, set[str]] = {}
        if any(n.materialized == "incremental" for n in compiled.models()):
            base = (work_dir or root / "target_redline") / "non_incremental"
            other = load_compiles(compile_targets([target], root, base, assume_incremental=False))[target]
            alternatives = {uid: {md5(n.compiled_code or "")} for uid, n in other.nodes.items()}
        audit = env_map.location(target, "audit")
        try:
            database = db.connect(target)
        except db.DatabaseError as exc:
            raise CheckError(str(exc)) from exc
        try:
            log_ref = (f"{db.quote(str(audit['database']))}." if audit.get("database") else "") + \
                f"{db.quote(str(audit['schema']))}.{db.quote(LOG_TABLE)}"
            deployed: dict[str, Deployed] = dict(read_log(database, log_ref))
            models = compiled.models()
            for uid, sql in read_views(database, models).items():
                deployed[uid] = Deployed(compiled.nodes[uid].name, uid, "view", sql, md5(sql))
            grants = None
            if compiled.adapter == "postgres":
                gold, _ = compiled.select(gov.rule("RL-5").checks[0].selector)
                grants = read_grants(database, [n for n in gold if n.unique_id in deployed], "WEB_APP")
        finally:
            database.close()
        outcome = deployed_outcome(gov, compiled, deployed, root, grants, alternatives)
    except (ConfigError, ManifestError, CompileError, CheckError) as exc:
        click.echo(f"redline verify: could not evaluate: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(json.loads(report.as_json(outcome)), indent=2))
    else:
        click.echo(f"redline verify {target}: {len(deployed)} deployed models read "
                   f"({sum(1 for d in deployed.values() if d.kind == 'view')} views, "
                   f"{sum(1 for d in deployed.values() if d.kind == 'log')} from the deployment log)")
        click.echo(report.text(outcome))
    sys.exit(outcome.exit_code)
