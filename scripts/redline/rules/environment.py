"""RL-3: environment database names come only from vars.environments (compiled SQL).

- `compiled_environment_binding` (per target): the compiled SQL references only its own target's databases,
  no other environment's table names, and has no unrendered `{{`/`{%`;
- `compiles_identical` (project): the compiles of all targets are the same once environment-bound
  identifiers are stripped (same SQL within an adapter, same relations across adapters).
The raw-source check `no_hard_coded_environment` is in `redline.rules.environment_scan`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType

from redline.config import EnvironmentMap
from redline.manifest import CompiledNode, ProjectCompile
from redline.registry import CheckContext, CheckError, Problem, model_check, project_check
from redline.rules.environment_scan import NAME_TOKENS, TABLE_KEYWORDS, cte_names


def _allowed_databases(env_map: EnvironmentMap, compiled: ProjectCompile) -> set[str]:
    allowed = set(env_map.databases(compiled.target))
    if compiled.target_database:
        allowed.add(compiled.target_database.upper())
    return allowed


def unrendered_jinja(sql: str) -> bool:
    """`{{` or `{%` outside string literals and comments."""
    masked = re.sub(r"'(?:[^']|'')*'", "''", sql)
    masked = re.sub(r"--[^\n]*|/\*.*?\*/", " ", masked, flags=re.DOTALL)
    return "{{" in masked or "{%" in masked or "}}" in masked


@dataclass(frozen=True)
class Relation:
    """A relation reference found in compiled SQL: catalog/schema/name (upper-cased; '' when absent) and the
    token indexes of its qualifier parts and name."""

    catalog: str
    schema: str
    name: str
    qualifier_tokens: tuple[int, ...]
    name_token: int

    def sql(self) -> str:
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)


_TOKEN_CACHE: dict[tuple[str, str], tuple[list[Token], list[Relation]]] = {}


def relations(sql: str, dialect: str) -> tuple[list[Token], list[Relation]]:
    """Tokens of compiled SQL and the relation references in it, from the tokenizer (no parse): a name of
    three or more dotted parts, or a one/two-part name right after FROM/JOIN/INTO/UPDATE/TABLE that is not
    one of the query's CTEs. Comments and string literals are never names."""
    key = (sql, dialect)
    if key in _TOKEN_CACHE:
        return _TOKEN_CACHE[key]
    from sqlglot.dialects.dialect import Dialect

    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    except TokenError as exc:
        raise CheckError(f"cannot tokenize the compiled SQL: {exc}") from exc
    ctes = cte_names(tokens)
    out: list[Relation] = []
    i, n = 0, len(tokens)
    while i < n:
        if tokens[i].token_type not in NAME_TOKENS or (i > 0 and tokens[i - 1].token_type == TokenType.DOT):
            i += 1
            continue
        chain = [i]
        j = i
        while j + 2 < n and tokens[j + 1].token_type == TokenType.DOT and tokens[j + 2].token_type in NAME_TOKENS:
            j += 2
            chain.append(j)
        table_position = i > 0 and tokens[i - 1].token_type in TABLE_KEYWORDS
        parts = [tokens[k].text.upper() for k in chain]
        if len(chain) >= 3:
            out.append(Relation(parts[0], parts[1], parts[2], (chain[0], chain[1]), chain[2]))
        elif table_position and len(chain) == 2:
            out.append(Relation("", parts[0], parts[1], (chain[0],), chain[1]))
        elif table_position and parts[0] not in ctes:
            out.append(Relation("", "", parts[0], (), chain[0]))
        i = j + 1
    _TOKEN_CACHE[key] = (tokens, out)
    return tokens, out


