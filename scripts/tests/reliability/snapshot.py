"""Content fingerprints of a warehouse's layers, for idempotency and crash-recovery proofs.

``layer_snapshot(database, "gold")`` reads every table and view of a logical location, renders each value
canonically, sorts the rows and hashes them: two snapshots are equal exactly when the relations hold the
same multiset of rows (row order and physical layout do not matter). Columns that are run timestamps by
design can be left out by name (``RUN_TIMESTAMP_COLUMNS``); nothing else is ever excluded.

``conservation(database)`` is the per-file ledger the pipeline promises: every upload row reaches bronze
once, and every bronze record ends in exactly one of gold (episode_details), unmatched, or rejected.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from viewership import db, project

# Gold columns whose value is the wall-clock time of the run that wrote the row (by design):
# episode_details.inserted_at. Everything else in gold must be a pure function of the inputs.
RUN_TIMESTAMP_COLUMNS: frozenset[str] = frozenset({"inserted_at"})

EPISODE_DETAILS_KEY = ("episode_detail_id",)
EPISODE_DETAILS_SOURCE_KEY = ("platform", "filename", "source_row_number", "label")


def canonical(value: Any) -> str:
    """One engine-independent text per value (NULL distinct from every string)."""
    if value is None:
        return "\u2400"  # SYMBOL FOR NULL: cannot collide with a real NULL-free rendering below
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal | float | int):
        dec = decimal.Decimal(str(value)) if not isinstance(value, decimal.Decimal) else value
        if dec.is_nan():
            return "NaN"
        normalized = dec.normalize()
        return "0" if normalized.is_zero() else format(normalized, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "s:" + str(value)


@dataclass(frozen=True)
class RelationSnapshot:
    """One relation: its columns (compared ones), row count and content digest."""

    name: str
    columns: tuple[str, ...]
    rows: int
    digest: str
    sample: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class LayerSnapshot:
    location: str
    relations: dict[str, RelationSnapshot]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.relations):
            h.update(f"{name}:{self.relations[name].digest}\n".encode())
        return h.hexdigest()

    def differences(self, other: LayerSnapshot) -> list[str]:
        """Human-readable differences (empty when equal)."""
        out: list[str] = []
        for name in sorted(set(self.relations) | set(other.relations)):
            a, b = self.relations.get(name), other.relations.get(name)
            if a is None or b is None:
                out.append(f"{name}: only in {'second' if a is None else 'first'} snapshot")
            elif a != b:
                same = "same" if a.columns == b.columns else "differ"
                out.append(f"{name}: rows {a.rows} vs {b.rows}, columns {same}, "
                           f"digest {a.digest[:12]} vs {b.digest[:12]}")
        return out


def relations(database: db.Database, location: str) -> list[str]:
    """Tables and views of a logical location, sorted (dbt's transient __dbt_tmp/_backup relations excluded)."""
    loc = project.location(database.target, location)
    schema = database.fold(loc.schema)
    rows = database.query(
        f"select table_name from information_schema.tables where table_schema = {database.param} "
        "order by table_name",
        [schema],
    )
    return [str(r[0]) for r in rows if "__dbt_" not in str(r[0])]


def columns_of(database: db.Database, location: str, table: str) -> list[str]:
    loc = project.location(database.target, location)
    p = database.param
    rows = database.query(
        "select column_name from information_schema.columns "
        f"where table_schema = {p} and table_name = {p} order by ordinal_position",
        [loc.schema, table],
    )
    return [str(r[0]) for r in rows]


def relation_snapshot(database: db.Database, location: str, table: str,
                      exclude: frozenset[str] = frozenset()) -> RelationSnapshot:
    cols = tuple(c for c in columns_of(database, location, table) if c.lower() not in exclude)
    ref = f"{database.schema_ref(location)}.{db.quote(table)}"
    select = ", ".join(db.quote(c) for c in cols)
    rendered = sorted(tuple(canonical(v) for v in row)
                      for row in database.query(f"select {select} from {ref}"))
    h = hashlib.sha256()
    h.update(("\x1f".join(cols) + "\n").encode())
    for row in rendered:
        h.update(("\x1f".join(row) + "\x1e").encode())
    return RelationSnapshot(table, cols, len(rendered), h.hexdigest(), tuple(rendered[:3]))


def layer_snapshot(database: db.Database, location: str = "gold",
                   exclude: frozenset[str] = frozenset()) -> LayerSnapshot:
    """Fingerprint every relation of a location, leaving out the named columns (lower-case names)."""
    return LayerSnapshot(location, {t: relation_snapshot(database, location, t, exclude)
                                    for t in relations(database, location)})


def duplicate_keys(database: db.Database, location: str, table: str, key: tuple[str, ...]) -> int:
    """How many key values occur more than once."""
    ref = f"{database.schema_ref(location)}.{db.quote(table)}"
    cols = ", ".join(db.quote(c) for c in key)
    sql = f"select count(*) from (select {cols} from {ref} group by {cols} having count(*) > 1) as d"
    return int(database.scalar(sql) or 0)


@dataclass
class Ledger:
    """Per (platform, filename): rows in each layer and records in more than one outcome."""

    upload: Counter[tuple[str, str]] = field(default_factory=Counter)
    bronze: Counter[tuple[str, str]] = field(default_factory=Counter)
    gold: Counter[tuple[str, str]] = field(default_factory=Counter)
    unmatched: Counter[tuple[str, str]] = field(default_factory=Counter)
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)
    records_in_two_outcomes: int = 0
    records_in_no_outcome: int = 0
    bronze_ids_not_unique: int = 0

    def violations(self) -> list[str]:
        out: list[str] = []
        for key in sorted(set(self.upload) | set(self.bronze)):
            if self.upload[key] != self.bronze[key]:
                out.append(f"{key}: upload {self.upload[key]} rows but bronze {self.bronze[key]}")
            total = self.gold[key] + self.unmatched[key] + self.rejected[key]
            if total != self.bronze[key]:
                out.append(f"{key}: bronze {self.bronze[key]} != gold {self.gold[key]} + unmatched "
                           f"{self.unmatched[key]} + rejected {self.rejected[key]}")
        if self.records_in_two_outcomes:
            out.append(f"{self.records_in_two_outcomes} record(s) in more than one of gold/unmatched/rejected")
        if self.records_in_no_outcome:
            out.append(f"{self.records_in_no_outcome} bronze record(s) in none of gold/unmatched/rejected")
        if self.bronze_ids_not_unique:
            out.append(f"{self.bronze_ids_not_unique} bronze viewership_id(s) occur more than once")
        return out


