"""Idempotency: three consecutive `dbt build`s leave byte-identical gold, with nothing duplicated.

The fingerprint covers every relation of the gold location (episode_details, its v1 view,
fct_viewership_unmatched) and EVERY column, run timestamps included: episode_details.inserted_at is the
time a row was first inserted, and a re-run must not touch rows already there, so it must not change either.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.tests.reliability import support
from scripts.tests.reliability.snapshot import LayerSnapshot


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_three_builds_give_identical_gold(engine: str, tmp_path: Path) -> None:
    with support.slots(engine, tmp_path) as s:
        wh = s.active
        support.generate(wh, tmp_path / "synthetic", 3000, 5)
        snapshots: list[LayerSnapshot] = []
        for _ in range(3):
            support.build(wh)
            snapshots.append(support.gold(wh))  # nothing excluded
        first = snapshots[0]
        assert {"episode_details", "fct_viewership_unmatched"} <= set(first.relations)
        assert first.relations["episode_details"].rows > 0, "the synthetic data must reach gold"
        assert first.relations["fct_viewership_unmatched"].rows > 0, "and some of it must end unmatched"
        for n, later in enumerate(snapshots[1:], start=2):
            diff = first.differences(later)
            assert not diff, f"build {n} changed gold:\n" + "\n".join(diff)
            assert later.digest == first.digest
        support.assert_gold_sound(wh)
