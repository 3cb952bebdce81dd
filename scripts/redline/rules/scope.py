"""Red lines over everything dbt executes, not only the models' SQL (issue #15, class 4).

- `processed_marking` (model, RL-1): the move model's post-hook marks processed exactly the upload rows whose
  ids reached bronze (`id in (select viewership_id from {{ this }})` or a correlated EXISTS on the id), never
  by file name or another key, and with no OR'd escape;
- `hook_statements` (project, RL-5): no hook (pre/post, on-run-start/end) nor a project macro it calls
  revokes anything, and the required hooks (the gold schema usage grant) are still run;
- `executed_environment_binding` (project, RL-3): hooks spell no environment database, and the compiled SQL
  of snapshots, seeds and operations references only its own target's databases;
- `environment_map_isolated` (project, RL-3): one environment map: no target's map points a location at a
  database another target owns (staging moving prod's uploads), and no second map (another var naming
  environment databases);
- `grants_by_location` (model, RL-5): every model materialized in the gold location of the environment map,
  or read by an exposure (the app), grants the role, wherever its file lives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import TokenType

from redline.hooks import Hook, expand, exposure_models, hooks, node_hooks, project_macros, render_sketch
from redline.manifest import CompiledNode
from redline.registry import CheckContext, CheckError, Problem, model_check, param, project_check
from redline.sqlast import conjuncts, unparen


def _statements(text: str, dialect: str) -> list[exp.Expr]:
    out: list[exp.Expr] = []
    try:
        parsed = sqlglot.parse(render_sketch(text), dialect=dialect)
    except (ParseError, TokenError):
        return out
    return [p for p in parsed if p is not None]


def _marks_by_id(update: exp.Update, id_column: str, bronze_column: str) -> bool:
    """A top-level WHERE conjunct restricting the update to ids present in bronze ({{ this }})."""
    target = update.this.alias_or_name.lower() if isinstance(update.this, exp.Table) else ""
    for term in conjuncts(update.args.get("where")):
        term = unparen(term)
        if isinstance(term, exp.In) and isinstance(term.this, exp.Column) and \
                term.this.name.lower() == id_column and term.args.get("query") is not None:
            query = term.args["query"]
            select = query.this if isinstance(query, exp.Subquery) else query
            if isinstance(select, exp.Select) and _reads_this(select) and len(select.expressions) == 1 and \
                    unparen(select.expressions[0]).alias_or_name.lower() == bronze_column and \
                    select.args.get("where") is None:
                return True
        if isinstance(term, exp.Exists) and isinstance(term.this, exp.Select) and _reads_this(term.this):
            for eq in conjuncts(term.this.args.get("where")):
                eq = unparen(eq)
                if isinstance(eq, exp.EQ) and {c.name.lower() for c in eq.find_all(exp.Column)} == \
                        {id_column, bronze_column} and any(c.table.lower() in {target, ""} and
                                                           c.name.lower() == id_column
                                                           for c in eq.find_all(exp.Column)):
                    return len(conjuncts(term.this.args.get("where"))) == 1
    return False


def _reads_this(select: exp.Select) -> bool:
    tables = [t.name.lower() for t in select.find_all(exp.Table)]
    return tables == ["__this__"]


@model_check("processed_marking")
def processed_marking(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """The move model's post-hook must mark `processed` only on the upload rows whose ids are in bronze: a
    row that did not reach bronze must never be marked (marking by file name marks rows filtered out or
    failed, which are then never copied)."""
    source = param(params, "source", dict)
    placeholder = f"__source__{source.get('location', '')}__{source.get('table', '')}".lower()
    id_column = str(params.get("id_column", "id")).lower()
    bronze_column = str(params.get("bronze_column", "viewership_id")).lower()
    compiled = ctx.compiles[node.target]
    macros = project_macros(compiled)
    updates: list[exp.Update] = []
    for hook in node_hooks(compiled, node.name, "post-hook"):
        for _name, text in expand(hook.sql, macros):
            for stmt in _statements(text, node.dialect):
                if isinstance(stmt, exp.Update) and isinstance(stmt.this, exp.Table) and \
                        stmt.this.name.lower() == placeholder:
                    updates.append(stmt)
    if not updates:
        yield Problem(node.name, f"no post-hook marks the {source.get('location')} rows processed",
                      "a post-hook updating processed for the ids copied to bronze", anchor="post_hook")
        return
    for update in updates:
        if not _marks_by_id(update, id_column, bronze_column):
            where = update.args.get("where")
            yield Problem(node.name, "the processed-marking post-hook does not mark by the ids that reached bronze "
                          f"(where: `{where.this.sql()[:100] if where else 'none'}`)",
                          f"a WHERE conjunct keeping only {id_column} values among this model's {bronze_column}",
                          anchor="post_hook")


def _hook_file(hook: Hook, macro: str, macros: Mapping[str, tuple[str, str]]) -> str:
    return macros[macro][1] if macro in macros else hook.file


@project_check("hook_statements")
def hook_statements(ctx: CheckContext, params: Mapping[str, Any]) -> Iterator[Problem]:
    """No hook, nor a project macro a hook calls, revokes a privilege (a `revoke select ... from WEB_APP` in
    a post-hook undoes the gold grants after every run); the required hooks still run."""
    required = [str(x) for x in params.get("required_on_run_end", [])]
    forbidden = {str(x).upper() for x in params.get("forbidden_keywords", ["REVOKE"])}
    reported: set[tuple[str, str]] = set()
    for compiled in ctx.compiles.values():
        macros = project_macros(compiled)
        all_hooks = hooks(compiled)
        if not all_hooks and not compiled.manifest_path.is_file():
            continue
        for hook in all_hooks:
            for name, text in expand(hook.sql, macros):
                words = {w.upper() for w in _words(render_sketch(text))}
                for keyword in sorted(words & forbidden):
                    key = (hook.owner, f"{name}:{keyword}")
                    if key in reported:
                        continue
                    reported.add(key)
                    via = "" if name == "hook" else f" (in macro {name})"
                    yield Problem(hook.owner, f"the {hook.kind} of {hook.owner} runs {keyword}{via}",
                                  f"no {keyword.lower()} in hooks: grants are config (+grants)",
                                  file=_hook_file(hook, name, macros), line=1)
        run_end = " ".join(h.sql for h in all_hooks if h.kind == "on-run-end")
        for macro in required:
            if macro not in run_end and ("on-run-end", macro) not in reported:
                reported.add(("on-run-end", macro))
                yield Problem("on-run-end", f"on-run-end no longer calls {macro}() on {compiled.target}",
                              f"`{{{{ {macro}() }}}}` in on-run-end", file="dbt_project.yml", line=1)


def _words(sql: str) -> list[str]:
    """Keywords/identifiers of SQL text (comments and strings excluded)."""
    from redline.rules.environment_scan import sql_tokens

    try:
        tokens = sql_tokens(sql)
    except CheckError:
        return []
    return [t.text for t in tokens if t.token_type not in {TokenType.STRING}]


@project_check("executed_environment_binding")
def executed_environment_binding(ctx: CheckContext, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Hooks spell no environment database or env-bound table, and the compiled SQL of snapshots, seeds and
    operations of each target references only that target's databases."""
    from redline.rules.environment import compiled_environment_binding
    from redline.rules.environment_scan import scan_sql

    dbs = ctx.env_map.all_databases()
    tables = ctx.env_map.all_table_names()
    reported: set[tuple[str, str]] = set()
    for compiled in ctx.compiles.values():
        for hook in hooks(compiled):
            for hit in scan_sql(hook.sql, dbs, tables):
                key = (hook.owner, hit.text)
                if key not in reported:
                    reported.add(key)
                    yield Problem(hook.owner, f"the {hook.kind} spells an environment name: {hit.why}",
                                  "the name from vars.environments via source()/ref()/env_database()",
                                  file=hook.file, line=1)
        allowed = set(ctx.env_map.databases(compiled.target))
        if compiled.target_database:
            allowed.add(compiled.target_database.upper())
        for node in compiled.nodes.values():
            if node.resource_type in {"model", "snapshot", "seed"} and node.database and \
                    node.database.upper() not in allowed and node.materialized != "ephemeral":
                key = (node.name, f"database:{node.database}")
                if key not in reported:
                    reported.add(key)
                    yield Problem(node.name, f"{node.resource_type} is materialized in database {node.database} on "
                                  f"{compiled.target}, not one of the target's databases {sorted(allowed)}",
                                  "+database: a location of vars.environments",
                                  file=node.original_file_path, line=1)
            if node.resource_type not in {"snapshot", "seed"} or not node.compiled_code:
                continue
            for problem in compiled_environment_binding(ctx, node, {}):
                key = (node.name, problem.message)
                if key not in reported:
                    reported.add(key)
                    yield Problem(node.name, f"{node.resource_type} on {compiled.target}: {problem.message}",
                                  problem.missing, file=node.original_file_path, line=1)


