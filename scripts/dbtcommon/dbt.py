"""Locate the ``dbt`` executable."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def dbt_executable() -> str:
    """The dbt installed beside the running Python (the project's .venv), else the one on PATH, else "dbt"."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    return shutil.which("dbt") or "dbt"
