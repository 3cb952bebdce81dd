"""Summary of the adversarial suite against the current `redline check`.

    python -m scripts.tests.redline.adversarial.run [--only ID ...] [--workers 2] [--json]

Prints, per class, harmful patches caught with an expected rule / caught with
another rule / missed, equivalent patches wrongly vetoed, and the wall time.
Exit code 0 when every harmful patch is caught with an expected rule and no
equivalent patch is vetoed (known gaps excepted), else 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from .harness import Outcome, Patch, cache_root, load_known_gaps, load_manifest, run_all


def summarize(patches: list[Patch], results: dict[str, Outcome], gaps: dict[str, str]) -> dict[str, Any]:
    by_class: dict[str, Counter[str]] = defaultdict(Counter)
    for patch in patches:
        outcome = results.get(patch.id)
        by_class[patch.klass][outcome.verdict if outcome else "not-run"] += 1
    harmful = [p for p in patches if p.harmful and p.id in results]
    equivalent = [p for p in patches if not p.harmful and p.id in results]

    def ids(verdict: str, group: list[Patch]) -> list[str]:
        return [p.id for p in group if results[p.id].verdict == verdict]

    caught = ids("caught", harmful)
    seconds = [results[p.id].seconds for p in patches if p.id in results]
    return {
        "harmful": len(harmful),
        "equivalent": len(equivalent),
        "caught_right_rule": caught,
        "caught_other_rule": ids("caught-other-rule", harmful),
        "missed": ids("missed", harmful),
        "false_vetoes": ids("false-veto", equivalent),
        "errors": [p.id for p in patches if p.id in results and results[p.id].verdict == "error"],
        "catch_rate": round(len(caught) / len(harmful), 3) if harmful else None,
        "by_class": {klass: dict(counter) for klass, counter in sorted(by_class.items())},
        "known_gaps": sorted(gaps),
        "seconds_per_patch_max": round(max(seconds), 1) if seconds else None,
        "seconds_per_patch_min": round(min(seconds), 1) if seconds else None,
    }


def print_text(
    summary: dict[str, Any], results: dict[str, Outcome], wall: float, wall_label: str = "wall time"
) -> None:
    print(f"{'class':<20} {'caught':>7} {'other':>6} {'missed':>7} {'passed':>7} {'f-veto':>7} {'error':>6}")
    for klass, counts in summary["by_class"].items():
        print(
            f"{klass:<20} {counts.get('caught', 0):>7} {counts.get('caught-other-rule', 0):>6}"
            f" {counts.get('missed', 0):>7} {counts.get('passed', 0):>7} {counts.get('false-veto', 0):>7}"
            f" {counts.get('error', 0):>6}"
        )
    print()
    print(
        f"harmful {summary['harmful']}: caught with an expected rule {len(summary['caught_right_rule'])}, "
        f"with another rule {len(summary['caught_other_rule'])}, missed {len(summary['missed'])} "
        f"(catch rate {summary['catch_rate']})"
    )
    print(f"equivalent {summary['equivalent']}: wrongly vetoed {len(summary['false_vetoes'])}")
    for label in ("missed", "caught_other_rule", "false_vetoes", "errors"):
        if summary[label]:
            print(f"{label}: {', '.join(summary[label])}")
    for patch_id in summary["errors"]:
        print(f"  {patch_id}: {results[patch_id].error}")
    span = f"{summary['seconds_per_patch_min']}-{summary['seconds_per_patch_max']} s per patch"
    print(f"{wall_label} {wall:.0f} s ({span})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="patch id (repeatable)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the summary and every outcome as JSON")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the outcomes already in target_adversarial/results.jsonl (errors excepted), run the rest",
    )
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="summarize target_adversarial/results.jsonl (e.g. of a run still going) without running anything",
    )
    args = parser.parse_args(argv)

    patches = load_manifest()
    gaps = load_known_gaps()
    if args.only:
        known = {p.id for p in patches}
        unknown = sorted(set(args.only) - known)
        if unknown:
            parser.error(f"unknown patch id(s): {', '.join(unknown)}")
        patches = [p for p in patches if p.id in set(args.only)]

    log = cache_root() / "results.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    previous: dict[str, Outcome] = {}
    if (args.resume or args.summary_only) and log.exists():
        wanted = {p.id for p in patches}
        for line in log.read_text().splitlines():
            outcome = Outcome(**json.loads(line))
            if outcome.patch_id in wanted and outcome.verdict != "error":
                previous[outcome.patch_id] = outcome
    if args.summary_only:
        patches = [p for p in patches if p.id in previous]
        summary = summarize(patches, previous, gaps)
        if args.json:
            print(json.dumps({"summary": summary, "outcomes": [r.as_dict() for r in previous.values()]}, indent=2))
        else:
            total = sum(r.seconds for r in previous.values())
            print_text(summary, previous, total / max(1, args.workers), f"patch seconds / {args.workers} workers")
        return 0
    with log.open("a" if args.resume else "w") as stream:

        def record(patch: Patch, outcome: Outcome) -> None:
            stream.write(json.dumps(outcome.as_dict()) + "\n")
            stream.flush()
            if not args.json:
                print(f"{patch.id:<6} {outcome.verdict:<18} {outcome.seconds:6.1f} s  {patch.intent}", flush=True)

        started = time.monotonic()
        results = run_all([p for p in patches if p.id not in previous], workers=args.workers, on_result=record)
        wall = time.monotonic() - started
    results.update(previous)

    summary = summarize(patches, results, gaps)
    summary["wall_seconds"] = round(wall, 1)
    if args.json:
        print(json.dumps({"summary": summary, "outcomes": [r.as_dict() for r in results.values()]}, indent=2))
    else:
        print()
        print_text(summary, results, wall)
    failing = [
        pid
        for pid in summary["missed"] + summary["caught_other_rule"] + summary["false_vetoes"] + summary["errors"]
        if pid not in gaps
    ]
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
