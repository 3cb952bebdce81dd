"""One model's sqlglot lineage nodes, classified (passed through, renamed, computed) and folded."""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp
from sqlglot.lineage import Node

from viewership.column_lineage.manifest_graph import _table_key
from viewership.column_lineage.records import (
    COMPUTED,
    FOLDED_MAX_CHARS,
    FOLDED_MAX_NODES,
    PASSED_THROUGH,
    RENAMED,
    ColumnLineage,
    ColumnRef,
)


def _is_transparent(expression: exp.Expr) -> bool:
    """A column reference, possibly cast or parenthesized: the value is not computed."""
    node = expression.unalias() if isinstance(expression, exp.Alias) else expression
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren)):
        node = node.this
    return isinstance(node, exp.Column)


def _leaf_column(node: Node, dialect: str) -> str:
    column = sqlglot.maybe_parse(node.name, into=exp.Column, dialect=dialect)
    return column.name.lower() if isinstance(column, exp.Column) else node.name.rsplit(".", 1)[-1].strip('"').lower()


class _ModelWalker:
    """Classifies and folds the sqlglot lineage nodes of one model (memoized per node)."""

    def __init__(self, dialect: str, relation_of: Mapping[tuple[str, str, str], str], self_uid: str,
                 labels: Mapping[str, str]) -> None:
        self.dialect = dialect
        self.relation_of = relation_of
        self.self_uid = self_uid
        self.labels = labels
        self._sql_memo: dict[int, str] = {}
        self._size_memo: dict[int, int] = {}

    def leaf_ref(self, node: Node) -> ColumnRef | None:
        if not isinstance(node.expression, exp.Table):
            return None
        uid = self.relation_of.get(_table_key(node.expression))
        if uid is None:
            table = node.expression
            name = ".".join(part for part in (table.catalog, table.db, table.name) if part)
            return ColumnRef("?" + name, _leaf_column(node, self.dialect))
        return ColumnRef(uid, _leaf_column(node, self.dialect))

    def analyse(self, output: str, root: Node) -> ColumnLineage:
        inputs: dict[ColumnRef, None] = {}
        unresolved: list[str] = []
        transparent = True
        steps: list[str] = []
        for node in root.walk():
            if isinstance(node.expression, exp.Table):
                ref = self.leaf_ref(node)
                if ref is not None and ref.relation != self.self_uid:
                    if ref.relation.startswith("?"):
                        unresolved.append(f"{ref.relation[1:]}.{ref.column}")
                    else:
                        inputs[ref] = None
                continue
            if isinstance(node.expression, exp.Placeholder):
                unresolved.append(node.name)
                continue
            if not node.downstream and not isinstance(node.expression, (exp.Table, exp.Placeholder)) \
                    and _is_transparent(node.expression):
                continue
            if not _is_transparent(node.expression):
                transparent = False
                if len(steps) < 12:
                    steps.append(f"{node.name} = {self._sql(node.expression)}")
        if transparent and inputs:
            kind = PASSED_THROUGH if all(ref.column == output for ref in inputs) else RENAMED
        else:
            kind = COMPUTED
        expression = self.fold(root, inputs) if kind == COMPUTED else ", ".join(
            f"{self.labels.get(r.relation, r.relation)}.{r.column}"
            for r in sorted(inputs, key=lambda ref: (ref.relation, ref.column)))
        return ColumnLineage(self.self_uid, output, kind, expression,
                             tuple(sorted(inputs, key=lambda ref: (ref.relation, ref.column))), tuple(steps),
                             tuple(dict.fromkeys(unresolved)))

    def _sql(self, expression: exp.Expr) -> str:
        key = id(expression)
        if key not in self._sql_memo:
            node = expression.unalias() if isinstance(expression, exp.Alias) else expression
            self._sql_memo[key] = " ".join(node.sql(dialect=self.dialect).split())
        return self._sql_memo[key]

    def _children_by_column(self, node: Node) -> dict[tuple[str, str], Node]:
        """The downstream lineage nodes of ``node`` keyed by the (table, column) reference they resolve."""
        by_key: dict[tuple[str, str], Node] = {}
        for child in node.downstream:
            if isinstance(child.expression, exp.Table):
                column = sqlglot.maybe_parse(child.name, into=exp.Column, dialect=self.dialect)
                if isinstance(column, exp.Column):
                    by_key[(column.table.lower(), column.name.lower())] = child
            elif "." in child.name:
                scope_name, _, column_name = child.name.partition(".")
                by_key[(scope_name.lower(), column_name.lower())] = child
        return by_key

    def _body(self, node: Node) -> exp.Expr | None:
        """The expression a lineage node contributes (None: a leaf, a union branch or unknown)."""
        if isinstance(node.expression, (exp.Table, exp.Placeholder)):
            return None
        body = node.expression.unalias() if isinstance(node.expression, exp.Alias) else node.expression
        return None if isinstance(body, exp.Select) else body

    def _size(self, node: Node, depth: int = 0) -> int:
        """Expression nodes of the folded expression of ``node`` (memoized; capped by depth)."""
        key = id(node)
        if key in self._size_memo:
            return self._size_memo[key]
        body = self._body(node)
        if body is None or depth > 40:
            size = 1
        else:
            children = self._children_by_column(node)
            size = sum(1 for _ in body.walk())
            for column in body.find_all(exp.Column):
                child = children.get((column.table.lower(), column.name.lower()))
                if child is not None:
                    size += self._size(child, depth + 1) - 1
        self._size_memo[key] = size
        return size

    def fold(self, root: Node, inputs: Mapping[ColumnRef, None]) -> str:  # noqa: C901 - one case per sqlglot lineage node shape (column, CTE, subquery, star)
        """The output expression with every CTE/subquery column replaced by its own expression, down to
        the input columns (bare names when they all come from one relation); the outermost computing
        step when the folded expression would be too long to read."""
        qualify_inputs = len({ref.relation for ref in inputs}) > 1

        def folded(node: Node) -> exp.Expr | None:
            if isinstance(node.expression, exp.Table):
                ref = self.leaf_ref(node)
                if ref is None:
                    return None
                table = self.labels.get(ref.relation, "").split(" ")[0] if qualify_inputs else None
                return exp.column(ref.column, table=table)
            body = self._body(node)
            if body is None:
                return None
            holder = exp.Paren(this=body.copy())
            children = self._children_by_column(node)
            for column in list(holder.this.find_all(exp.Column)):
                child = children.get((column.table.lower(), column.name.lower()))
                if child is None:  # e.g. a column of a union: its name, without the CTE's alias
                    column.set("table", None)
                    continue
                replacement = folded(child)
                if replacement is None:
                    column.set("table", None)
                    continue
                if not isinstance(replacement, (exp.Column, exp.Literal, exp.Func, exp.Paren, exp.Cast, exp.Window)):
                    replacement = exp.Paren(this=replacement)
                column.replace(replacement)
            result: exp.Expr = holder.this
            return result

        if self._size(root) <= FOLDED_MAX_NODES:
            whole = folded(root)
            while isinstance(whole, exp.Paren):
                whole = whole.this
            text = " ".join(whole.sql(dialect=self.dialect).split()) if whole is not None else ""
            if text and len(text) <= FOLDED_MAX_CHARS:
                return text
        for node in root.walk():
            if not isinstance(node.expression, (exp.Table, exp.Placeholder)) and not _is_transparent(node.expression):
                return self._sql(node.expression)
        return ""
