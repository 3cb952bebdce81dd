"""docs/GENERIC_TESTS.md lists exactly the in-house generic tests of macros/generic_tests/."""

from __future__ import annotations

import re

from scripts.tests.harness import ROOT

GENERIC_TESTS = ROOT / "macros" / "generic_tests"
TABLE = ROOT / "docs" / "GENERIC_TESTS.md"
TEST_BLOCK = re.compile(r"{%-?\s*test\s+([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)
ROW = re.compile(r"^\|\s*`([a-z_][a-z0-9_]*)`\s*\|\s*`(macros/generic_tests/[^`]+)`\s*\|[^|]*\|\s*([^|]*)\|",
                 re.MULTILINE)


def test_every_in_house_generic_test_has_a_row_saying_what_it_replaces() -> None:
    defined = {name for path in GENERIC_TESTS.glob("*.sql")
               for name in TEST_BLOCK.findall(path.read_text(encoding="utf-8"))}
    rows = {name: (path, replaces.strip()) for name, path, replaces in ROW.findall(TABLE.read_text(encoding="utf-8"))}
    assert set(rows) == defined, (
        f"{TABLE.name} is out of date: add rows for {sorted(defined - set(rows))}, "
        f"remove rows for {sorted(set(rows) - defined)}")
    for name, (path, replaces) in rows.items():
        assert (ROOT / path).is_file(), f"{name}: {path} does not exist"
        assert "dbt_utils." in replaces or "dbt_expectations." in replaces, \
            f"{name}: say which dbt_utils / dbt_expectations test it replaces"
