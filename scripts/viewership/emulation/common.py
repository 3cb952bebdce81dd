"""Targets, timeouts and the error every part of the emulation shares."""

from __future__ import annotations

from typing import TypeVar

EMULATED_TARGETS: tuple[str, ...] = ("staging", "prod")
DEFAULT_BUILD_TIMEOUT = 900
DEFAULT_SETUP_TIMEOUT = 180
ACCOUNT = "fakesnow"

# Nodes excluded from the emulated build, with the reason. Only SQL that real Snowflake runs and fakesnow
# cannot belongs here (see docs/SNOWFLAKE.md); a model that fails for any other reason is a real failure.
# Selectors use dbt's --exclude syntax.
EMULATION_EXCLUDES: dict[str, str] = {}

T = TypeVar("T")


class EmulationError(Exception):
    """The emulation could not be set up or a step did not finish in time."""