@project_check("environment_map_isolated")
def environment_map_isolated(ctx: CheckContext, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Each target's map names only its own databases (locations listed in `shared` may use the same
    database on several targets, e.g. the dictionary), and dbt_project.yml has no second map (another var
    naming environment databases)."""
    shared = {str(x).lower() for x in params.get("shared", [])}
    owners: dict[str, set[str]] = {}
    for target, entries in ctx.env_map.targets.items():
        for location, value in entries.items():
            if isinstance(value, dict) and value.get("database") and str(location).lower() not in shared:
                owners.setdefault(str(value["database"]).upper(), set()).add(target)
    for db, targets in sorted(owners.items()):
        if len(targets) > 1:
            yield Problem("vars.environments", f"database {db} is used by targets {sorted(targets)}: one target's "
                          "map points at another target's databases",
                          "each target's locations in its own databases", file="dbt_project.yml",
                          line=_line_of(ctx.root, db))
    names = ctx.env_map.hard_coded_names()
    try:
        data = yaml.safe_load((ctx.root / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CheckError(f"dbt_project.yml: {exc}") from exc
    for key, value in (data.get("vars") or {}).items():
        if key == "environments":
            continue
        spelled = sorted({s for s in _scalars(value) if s.upper() in names})
        if spelled:
            yield Problem("vars." + str(key), f"vars.{key} names environment databases {spelled[:4]}: a second "
                          "environment map", "one map: vars.environments", file="dbt_project.yml",
                          line=_line_of(ctx.root, str(key) + ":"))


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    elif value is not None:
        yield str(value)


def _line_of(root: Path, needle: str) -> int:
    try:
        lines = (root / "dbt_project.yml").read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    for i, line in enumerate(lines, start=1):
        if needle in line:
            return i
    return 1


@project_check("grants_by_location")
def grants_by_location(ctx: CheckContext, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Every model materialized in the gold location (database and schema of the environment map for the
    target) or read by an exposure must grant the role, whatever folder or tag it has: moving a gold model
    out of models/gold must not drop WEB_APP's access. Looks at every model of every target."""
    from redline.rules.grants import grants_role

    location = str(params.get("location", "gold"))
    reported: set[tuple[str, str]] = set()
    for compiled in ctx.compiles.values():
        entry = ctx.env_map.location(compiled.target, location)
        db = str(entry.get("database") or compiled.target_database or "").upper()
        schema = str(entry.get("schema") or "").upper()
        exposed = exposure_models(compiled)
        for node in compiled.models():
            if ctx.focus is not None and node.name not in ctx.focus:
                continue
            in_gold = (node.schema or "").upper() == schema and (not db or (node.database or "").upper() == db)
            if node.materialized == "ephemeral" or not (in_gold or node.unique_id in exposed):
                continue
            for problem in grants_role(ctx, node, params):
                why = f"materialized in {location}" if in_gold else "read by an exposure"
                key = (node.name, problem.message)
                if key in reported:
                    continue
                reported.add(key)
                yield Problem(problem.model, f"{why}: {problem.message}", problem.missing, anchor=problem.anchor)
