"""``viewership-load --reference DIR``: the catalog, dictionary and deals CSVs into their source tables.

The six files (``catalog_series.csv``, ``catalog_episode.csv``, ``catalog_metadata.csv``,
``internal_series_dictionary.csv``, ``territories.csv``, ``active_deals.csv``) replace the tables' contents in
one transaction; an empty cell is NULL. Every file is read and checked before anything is written.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

from viewership.db import Database
from viewership.loader.errors import LoadError
from viewership.schema import REFERENCE_TABLES, Table


def read_reference_csv(path: Path, table: Table) -> list[tuple[str | None, ...]]:
    """Rows of one reference CSV in the table's column order."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path.name}: not UTF-8 (byte {exc.start}): expected a UTF-8 CSV") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise LoadError(f"{path.name}: empty file: expected a header with {', '.join(table.column_names)}")
    names = [h.strip().lower() for h in header]
    missing = [c for c in table.column_names if c not in names]
    unknown = [h for h in names if h not in table.column_names]
    if missing or unknown:
        raise LoadError(
            f"{path.name}: line 1: expected columns {', '.join(table.column_names)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(unknown)}" if unknown else "")
        )
    order = [names.index(c) for c in table.column_names]
    rows: list[tuple[str | None, ...]] = []
    last = 1
    for cells in reader:
        line = last + 1
        last = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            raise LoadError(f"{path.name}: line {line}: {len(cells)} cells, expected {len(names)}")
        if any("\x00" in c for c in cells):
            raise LoadError(f"{path.name}: line {line}: contains a NUL character")
        rows.append(tuple(None if cells[i] == "" else cells[i] for i in order))
    return rows


def load_reference(directory: Path, db: Database, *, transaction_per_table: bool = False) -> dict[str, int]:
    """Replace the six reference tables from ``directory``; returns rows per table (``location.name``).

    The one reference loader: the loader CLI, the generator and the Snowflake emulation all call it. Every file
    is read and checked first; the tables are then replaced in one transaction, or one per table with
    ``transaction_per_table`` (fakesnow: a transaction may write to one database only, and the catalog and the
    dictionary are different databases).
    """
    if not directory.is_dir():
        raise LoadError(f"{directory}: not a directory: expected the folder holding the six reference CSVs")
    missing = [t.csv_name for t in REFERENCE_TABLES if t.csv_name and not (directory / t.csv_name).is_file()]
    if missing:
        raise LoadError(f"{directory}: missing {', '.join(str(m) for m in missing)}")
    data = {t: read_reference_csv(directory / str(t.csv_name), t) for t in REFERENCE_TABLES}
    db.ensure_tables(REFERENCE_TABLES)
    counts: dict[str, int] = {}
    outer = contextlib.nullcontext() if transaction_per_table else db.transaction()
    with outer:
        for table, rows in data.items():
            inner = db.transaction() if transaction_per_table else contextlib.nullcontext()
            with inner:
                counts[f"{table.location}.{table.name}"] = db.replace_table(table, table.column_names, rows)
    return counts