@model_check("compiled_environment_binding")
def compiled_environment_binding(ctx: CheckContext, node: CompiledNode,
                                 params: Mapping[str, Any]) -> Iterator[Problem]:
    """Each target's compiled SQL references only that target's databases (from vars.environments and the
    profile), no other environment's table names, and contains no unrendered Jinja."""
    compiled = ctx.compiles[node.target]
    if unrendered_jinja(node.sql):
        yield Problem(node.name, "compiled SQL contains an unsubstituted `{{`/`{%`",
                      "fully rendered SQL", anchor="{{")
    allowed = _allowed_databases(ctx.env_map, compiled)
    foreign_dbs = ctx.env_map.all_databases() - allowed
    own_tables = ctx.env_map.table_names(node.target)
    foreign_tables = ctx.env_map.all_table_names() - own_tables
    own_schemas = ctx.env_map.schemas(node.target)
    _tokens, refs = relations(node.sql, node.dialect)
    for rel in refs:
        if rel.catalog and rel.catalog not in allowed:
            yield Problem(node.name, f"references database {rel.catalog} ({rel.sql()}), "
                          f"which is not a database of target {node.target}",
                          f"only {sorted(allowed)}", anchor=rel.catalog)
        elif not rel.catalog and rel.schema in foreign_dbs and rel.schema not in own_schemas:
            yield Problem(node.name, f"references {rel.sql()}: {rel.schema} is a database "
                          f"of another environment", f"only {sorted(allowed)}", anchor=rel.schema)
        if rel.name in foreign_tables:
            yield Problem(node.name, f"references table {rel.name}, bound to another environment",
                          f"the table name of {node.target} from vars.environments", anchor=rel.name)


def normalized_sql(node: CompiledNode, env_map: EnvironmentMap) -> str:
    """Compiled SQL tokens with relation qualifiers and env-bound table names replaced by placeholders."""
    tokens, refs = relations(node.sql, node.dialect)
    tables = env_map.table_names(node.target)
    replaced: dict[int, str] = {}
    for rel in refs:
        for k in rel.qualifier_tokens:
            replaced[k] = "<qualifier>"
        if rel.name in tables:
            replaced[rel.name_token] = "<env_table>"
    lines: list[str] = []
    current: list[str] = []
    line = tokens[0].line if tokens else 0
    for k, tok in enumerate(tokens):
        if tok.line != line:
            lines.append(" ".join(current))
            current, line = [], tok.line
        current.append(replaced.get(k, tok.text))
    lines.append(" ".join(current))
    return "\n".join(lines)


def relation_names(node: CompiledNode, env_map: EnvironmentMap) -> set[str]:
    tables = env_map.table_names(node.target)
    _tokens, refs = relations(node.sql, node.dialect)
    return {"<ENV_TABLE>" if rel.name in tables else rel.name for rel in refs}


def _first_difference(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False)):
        if x != y:
            return f"line {i + 1}: `{x.strip()[:70]}` vs `{y.strip()[:70]}`"
    return "one compile is longer"


@project_check("compiles_identical")
def compiles_identical(ctx: CheckContext, params: Mapping[str, Any]) -> Iterator[Problem]:
    """Once environment-bound identifiers are stripped, every model compiles to the same SQL on every target
    of the same adapter and reads the same relations on every target: nothing else may depend on the
    environment (no `{% if target.name == 'prod' %}` logic)."""
    compiles = list(ctx.compiles.values())
    if len(compiles) < 2:
        return
    names = sorted({n.name for c in compiles for n in c.models()
                    if ctx.focus is None or n.name in ctx.focus})
    for name in names:
        present = {c.target: c.by_name(name) for c in compiles}
        absent = [t for t, n in present.items() if n is None]
        if absent:
            yield Problem(name, f"the model exists on some targets but not on {absent}",
                          "the same models on every target", anchor="enabled")
            continue
        nodes = [n for n in present.values() if n is not None]
        by_adapter: dict[str, list[CompiledNode]] = {}
        for n in nodes:
            by_adapter.setdefault(ctx.compiles[n.target].adapter, []).append(n)
        for group in by_adapter.values():
            base = group[0]
            base_sql = normalized_sql(base, ctx.env_map)
            for other in group[1:]:
                other_sql = normalized_sql(other, ctx.env_map)
                if other_sql != base_sql:
                    yield Problem(name, f"compiles differently on {base.target} and {other.target} beyond "
                                  f"environment names ({_first_difference(base_sql, other_sql)})",
                                  "target-independent SQL", anchor="target")
        base = nodes[0]
        base_rel = relation_names(base, ctx.env_map)
        for other in nodes[1:]:
            rel = relation_names(other, ctx.env_map)
            if rel != base_rel:
                diff = sorted(rel ^ base_rel)
                yield Problem(name, f"reads different relations on {base.target} and {other.target}: {diff}",
                              "the same relations on every target", anchor="target")
