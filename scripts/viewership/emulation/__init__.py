"""Snowflake without an account: offline compile, and ``dbt build`` on a local emulation (fakesnow server mode).

``python -m viewership.emulation compile``  compiles every node for staging and prod with no server and no
    network, and checks the SQL names exactly that environment's databases from ``vars.environments``.
``python -m viewership.emulation build``    per target: a fresh fakesnow server on a free loopback port, the
    profile pointed at it through ``DBT_SNOWFLAKE_*`` environment variables, the environment map's databases,
    the source tables (``viewership.db``), the reference CSVs and real partner files (the project's loader),
    then two ``dbt build`` runs (the second after a new file: incremental and snapshot paths); pass/fail per
    node.
``python -m viewership.emulation serve``    prepare one target and keep the server up for manual dbt runs.

Every dbt and loader call runs in a subprocess under a hard timeout: after a failed statement the fakesnow
server can answer HTTP 500 forever and the Snowflake connector retries without end (``harden_fakesnow``
also turns those into ordinary SQL errors). What the emulation can and cannot prove: ``docs/SNOWFLAKE.md``.
"""

from __future__ import annotations

from viewership.emulation.cli import main
from viewership.emulation.common import (
    ACCOUNT,
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_SETUP_TIMEOUT,
    EMULATED_TARGETS,
    EMULATION_EXCLUDES,
    EmulationError,
)
from viewership.emulation.dbt_build import BuildReport, NodeResult, _profiles_dir, build, dbt_command, dbt_env
from viewership.emulation.fakesnow_server import (
    PATCHED_FAKESNOW_VERSION,
    SERVER_LOGGERS,
    environ,
    free_port,
    harden_fakesnow,
    profile_env,
    server,
    with_timeout,
)
from viewership.emulation.offline import (
    DEFAULT_COMPILE_TIMEOUT,
    CompileResult,
    check_manifest,
    environment_names,
    offline_compile,
    offline_compile_all,
    sql_names,
)
from viewership.emulation.run import EmulationRun, default_reference_dir, emulate, serve
from viewership.emulation.sources import (
    FIRST_BATCH,
    SECOND_BATCH,
    PartnerFile,
    default_partner_dir,
    load_partner_files,
    load_reference,
    prepare,
    required_databases,
)

__all__ = [
    "ACCOUNT",
    "DEFAULT_BUILD_TIMEOUT",
    "DEFAULT_COMPILE_TIMEOUT",
    "DEFAULT_SETUP_TIMEOUT",
    "EMULATED_TARGETS",
    "EMULATION_EXCLUDES",
    "FIRST_BATCH",
    "PATCHED_FAKESNOW_VERSION",
    "SECOND_BATCH",
    "SERVER_LOGGERS",
    "BuildReport",
    "CompileResult",
    "EmulationError",
    "EmulationRun",
    "NodeResult",
    "PartnerFile",
    "_profiles_dir",
    "build",
    "check_manifest",
    "dbt_command",
    "dbt_env",
    "default_partner_dir",
    "default_reference_dir",
    "emulate",
    "environ",
    "environment_names",
    "free_port",
    "harden_fakesnow",
    "load_partner_files",
    "load_reference",
    "main",
    "offline_compile",
    "offline_compile_all",
    "prepare",
    "profile_env",
    "required_databases",
    "serve",
    "server",
    "sql_names",
    "with_timeout",
]
