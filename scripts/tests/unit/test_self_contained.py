"""The repository stands alone: nothing it tracks reaches outside its own folder for data or docs.

A stranger clones the repo with nothing beside it (`.ci/run` runs the whole suite from such a clone); this test
names the file and line of any tracked text that points at a sibling folder, so the mistake is caught before CI.
"""

from __future__ import annotations

import re
import subprocess

from scripts.tests.harness import PARTNER_FILES, REFERENCE_DIR, ROOT

# The developers' sibling folder of design notes and fixtures, which a stranger's clone does not have
# (spelled in two pieces so this file does not name it).
SIBLING = re.compile(r"\.\./" + "sha" + r"red\b")


def tracked_text_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    names = [n for n in out.decode().split("\0") if n]
    return [n for n in names if not n.startswith("fixtures/") and not n.endswith((".png", ".svg", ".json"))]


def test_no_tracked_file_points_outside_the_repository() -> None:
    hits = []
    for name in tracked_text_files():
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if SIBLING.search(line):
                hits.append(f"{name}:{number}: {line.strip()}")
    assert not hits, "tracked files point outside the repository:\n" + "\n".join(hits)


def test_fixtures_live_in_the_repository() -> None:
    assert PARTNER_FILES.is_relative_to(ROOT) and REFERENCE_DIR.is_relative_to(ROOT)
    assert len(list(PARTNER_FILES.glob("*.csv"))) == 8
    assert {p.name for p in REFERENCE_DIR.glob("*.csv")} >= {
        "catalog_series.csv", "catalog_episode.csv", "catalog_metadata.csv",
        "internal_series_dictionary.csv", "territories.csv", "active_deals.csv"}
