"""The offline Snowflake compile: profile settings that let ``dbt compile`` run with no account and no server.

Used by ``make compile-snowflake`` (``viewership.emulation compile``) and by redline's compile of the
staging/prod targets, so both compile exactly the same SQL:

* ``DBT_SNOWFLAKE_HOST=127.0.0.1`` and ``DBT_SNOWFLAKE_PORT=9`` (discard, a loopback port nobody listens on)
  over http with ``DBT_SNOWFLAKE_CONNECT_RETRIES=0`` and a 5 s connect timeout: any accidental connection
  fails at once and never reaches the internet;
* the account is ``offline-compile``, not ``fakesnow``: the emulation overrides (macros/emulation) stay off
  and the SQL is exactly what a real account would receive;
* user and secrets are fixed placeholders, so no real credential of the caller's environment is read.

dbt itself runs with ``--no-introspect --no-populate-cache``; ``is_incremental()`` is answered by the
``assume_incremental`` var (macros/utils/is_incremental.sql).
"""

from __future__ import annotations

SNOWFLAKE_TARGETS = frozenset({"staging", "prod"})
OFFLINE_ACCOUNT = "offline-compile"
OFFLINE_COMPILE_FLAGS = ("--no-introspect", "--no-populate-cache")

_OFFLINE_ENV = {
    "DBT_SNOWFLAKE_ACCOUNT": OFFLINE_ACCOUNT,
    "DBT_SNOWFLAKE_HOST": "127.0.0.1",
    "DBT_SNOWFLAKE_PORT": "9",
    "DBT_SNOWFLAKE_PROTOCOL": "http",
    "DBT_SNOWFLAKE_CONNECT_RETRIES": "0",
    "DBT_SNOWFLAKE_CONNECT_TIMEOUT": "5",
    "DBT_SNOWFLAKE_USER": "offline",
    "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD": "",
    "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY_PATH": "",
    "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "",
}


def offline_env() -> dict[str, str]:
    """Environment variables pointing the profile's Snowflake targets at nothing (a fresh copy)."""
    return dict(_OFFLINE_ENV)
