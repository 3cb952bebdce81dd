"""The three patches the emulation applies to fakesnow 0.12.1 (viewership.emulation.harden_fakesnow).
Each case fails on an unpatched fakesnow: wrong LTRIM result, a crash on REGEXP_SUBSTR with a column
occurrence, and an endless HTTP 500 retry loop on a statement the emulator cannot run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from viewership import emulation

pytestmark = pytest.mark.snowflake_emulation


@pytest.fixture(scope="module")
def cursor() -> Iterator[Any]:
    import snowflake.connector

    emulation.harden_fakesnow()
    assert emulation.harden_fakesnow() == [], "patching twice must change nothing"
    with emulation.server() as env:
        con = snowflake.connector.connect(
            account=env["DBT_SNOWFLAKE_ACCOUNT"], user="fake", password="snow", host=env["DBT_SNOWFLAKE_HOST"],
            port=int(env["DBT_SNOWFLAKE_PORT"]), protocol="http", login_timeout=10,
        )
        try:
            yield con.cursor()
        finally:
            con.close()


def test_trim_keeps_its_character_list(cursor: Any) -> None:
    cursor.execute("select ltrim('0011', '0'), rtrim('1100', '0'), trim('0110', '0'), ltrim('  a ')")
    assert cursor.fetchall() == [("11", "11", "11", "a ")]


def test_regexp_substr_takes_a_column_occurrence(cursor: Any) -> None:
    cursor.execute(
        "select n, regexp_substr('AB-1 CD-2 EF-3', '[A-Z]+-[0-9]+', 1, n) "
        "from (select 1 as n union all select 2 union all select 3 union all select 4) order by n"
    )
    assert cursor.fetchall() == [(1, "AB-1"), (2, "CD-2"), (3, "EF-3"), (4, None)]


def test_unsupported_statement_fails_fast_instead_of_retrying_forever(cursor: Any) -> None:
    """A transaction writing to two databases is valid Snowflake; DuckDB refuses it with an exception that
    fakesnow answers with HTTP 500, which the connector (no network_timeout, as dbt uses it) retries forever.
    Patched, it is an ordinary SQL error and the session goes on."""
    import snowflake.connector.errors

    for sql in ("create database if not exists PATCH_A", "create database if not exists PATCH_B",
                "create schema if not exists PATCH_A.PUBLIC", "create schema if not exists PATCH_B.PUBLIC",
                "create or replace table PATCH_A.PUBLIC.t (x int)", "create or replace table PATCH_B.PUBLIC.t (x int)",
                "begin", "insert into PATCH_A.PUBLIC.t values (1)"):
        cursor.execute(sql)
    started = time.monotonic()
    with pytest.raises(snowflake.connector.errors.ProgrammingError, match="emulation cannot run"):
        emulation.with_timeout(30, "the two-database insert",
                               lambda: cursor.execute("insert into PATCH_B.PUBLIC.t values (1)"))
    assert time.monotonic() - started < 30
    cursor.execute("rollback")
    cursor.execute("select count(*) from PATCH_A.PUBLIC.t")
    assert cursor.fetchall() == [(0,)]
