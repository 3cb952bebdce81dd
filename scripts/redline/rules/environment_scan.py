"""RL-3, raw sources: `no_hard_coded_environment` — model/macro SQL and YAML (and hooks, snapshots, tests)
never spell an environment name as a database/table reference or as a Jinja string (comments, SQL strings,
CTE names, aliases, quoted column names and ref()/source() arguments are not references and are ignored).
The compiled-SQL checks of RL-3 are in `redline.rules.environment`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

from redline.registry import CheckContext, CheckError, Problem, project_check

NAME_TOKENS = {TokenType.VAR, TokenType.IDENTIFIER}
# a qualified name after these keywords names a relation, a schema or a database (grants, DDL in hooks)
TABLE_KEYWORDS = {TokenType.FROM, TokenType.JOIN, TokenType.INTO, TokenType.UPDATE, TokenType.TABLE,
                   TokenType.SCHEMA, TokenType.DATABASE}
# a bare name after these keywords is a database (`grant ... on database X`, `use [database] X`)
_DATABASE_KEYWORDS = {TokenType.DATABASE, TokenType.USE}
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


def sql_tokens(sql: str) -> list[Token]:
    try:
        return Tokenizer().tokenize(sql)
    except TokenError:
        # unbalanced quotes etc. in a macro body: fall back to the snowflake tokenizer, then give up
        from sqlglot.dialects.snowflake import Snowflake

        try:
            return Snowflake.Tokenizer().tokenize(sql)
        except TokenError as exc:
            raise CheckError(f"cannot tokenize: {exc}") from exc


def cte_names(tokens: Sequence[Token]) -> set[str]:
    """Names defined as `name as (`, `name as [not] materialized (` (PostgreSQL) or `name(cols) as (`."""
    names: set[str] = set()
    for i in range(len(tokens) - 2):
        if tokens[i].token_type not in NAME_TOKENS:
            continue
        j = i + 1
        if tokens[j].token_type == TokenType.L_PAREN:  # column list
            while j < len(tokens) and tokens[j].token_type != TokenType.R_PAREN:
                j += 1
            j += 1
        if j >= len(tokens) or tokens[j].token_type != TokenType.ALIAS:
            continue
        j += 1
        while j < len(tokens) and tokens[j].text.upper() in {"NOT", "MATERIALIZED"}:
            j += 1
        if j < len(tokens) and tokens[j].token_type == TokenType.L_PAREN:
            names.add(tokens[i].text.upper())
    return names


def scan_sql(source: str, dbs: frozenset[str], tables: frozenset[str]) -> list[Hit]:
    """Hard-coded environment references in one raw SQL/Jinja source."""
    hits: list[Hit] = []
    masked, snippets = _mask_jinja(source)
    tokens = sql_tokens(masked)
    ctes = cte_names(tokens)
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.token_type not in NAME_TOKENS:
            continue
        name = tok.text.upper()
        prev = tokens[i - 1] if i > 0 else None
        starts_name = prev is None or prev.token_type != TokenType.DOT
        dotted = i + 1 < n and tokens[i + 1].token_type == TokenType.DOT
        three_part = dotted and i + 3 < n and tokens[i + 2].token_type in NAME_TOKENS and \
            tokens[i + 3].token_type == TokenType.DOT
        in_table_position = False
        j = i
        while j >= 2 and tokens[j - 1].token_type == TokenType.DOT and tokens[j - 2].token_type in NAME_TOKENS:
            j -= 2
        if j > 0 and tokens[j - 1].token_type in TABLE_KEYWORDS:
            in_table_position = True
        if name in dbs and starts_name and name not in ctes and (three_part or (dotted and in_table_position)):
            hits.append(Hit(tok.line, tok.text, f"database {tok.text} in a qualified relation name"))
        elif name in dbs and not dotted and prev is not None and prev.token_type in _DATABASE_KEYWORDS:
            # `grant usage on database ASSETS`, `use database ASSETS`, `use ASSETS` (hooks, grant macros)
            hits.append(Hit(tok.line, tok.text, f"database {tok.text} named after {prev.text.upper()}"))
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


_SUBSCRIPT = re.compile(r"\[\s*(?:'[^']*'|\"[^\"]*\")\s*\]")


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
                        str(key.value).lower() in _YAML_KEYS:
                    text = str(value.value)
                    if text.upper() in names:
                        hits.append(Hit(value.start_mark.line + 1, text, f"{key.value}: {text} names an environment"))
                    elif "{{" in text or "{%" in text:  # a Jinja expression spelling a name in one branch
                        keyless = _SUBSCRIPT.sub("[]", text)  # ['dictionary'] is a location key of the map
                        hits.extend(Hit(value.start_mark.line + 1, h.text, f"{key.value}: {h.why}")
                                    for h in _scan_jinja(keyless, value.start_mark.line + 1, names))
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