def conservation(database: db.Database) -> Ledger:
    """rows in = gold + unmatched + rejected, per file, counted by distinct record (viewership_id)."""
    upload = f"{database.schema_ref('upload')}.{db.quote('platform_viewership')}"
    bronze = f"{database.schema_ref('bronze')}.{db.quote('stg_upload__platform_viewership')}"
    table = str(project.environment_map(database.target).get("episode_details_table", "episode_details"))
    gold = f"{database.schema_ref('gold')}.{db.quote(table)}"
    unmatched = f"{database.schema_ref('gold')}.{db.quote('fct_viewership_unmatched')}"
    rejected = f"{database.schema_ref('silver')}.{db.quote('int_viewership_rejected')}"
    ledger = Ledger()
    # every relation reference is built from the environment map and quoted; there are no values
    per_file = {"upload": (upload, "*"), "bronze": (bronze, "*"), "gold": (gold, "distinct viewership_id"),
                "unmatched": (unmatched, "*"), "rejected": (rejected, "*")}
    for name, (ref, counted) in per_file.items():
        counter: Counter[tuple[str, str]] = getattr(ledger, name)
        sql = f"select platform, filename, count({counted}) from {ref} group by platform, filename"
        for platform, filename, n in database.query(sql):
            counter[(str(platform), str(filename))] += int(n)
    outcomes = (
        f"select viewership_id, count(*) as n from (select distinct viewership_id from {gold} "
        f"union all select viewership_id from {unmatched} union all select viewership_id from {rejected}) as o "
        "group by viewership_id"
    )
    ledger.records_in_two_outcomes = int(database.scalar(
        f"select count(*) from ({outcomes}) as c where n > 1") or 0)
    ledger.records_in_no_outcome = int(database.scalar(
        f"select count(*) from {bronze} as b where not exists "
        f"(select 1 from ({outcomes}) as c where c.viewership_id = b.viewership_id)") or 0)
    ledger.bronze_ids_not_unique = int(database.scalar(
        f"select count(*) from (select viewership_id from {bronze} group by viewership_id "
        "having count(*) > 1) as d") or 0)
    return ledger
