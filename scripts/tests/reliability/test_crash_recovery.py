"""Crash recovery: SIGKILL a dbt run at 22 points (DuckDB) / 7 points (PostgreSQL), rerun, compare gold.

Two starting states, each prepared once and checked out per experiment (identical bytes, identical upload ids):
  FIRST: 3,000 synthetic upload rows (5 files), nothing built yet - the killed build creates every relation;
  NEXT:  FIRST built once, then 2 new files (2,000 rows) appended - the killed build is incremental
         (bronze, every per-record silver model and episode_details take the delete+insert path, bronze's
         post-hook marks uploads processed).
A kill point is an event in dbt's JSON log: a node's start, or a given SQL statement of a node being sent
(scripts.tests.reliability.killer). The killed command is `dbt run --threads 1` (models only), so "killed at X"
means every earlier node finished and X is in flight; every recovery is a full `dbt build`.

Chains (default): the kill points of a chain are taken in DAG order on ONE checkout - run, kill at point 1,
run again, kill at point 2 (this run first re-executes what the previous crash interrupted), ..., then one
uninterrupted `dbt build`. Every crash is therefore followed by a run that passes the crashed node, and the
final gold proves the whole sequence. RELIABILITY_CRASH_MODE=independent runs every kill point on its own
checkout with its own recovery build instead (slower, ~3x; for attributing a failure to one point).

After recovery the gold (every relation of the gold location, every column except
episode_details.inserted_at, the run timestamp) must equal the gold of an uninterrupted build of the same
state; every upload row must be in bronze once and in exactly one of episode_details / unmatched / rejected;
no key twice; no dbt transient relation (__dbt_tmp / __dbt_backup) left behind.

Why 7 points on PostgreSQL: every PostgreSQL materialization runs in one transaction with transactional DDL,
so a kill anywhere inside a node is rolled back by the server; the 7 points cover each distinct code path
(first create of an incremental model, a bucket, silver's incremental delete+insert, incremental temp table,
gold's delete+insert, the bronze post-hook) and keep the suite inside its CI budget.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.tests.reliability import support
from scripts.tests.reliability.killer import KillPoint
from scripts.tests.reliability.snapshot import RUN_TIMESTAMP_COLUMNS, LayerSnapshot

pytestmark = pytest.mark.slow

BRONZE = "stg_upload__platform_viewership"
GOLD = "fct_episode_details.v2"

# (state, kill point). FIRST = nothing built yet; NEXT = incremental build over new files.
FIRST_OR_INCREMENTAL = r"^create table|^delete from"  # a silver model's first statement on either path
KILL_POINTS: list[tuple[str, KillPoint]] = [
    ("FIRST", KillPoint("bronze: node start", BRONZE)),
    ("FIRST", KillPoint("bronze: first create in flight", BRONZE, r"^create (temporary )?table")),
    ("FIRST", KillPoint("silver: parse in flight", "int_viewership_parsed", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("silver: normalized in flight", "int_viewership_normalized", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("silver: rejected in flight", "int_viewership_rejected", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("matching: keys node start", "int_viewership_match_keys")),
    ("FIRST", KillPoint("bucket FULL_DATA in flight", "int_match_full_data", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("bucket REF_ID_SERIES in flight", "int_match_ref_id_series", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("bucket REF_ID_ONLY in flight", "int_match_ref_id_only", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("bucket SERIES_SEASON_EPISODE in flight", "int_match_series_season_episode",
                        FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("bucket SERIES_ONLY in flight", "int_match_series_only", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("bucket TITLE_ONLY in flight", "int_match_title_only", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("winner (matched) in flight", "int_viewership_matched", FIRST_OR_INCREMENTAL)),
    ("FIRST", KillPoint("gold: first build of episode_details in flight", GOLD, r"^(create|insert)")),
    ("NEXT", KillPoint("bronze: incremental delete+insert in flight", BRONZE, r"^delete from")),
    ("NEXT", KillPoint("bronze: post-hook marking uploads processed", BRONZE, r"^update")),
    ("NEXT", KillPoint("silver: parse incremental delete+insert in flight", "int_viewership_parsed",
                       r"^delete from")),
    ("NEXT", KillPoint("winner (matched) incremental delete+insert in flight", "int_viewership_matched",
                       r"^delete from")),
    ("NEXT", KillPoint("validation: incremental delete+insert in flight", "int_episode_details_validated",
                       r"^delete from")),
    ("NEXT", KillPoint("gold: incremental temp table", GOLD, r"^create temporary table|^create table")),
    ("NEXT", KillPoint("gold: final insert (delete+insert) in flight", GOLD, r"^delete from")),
    ("NEXT", KillPoint("gold: unmatched swap", "fct_viewership_unmatched", r"rename to")),
]
POSTGRES_POINTS = {
    "bronze: incremental delete+insert in flight",
    "bronze: post-hook marking uploads processed",
    "silver: normalized in flight",
    "silver: parse incremental delete+insert in flight",
    "bucket REF_ID_SERIES in flight",
    "gold: incremental temp table",
    "gold: final insert (delete+insert) in flight",
}


@dataclass
class States:
    slots: support.Slots
    clean: dict[str, LayerSnapshot]


def _prepare(engine: str, root: Path) -> Iterator[States]:
    with support.slots(engine, root) as s:
        wh = s.active
        support.generate(wh, root / "synthetic", 3000, 11)
        s.save("FIRST")
        clean: dict[str, LayerSnapshot] = {}
        support.build(wh)
        clean["FIRST"] = support.gold(wh, RUN_TIMESTAMP_COLUMNS)
        support.generate(wh, root / "synthetic", 3000, 11, "--append-files", "2")
        s.save("NEXT")
        support.build(wh)
        clean["NEXT"] = support.gold(wh, RUN_TIMESTAMP_COLUMNS)
        support.assert_gold_sound(wh)
        yield States(s, clean)


@pytest.fixture(scope="module")
def duckdb_states(tmp_path_factory: pytest.TempPathFactory) -> Iterator[States]:
    yield from _prepare("duckdb", tmp_path_factory.mktemp("crash_duckdb"))


@pytest.fixture(scope="module")
def postgres_states(tmp_path_factory: pytest.TempPathFactory) -> Iterator[States]:
    yield from _prepare("postgres", tmp_path_factory.mktemp("crash_postgres"))


def _experiment(states: States, chain: list[tuple[str, KillPoint]]) -> None:
    state = chain[0][0]
    wh = states.slots.checkout(state)
    triggers: list[str] = []
    for _, point in chain:
        outcome = support.kill_at(wh, point)
        assert outcome.killed, (
            f"kill point {point.name!r} was never reached (returncode {outcome.returncode}, timed out "
            f"{outcome.timed_out}); nodes started: {outcome.nodes_started[-5:]}\n" + "\n".join(outcome.tail[-10:]))
        triggers.append(f"{point.name}: {outcome.trigger} (after {len(outcome.nodes_finished)} nodes)")
    support.build(wh)
    recovered = support.gold(wh, RUN_TIMESTAMP_COLUMNS)
    diff = states.clean[state].differences(recovered)
    assert not diff, "after kills at\n  " + "\n  ".join(triggers) + "\ngold differs from a clean run:\n" + \
        "\n".join(diff)
    support.assert_gold_sound(wh)
    with wh.connect() as database:
        debris = [
            (loc, t) for loc in ("bronze", "silver", "gold")
            for (t,) in database.query(
                f"select table_name from information_schema.tables where table_schema = {database.param}", [loc])
            if "__dbt_" in str(t)
        ]
    assert not debris, f"dbt left transient relations behind after recovery: {debris}"


def _chains(points: list[tuple[str, KillPoint]], size: int) -> list[list[tuple[str, KillPoint]]]:
    """Consecutive kill points of one state, at most ``size`` per chain (1 in independent mode)."""
    if os.environ.get("RELIABILITY_CRASH_MODE", "chain") == "independent":
        size = 1
    chains: list[list[tuple[str, KillPoint]]] = []
    for state, point in points:
        if chains and chains[-1][0][0] == state and len(chains[-1]) < size:
            chains[-1].append((state, point))
        else:
            chains.append([(state, point)])
    return chains


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_").replace("__", "_")


DUCKDB_CHAINS = _chains(KILL_POINTS, 7)
POSTGRES_CHAINS = _chains([(s, p) for s, p in KILL_POINTS if p.name in POSTGRES_POINTS], 4)


def _chain_id(chain: list[tuple[str, KillPoint]]) -> str:
    first = _slug(chain[0][1].name)
    return first if len(chain) == 1 else f"{chain[0][0].lower()}_{len(chain)}_kills_from_{first}"


@pytest.mark.parametrize("chain", DUCKDB_CHAINS, ids=[_chain_id(c) for c in DUCKDB_CHAINS])
def test_duckdb_build_killed_then_rerun_equals_clean_gold(duckdb_states: States,
                                                          chain: list[tuple[str, KillPoint]]) -> None:
    _experiment(duckdb_states, chain)


@pytest.mark.postgres
@pytest.mark.parametrize("chain", POSTGRES_CHAINS, ids=[_chain_id(c) for c in POSTGRES_CHAINS])
def test_postgres_build_killed_then_rerun_equals_clean_gold(postgres_states: States,
                                                            chain: list[tuple[str, KillPoint]]) -> None:
    _experiment(postgres_states, chain)


def test_kill_point_inventory() -> None:
    """The suite's promise: 22 distinct kill points on DuckDB, 7 of them on PostgreSQL, every layer covered."""
    names = [p.name for _, p in KILL_POINTS]
    assert len(names) == len(set(names)) == 22
    assert set(names) >= POSTGRES_POINTS and len(POSTGRES_POINTS) == 7
    nodes = {p.node for _, p in KILL_POINTS}
    for required in (BRONZE, "int_viewership_normalized", "int_match_full_data", "int_match_ref_id_series",
                     "int_match_ref_id_only", "int_match_series_season_episode", "int_match_series_only",
                     "int_match_title_only", GOLD):
        assert required in nodes, f"no kill point in {required}"
