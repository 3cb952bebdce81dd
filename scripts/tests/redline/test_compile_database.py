"""The `ci` compile's throw-away PostgreSQL database keeps one name per compile folder.

The profile reads the database from POSTGRES_DATABASE; dbt re-parses the whole project when a variable the
profile reads changes, so a fresh random name on every `redline check` would cost a full parse each time.
"""

from __future__ import annotations

from pathlib import Path

from redline.compiler import compile_database_name


def test_same_folder_same_name_other_folder_other_name(tmp_path: Path) -> None:
    one, two = tmp_path / "work" / "ci", tmp_path / "other" / "ci"
    assert compile_database_name(one) == compile_database_name(tmp_path / "work" / ".." / "work" / "ci")
    assert compile_database_name(one) != compile_database_name(two)
    name = compile_database_name(one)
    assert name.startswith("redline_compile_") and name.replace("_", "").isalnum() and len(name) <= 63
