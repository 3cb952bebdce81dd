"""RL-3: environment database names come only from vars.environments.

Three checks:
- `no_hard_coded_environment` (project): raw model/macro SQL and YAML never spell an environment name as a
  database/table reference or as a Jinja string (comments, SQL strings, CTE names, aliases, quoted column
  names and ref()/source() arguments are not references and are ignored);
- `compiled_environment_binding` (per target): the compiled SQL references only its own target's databases,
  no other environment's table names, and has no unrendered `{{`/`{%`;
- `compiles_identical` (project): the compiles of all targets are the same once environment-bound
  identifiers are stripped (same SQL within an adapter, same relations across adapters).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

from redline.config import EnvironmentMap
from redline.manifest import CompiledNode, ProjectCompile
from redline.registry import CheckContext, CheckError, Problem, model_check, project_check
from redline.sqlast import parse, physical_tables

_NAME_TOKENS = {TokenType.VAR, TokenType.IDENTIFIER}
_TABLE_KEYWORDS = {TokenType.FROM, TokenType.JOIN, TokenType.INTO, TokenType.UPDATE, TokenType.TABLE}
_EXEMPT_CALLS = {"ref", "source", "doc", "env_var", "var", "return"}
_YAML_KEYS = {"database", "+database", "schema", "+schema", "alias", "+alias", "project"}


@dataclass(frozen=True)
class Hit:
    line: int
    text: str
    why: str


def jinja_spans(source: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every {# #}, {% %} and {{ }} construct; quotes inside Jinja are respected, so a
    string such as post_hook="{{ macro() }}" does not end the enclosing construct."""
    i, n = 0, len(source)
    while i < n - 1:
        two = source[i:i + 2]
        if two == "{#":
            end = source.find("#}", i + 2)
            end = n if end < 0 else end + 2
            yield i, end
            i = end
            continue
        if two in ("{{", "{%"):
            closer = "}}" if two == "{{" else "%}"
            j, quote, depth = i + 2, "", 0
            while j < n:
                ch = source[j]
                if quote:
                    if ch == "\\":
                        j += 2
                        continue
                    if ch == quote:
                        quote = ""
                elif ch in "'\"":
                    quote = ch
                elif ch in "([{":
                    depth += 1
                elif ch in ")]}" and depth > 0:
                    depth -= 1
                elif source.startswith(closer, j):
                    break
                j += 1
            end = min(n, j + 2)
            yield i, end
            i = end
            continue
        i += 1


def _mask_jinja(source: str) -> tuple[str, list[tuple[int, str]]]:
    """SQL with Jinja replaced by a placeholder (line numbers kept) and the Jinja snippets with their lines."""
    snippets: list[tuple[int, str]] = []
    out: list[str] = []
    pos = 0
    for start, end in jinja_spans(source):
        out.append(source[pos:start])
        text = source[start:end]
        line = source.count("\n", 0, start) + 1
        if not text.startswith("{#"):
            snippets.append((line, text))
        filler = " __jinja__ " if text.startswith("{{") else " "
        out.append(filler + "\n" * text.count("\n"))
        pos = end
    out.append(source[pos:])
    return "".join(out), snippets


def _sql_tokens(sql: str) -> list[Token]:
    try:
        return Tokenizer().tokenize(sql)
    except TokenError:
        # unbalanced quotes etc. in a macro body: fall back to the snowflake tokenizer, then give up
        from sqlglot.dialects.snowflake import Snowflake

        try:
            return Snowflake.Tokenizer().tokenize(sql)
        except TokenError as exc:
            raise CheckError(f"cannot tokenize: {exc}") from exc


def _cte_names(tokens: Sequence[Token]) -> set[str]:
    names: set[str] = set()
    for i in range(len(tokens) - 2):
        if tokens[i].token_type in _NAME_TOKENS and tokens[i + 1].token_type == TokenType.ALIAS and \
                tokens[i + 2].token_type == TokenType.L_PAREN:
            names.add(tokens[i].text.upper())
    return names


def scan_sql(source: str, dbs: frozenset[str], tables: frozenset[str]) -> list[Hit]:
    """Hard-coded environment references in one raw SQL/Jinja source."""
    hits: list[Hit] = []
    masked, snippets = _mask_jinja(source)
    tokens = _sql_tokens(masked)
    ctes = _cte_names(tokens)
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.token_type not in _NAME_TOKENS:
            continue
        name = tok.text.upper()
        prev = tokens[i - 1] if i > 0 else None
        starts_name = prev is None or prev.token_type != TokenType.DOT
        dotted = i + 1 < n and tokens[i + 1].token_type == TokenType.DOT
        three_part = dotted and i + 3 < n and tokens[i + 2].token_type in _NAME_TOKENS and \
            tokens[i + 3].token_type == TokenType.DOT
        in_table_position = False
        j = i
        while j >= 2 and tokens[j - 1].token_type == TokenType.DOT and tokens[j - 2].token_type in _NAME_TOKENS:
            j -= 2
        if j > 0 and tokens[j - 1].token_type in _TABLE_KEYWORDS:
            in_table_position = True
        if name in dbs and starts_name and name not in ctes and (three_part or (dotted and in_table_position)):
            hits.append(Hit(tok.line, tok.text, f"database {tok.text} in a qualified relation name"))
        elif name in tables and in_table_position and name not in ctes and not dotted:
            hits.append(Hit(tok.line, tok.text, f"environment table name {tok.text} as a relation"))
    for line, snippet in snippets:
        hits.extend(_scan_jinja(snippet, line, dbs | tables))
    return hits


