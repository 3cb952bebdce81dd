"""Source tables on Snowflake must be stored under the names dbt's unquoted references resolve to (upper
case). The emulation resolves names case-insensitively, so a build cannot show this; its information_schema
shows the stored names. viewership.db.Database.ident() upper-cases identifiers on Snowflake."""

from __future__ import annotations

import pytest

from viewership import db, emulation, project
from viewership.schema import ALL_TABLES

pytestmark = pytest.mark.snowflake_emulation
TARGET = "staging"


def test_source_tables_and_columns_are_stored_upper_case() -> None:
    stored: set[tuple[str, str]] = set()
    with emulation.server() as env, emulation.environ(env):
        database = db.connect(TARGET)
        try:
            for name in emulation.required_databases(TARGET):
                database.execute(f"create database if not exists {db.quote(name)}")
            database.ensure_tables()
            for table in ALL_TABLES:
                loc = project.location(TARGET, table.location)
                rows = database.query(
                    f"select table_name, column_name from {db.quote(str(loc.database))}.information_schema.columns "
                    f"where table_schema = {database.param} and upper(table_name) = {database.param}",
                    [loc.schema, table.name.upper()])
                stored.update((str(t), str(c)) for t, c in rows)
        finally:
            database.close()
    expected = {(t.name.upper(), c.upper()) for t in ALL_TABLES for c in t.column_names}
    assert stored == expected
