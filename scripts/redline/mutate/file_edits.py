"""Mutants of the raw model files: source() calls and YAML config edited in the text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from redline.mutate.rl3 import EnvNames

SOURCE_CALL = re.compile(r"\{\{\s*source\(\s*'(\w+)'\s*,\s*'(\w+)'\s*\)\s*\}\}")
ANCHOR = "\nwith\n"


def raw_source_edits(text: str, names: EnvNames) -> Iterator[tuple[str, str, str, str, bool]]:
    """(operator, description, old, new, equivalent) edits of a model's raw source: environment names
    spelled in code (must be flagged) or only in comments, strings and look-alike identifiers (must not).
    The texts are only scanned by the checker, never run (hence the S608 waivers below)."""
    if not names.databases or ANCHOR not in text:
        return
    first, last = names.databases[0], names.databases[-1]
    low = first.lower()
    call = SOURCE_CALL.search(text)
    if call is not None:
        table = call.group(2)
        yield "hard_code_source", f"source() replaced by {last}.PUBLIC.{table}", call.group(0), \
            f"{last}.PUBLIC.{table}", False
        yield "hard_code_quoted", f'source() replaced by "{first}"."PUBLIC"."{table}"', call.group(0), \
            f'"{first}"."PUBLIC"."{table}"', False
    yield "hard_code_config", f"config(database='{last}') added", ANCHOR, \
        f"\n{{{{ config(database='{last}') }}}}{ANCHOR}", False
    yield "hard_code_two_part", f"from {first}.some_table", ANCHOR, \
        f"{ANCHOR}\nhard_coded as (select * from {first}.some_table),\n", False  # noqa: S608
    if names.tables:
        yield "hard_code_table", f"from {names.tables[0]}", ANCHOR, \
            f"{ANCHOR}\nhard_coded as (select * from {names.tables[0]}),\n", False  # noqa: S608
    yield "comment_name", f"a SQL comment naming {last}.PUBLIC.x", ANCHOR, \
        f"\n-- legacy: {last}.PUBLIC.x and {first}.PUBLIC.y{ANCHOR}", True
    yield "jinja_comment_name", f"a Jinja comment naming {first}.PUBLIC.x", ANCHOR, \
        f"\n{{# moved from {first}.PUBLIC.x #}}{ANCHOR}", True
    yield "string_name", f"a string literal naming {first}.PUBLIC.X", ANCHOR, \
        f"{ANCHOR}\nnotes as (select 'was {first}.PUBLIC.X' as note_text),\n", True
    yield "cte_named_like_db", f"a CTE named {low}, used qualified", ANCHOR, \
        f"{ANCHOR}\n{low} as (select 1 as ref_id),\n{low}_used as (select {low}.ref_id from {low}),\n", True  # noqa: S608
    yield "quoted_alias", f'a quoted alias "{last}"', ANCHOR, f'{ANCHOR}\nq as (select 1 as "{last}"),\n', True
    yield "ref_named_like_db", f"ref('{low}') (a model named like a database)", ANCHOR, \
        f"{ANCHOR}\nr as (select * from {{{{ ref('{low}') }}}}),\n", True  # noqa: S608


CONFIG_ANCHOR = "    config:\n"


def yaml_edits(text: str, names: EnvNames) -> Iterator[tuple[str, str, str, str, bool]]:
    if not names.databases or CONFIG_ANCHOR not in text:
        return
    first, last = names.databases[0], names.databases[-1]
    yield "yaml_database", f"database: {first} on a model", CONFIG_ANCHOR, \
        f"{CONFIG_ANCHOR}      database: {first}\n", False
    if names.tables:
        yield "yaml_alias", f"alias: {names.tables[0]}", CONFIG_ANCHOR, \
            f"{CONFIG_ANCHOR}      alias: {names.tables[0]}\n", False
    yield "yaml_description", f"meta note mentioning {last}", CONFIG_ANCHOR, \
        f"{CONFIG_ANCHOR}      meta: {{note: 'prod runs in {last}'}}\n", True
