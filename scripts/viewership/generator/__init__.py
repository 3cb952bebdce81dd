"""Deterministic synthetic data: a catalog, a dictionary, deals and an upload table of any size.

``viewership-generate --rows 100000 --seed 7 --target dev`` writes

* reference CSVs (same file names and columns as ``fixtures/reference``) into ``--out-dir`` and
  loads them into the target's catalog/dictionary source tables (one transaction, contents replaced);
* ``--rows`` upload rows spread over monthly "files" of several platforms and grains into the upload table.

The catalog is built in Python (it is small: ``--catalog-episodes``, 100k for benchmarks). Upload rows are
generated set-based inside DuckDB from ``range(n)`` with ``hash(seed, i, salt)`` as the random source, so
10M rows take seconds and the same seed always yields the same rows. For PostgreSQL/Snowflake the rows are
generated in an in-memory DuckDB and bulk-copied.

What the data exercises (see README "Synthetic data"): daily, weekly, monthly-by-month-name (any case),
quarterly-only and wide-by-date-already-reshaped grains; catalog ref_ids that are substrings of others
(``SW-1711`` / ``SW-17111``); platform titles that differ from catalog titles (``S03:E140 - …`` prefixes);
inactive series; NULL and blank fields; junk cells that silver must quarantine; and a share of rows that
must end unmatched (inactive series, unknown ref_ids, unmatchable titles).
"""

from __future__ import annotations

from viewership.generator.catalog import REFERENCE_FILES, Catalog, build_catalog, write_reference
from viewership.generator.cli import main
from viewership.generator.profiles import PROFILES, SHOW_NAMES, WORDS, FileProfile
from viewership.generator.upload import (
    GENERATED_COLUMNS,
    UPLOAD_SELECT,
    _prepare,
    generate_upload,
    plan_files,
    upload_sql,
)

__all__ = [
    "GENERATED_COLUMNS",
    "PROFILES",
    "REFERENCE_FILES",
    "SHOW_NAMES",
    "UPLOAD_SELECT",
    "WORDS",
    "Catalog",
    "FileProfile",
    "_prepare",
    "build_catalog",
    "generate_upload",
    "main",
    "plan_files",
    "upload_sql",
    "write_reference",
]
