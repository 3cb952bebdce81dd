"""Bad-input corpus (corpus.py): every case through `viewership-load` + ONE `dbt build`, exact outcome per case.

All case files are loaded by four loader invocations (one per set of loader options) into one warehouse, built
once, then each case is checked by its file name: refused files left nothing in the upload table and the
loader said why; every row of an accepted file is in exactly one of episode_details, fct_viewership_unmatched
(with the expected unmatched_reason) or int_viewership_rejected (with the expected reject_reason); the
conservation identity rows in = gold + unmatched + rejected holds per file; every rejected row and every
unmatched row carries a reason code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.tests.harness import REFERENCE_DIR, ROOT, Warehouse
from scripts.tests.reliability import snapshot, support
from scripts.tests.reliability.corpus import GROUP_ARGS, GROUP_ORDER, Case, Refused, cases

TEMPLATE = Path(__file__).with_name("corpus_template.yml")
CASES = cases()


def _load(wh: Warehouse, files: list[Path], extra: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """One viewership-load invocation; the JSON line of each file by file name."""
    proc = subprocess.run(
        [sys.executable, "-m", "viewership.loader", "--template", str(TEMPLATE), "--target", wh.target, "--json",
         *extra, *[str(f) for f in files]],
        env=wh.env, cwd=ROOT, capture_output=True, text=True, timeout=support.SUBPROCESS_TIMEOUT,
    )
    out: dict[str, dict[str, Any]] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            out[record["filename"]] = record
    missing = [f.name for f in files if f.name not in out]
    assert not missing, f"loader reported nothing for {missing} (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def corpus_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp(f"corpus_{request.param}")
    with support.slots(request.param, root) as s:
        wh = s.active
        support.run_module(wh, "viewership.loader", "--reference", str(REFERENCE_DIR))
        reports: dict[str, dict[str, Any]] = {}
        for group in GROUP_ORDER:
            directory = root / "files" / group
            directory.mkdir(parents=True)
            files = []
            for case in (c for c in CASES if c.group == group):
                path = directory / case.filename
                path.write_bytes(case.content)
                files.append(path)
            # Many cases hold the baseline's row in another encoding or layout (the same content, on purpose):
            # --allow-duplicate-content lets them load; the duplicate group checks the refusal itself.
            allow = () if group == "duplicate" else ("--allow-duplicate-content",)
            for name, record in _load(wh, files, (*GROUP_ARGS[group], *allow)).items():
                reports[f"{group}/{name}"] = record
        support.build(wh)
        yield wh, reports, _all_outcomes(wh)


def _all_outcomes(wh: Warehouse) -> dict[tuple[str, str], Any]:
    """Everything the per-case checks need, read once: upload counts, row outcomes and gold rows per file."""
    out: dict[tuple[str, str], Any] = {}
    with wh.connect() as database:
        for platform, filename, n in database.query(
                "select platform, filename, count(*) from upload.platform_viewership group by 1, 2"):
            out[("upload", f"{platform}\x1f{filename}")] = int(n)
        found: dict[str, list[tuple[int, str]]] = {}
        for sql, prefix in (
            ("select platform, filename, source_row_number, 'x' from gold.episode_details", "gold"),
            ("select platform, filename, source_row_number, unmatched_reason from gold.fct_viewership_unmatched",
             "unmatched:"),
            ("select platform, filename, source_row_number, reject_reason from silver.int_viewership_rejected",
             "rejected:"),
        ):
            for platform, filename, row, reason in database.query(sql):
                found.setdefault(f"{platform}\x1f{filename}", []).append(
                    (int(row), "gold" if prefix == "gold" else prefix + str(reason)))
        for key, rows in found.items():
            out[("outcomes", key)] = [o for _, o in sorted(rows)]
        cur = database.execute("select * from gold.episode_details")
        names = [d[0] for d in cur.description]
        for row in cur.fetchall():
            record = dict(zip(names, row, strict=True))
            out.setdefault(("gold", f"{record['platform']}\x1f{record['filename']}"), []).append(record)
    return out


def test_corpus_has_at_least_50_cases_with_distinct_files() -> None:
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)
    names = [(c.group, c.filename) for c in CASES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_outcome(corpus_run: Any, case: Case) -> None:
    _, reports, seen = corpus_run
    report = reports[f"{case.group}/{case.filename}"]
    platform = GROUP_ARGS[case.group][1] if GROUP_ARGS[case.group] else "Tubi"
    key = f"{platform}\x1f{case.filename}"
    uploaded = seen.get(("upload", key), 0)
    if isinstance(case.expect, Refused):
        assert report["status"] == "error", f"{case.id}: the loader accepted the file: {report}"
        assert case.expect.message in report["error"], f"{case.id}: message was {report['error']!r}"
        assert report["rows_written"] == 0
        if sum(1 for c in CASES if c.filename == case.filename) == 1:
            assert uploaded == 0, f"{case.id}: a refused file left {uploaded} upload rows"
        return
    assert report.get("status", "ok") != "error", f"{case.id}: the loader refused it: {report.get('error')}"
    assert uploaded == len(case.expect), f"{case.id}: {uploaded} upload rows, expected {len(case.expect)}"
    actual = seen.get(("outcomes", key), [])
    assert actual == list(case.expect), f"{case.id} ({case.what}): outcomes {actual}, expected {list(case.expect)}"
    if case.check is not None:
        case.check(seen.get(("gold", key), []))


def test_conservation_and_reason_codes(corpus_run: Any) -> None:
    """rows in = gold + unmatched + rejected for every file; a reason code on every row that is not gold."""
    wh, _, _ = corpus_run
    with wh.connect() as database:
        problems = snapshot.conservation(database).violations()
        assert database.scalar("select count(*) from silver.int_viewership_rejected where reject_reason is null "
                               "or reject_reason = ''") == 0, "a rejected row without a reason code"
        assert database.scalar("select count(*) from gold.fct_viewership_unmatched where unmatched_reason is null "
                               "or unmatched_reason = ''") == 0, "an unmatched row without a reason"
    assert not problems, "\n".join(problems)
    support.assert_gold_sound(wh)
