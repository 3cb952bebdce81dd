"""Environment mutants: hard-coded databases and target-dependent SQL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from redline.config import (
    EnvironmentMap,
)
from redline.manifest import CompiledNode, ProjectCompile
from redline.mutate.records import Transform
from redline.mutate.rl2 import _apply
from redline.sqlast import parse, physical_tables


def rl3_mutants(node: CompiledNode, env_map: EnvironmentMap, compiled: ProjectCompile,
                spread: Mapping[str, str]) -> Iterator[tuple[str, str, str, bool]]:
    d = node.dialect
    tree = parse(node.sql, d)
    own = env_map.databases(node.target) | ({compiled.target_database.upper()} if compiled.target_database else set())
    foreign = sorted(env_map.all_databases() - own)
    tables = physical_tables(tree)
    for i in range(min(len(tables), 2)):
        for db in foreign[:3]:
            def hard_code(copy: exp.Expr, i: int = i, db: str = db) -> bool:
                found = physical_tables(copy)
                if i >= len(found):
                    return False
                t = found[i]
                t.set("catalog", exp.to_identifier(db))
                if t.args.get("db") is None:
                    t.set("db", exp.to_identifier("PUBLIC"))
                return True
            yield "hard_code_database", f"relation #{i} in {db}", _apply(tree, hard_code, d), False
    other_tables = sorted(env_map.all_table_names() - env_map.table_names(node.target))
    if other_tables and tables:
        def foreign_table(copy: exp.Expr, name: str = other_tables[0]) -> bool:
            t = physical_tables(copy)[0]
            t.set("this", exp.to_identifier(name))
            return True
        yield "foreign_table_name", f"relation renamed to {other_tables[0]}", _apply(tree, foreign_table, d), False
    yield "unrendered_jinja", "an unrendered {{ ref() }} left in the SQL", \
        node.sql.replace("select", "select {{ ref('x') }} as leftover,", 1), False
    for operator, projection in spread.items():
        yield operator, f"every target: `{projection}` added", _apply(tree, _add_projection(projection), d), True


@dataclass(frozen=True)
class EnvNames:
    """Environment names the mutants spell, all read from vars.environments (dbt_project.yml)."""

    databases: tuple[str, ...]  # sorted
    tables: tuple[str, ...]  # env-bound table names that differ between targets (else all), sorted

    @classmethod
    def of(cls, env_map: EnvironmentMap) -> EnvNames:
        per_target = [env_map.table_names(t) for t in env_map.targets]
        common = frozenset.intersection(*per_target) if per_target else frozenset()
        tables = sorted(env_map.all_table_names() - common) or sorted(env_map.all_table_names())
        return cls(tuple(sorted(env_map.all_databases())), tuple(tables))

    def everywhere(self) -> dict[str, str]:
        """Equivalent edits applied on every target: names only inside a string or a quoted alias."""
        if not self.databases:
            return {}
        first, last = self.databases[0], self.databases[-1]
        return {"equivalent_string_literal": f"'copied from {first} to {last}' as note_text",
                "equivalent_quoted_alias": f'1 as "{first}"'}


def _add_projection(sql: str) -> Transform:
    def apply(copy: exp.Expr) -> bool:
        selects = [s for s in copy.find_all(exp.Select)]
        if not selects:
            return False
        root = copy if isinstance(copy, exp.Select) else selects[-1]
        root.set("expressions", [*root.expressions, sqlglot.parse_one(f"select {sql}").expressions[0]])
        return True
    return apply