def _scan_jinja(snippet: str, first_line: int, names: frozenset[str]) -> Iterator[Hit]:
    env = jinja2.Environment(autoescape=False)
    try:
        tokens = list(env.lex(snippet))
    except jinja2.TemplateSyntaxError:
        return
    calls: list[str | None] = []
    last_name: str | None = None
    for lineno, kind, value in tokens:
        if kind == "whitespace":
            continue
        if kind == "operator" and value == "(":
            calls.append(last_name)
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        if kind == "name":
            last_name = value
            continue
        if kind == "string":
            text = str(value)[1:-1] if str(value)[:1] in {"'", '"'} else str(value)
            if text.upper() in names and not ({c for c in calls if c} & _EXEMPT_CALLS):
                yield Hit(first_line + lineno - 1, text, f"Jinja string '{text}' names an environment")
        last_name = None


def scan_yaml(text: str, names: frozenset[str]) -> list[Hit]:
    """database/schema/alias values in model/source YAML that spell an environment name."""
    hits: list[Hit] = []
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return hits

    def walk(n: yaml.Node) -> None:
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode) and \
                        str(key.value).lower() in _YAML_KEYS and str(value.value).upper() in names:
                    hits.append(Hit(value.start_mark.line + 1, str(value.value),
                                    f"{key.value}: {value.value} names an environment"))
                walk(value)
        elif isinstance(n, yaml.SequenceNode):
            for item in n.value:
                walk(item)

    if node is not None:
        walk(node)
    return hits


def source_files(root: Path, globs: Sequence[str]) -> list[Path]:
    files: set[Path] = set()
    for pattern in globs:
        files |= {p for p in root.glob(pattern) if p.is_file()}
    return sorted(files)


@project_check("no_hard_coded_environment")
def no_hard_coded_environment(ctx: CheckContext, params: Mapping[str, Any]) -> Iterator[Problem]:
    """No model or macro source spells an environment database (or env-bound table) name: every one comes
    from vars.environments through the env_* macros (2025-12-03: 59 hard-coded staging names in prod)."""
    globs = [str(g) for g in params.get("paths", ["models/**/*.sql", "macros/**/*.sql", "models/**/*.yml"])]
    exclude = [str(g) for g in params.get("exclude", [])]
    dbs = ctx.env_map.all_databases()
    tables = ctx.env_map.all_table_names()
    if ctx.focus is not None:
        files = dict(ctx.overrides)  # mutation testing: only the mutated sources
    else:
        files = {p.relative_to(ctx.root).as_posix(): p.read_text(encoding="utf-8")
                 for p in source_files(ctx.root, globs)}
        files.update(ctx.overrides)
    for rel, text in sorted(files.items()):
        path = Path(rel)
        if any(path.match(g) for g in exclude):
            continue
        hits = scan_yaml(text, dbs | tables) if path.suffix in {".yml", ".yaml"} else scan_sql(text, dbs, tables)
        for hit in hits:
            yield Problem(path.stem, f"hard-coded environment name: {hit.why}",
                          "the name from vars.environments via source()/ref()/env_database()",
                          file=rel, line=hit.line)


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
    tree = parse(node.sql, node.dialect)
    for table in physical_tables(tree):
        catalog = table.catalog.upper() if table.catalog else ""
        db = table.db.upper() if table.db else ""
        name = table.name.upper()
        if catalog and catalog not in allowed:
            yield Problem(node.name, f"references database {table.catalog} ({table.sql(dialect=node.dialect)}), "
                          f"which is not a database of target {node.target}",
                          f"only {sorted(allowed)}", anchor=table.catalog)
        elif not catalog and db in foreign_dbs and db not in own_schemas:
            yield Problem(node.name, f"references {table.sql(dialect=node.dialect)}: {table.db} is a database "
                          f"of another environment", f"only {sorted(allowed)}", anchor=table.db)
        if name in foreign_tables:
            yield Problem(node.name, f"references table {table.name}, bound to another environment",
                          f"the table name of {node.target} from vars.environments", anchor=table.name)


def normalized_sql(node: CompiledNode, env_map: EnvironmentMap) -> str:
    """Compiled SQL with database/schema qualifiers and env-bound table names replaced by placeholders."""
    tree = parse(node.sql, node.dialect).copy()
    tables = env_map.table_names(node.target)
    for table in physical_tables(tree):
        if table.args.get("catalog") is not None:
            table.set("catalog", exp.to_identifier("__db__"))
        if table.args.get("db") is not None:
            table.set("db", exp.to_identifier("__schema__"))
        if table.name.upper() in tables:
            table.set("this", exp.to_identifier("__env_table__"))
    return tree.sql(dialect=node.dialect, pretty=True)


def relation_names(node: CompiledNode, env_map: EnvironmentMap) -> set[str]:
    tables = env_map.table_names(node.target)
    out: set[str] = set()
    for table in physical_tables(parse(node.sql, node.dialect)):
        name = table.name.upper()
        out.add("__ENV_TABLE__" if name in tables else name)
    return out


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
