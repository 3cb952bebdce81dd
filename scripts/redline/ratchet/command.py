"""`redline ratchet` and the entry point `redline check --base` uses: compare, render, run."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from redline.config import ConfigError
from redline.ratchet.approvals import load_approvals
from redline.ratchet.files import compare_exceptions, compare_probes, compare_rules
from redline.ratchet.history import _load, list_dir, resolve_base, show
from redline.ratchet.params import _rules_by_id
from redline.ratchet.records import (
    APPROVAL_RULE,
    APPROVALS_FILE,
    EXCEPTIONS_FILE,
    KINDS,
    PROBES_DIR,
    RATCHET_RULE,
    RULES_FILE,
    Approval,
    RatchetResult,
    Weakening,
)


def _probe_files_at(root: Path, commit: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if commit is None:
        folder = root / PROBES_DIR
        for p in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            out[p.name] = _load(p.read_text(encoding="utf-8"), str(p))
        return out
    for name in list_dir(root, commit, PROBES_DIR):
        if name.endswith((".yml", ".yaml")):
            out[name] = _load(show(root, commit, f"{PROBES_DIR}/{name}"), f"{commit[:12]}:{PROBES_DIR}/{name}")
    return out


def _head_text(root: Path, relpath: str) -> str | None:
    p = root / relpath
    return p.read_text(encoding="utf-8") if p.is_file() else None


def compare(root: Path, ref: str, today: dt.date | None = None) -> RatchetResult:
    """Compare the working tree's governance files with REF's; apply governance/approvals.yml."""
    today = today or dt.datetime.now(dt.UTC).date()
    commit, note = resolve_base(root, ref)
    approvals = load_approvals(root / APPROVALS_FILE, today)
    if not commit:
        return RatchetResult(ref, "", note, approvals=approvals)
    base_rules_text = show(root, commit, RULES_FILE)
    base_rules = _load(base_rules_text, f"{commit[:12]}:{RULES_FILE}")
    head_rules = _load(_head_text(root, RULES_FILE), RULES_FILE)
    if head_rules is None:
        raise ConfigError(f"{RULES_FILE} is missing")
    head_by_id, base_by_id = _rules_by_id(head_rules), _rules_by_id(base_rules)
    weakenings = compare_rules(base_rules, head_rules)
    weakenings += compare_probes(_probe_files_at(root, commit), _probe_files_at(root, None),
                                 {**base_by_id, **head_by_id})
    weakenings += compare_exceptions(_load(show(root, commit, EXCEPTIONS_FILE), f"{commit[:12]}:{EXCEPTIONS_FILE}"),
                                     _load(_head_text(root, EXCEPTIONS_FILE), EXCEPTIONS_FILE),
                                     head_by_id, base_by_id, today)
    weakenings = [replace(w, absolute=True) if (base_by_id.get(w.rule) or {}).get("absolute") else w
                  for w in weakenings]
    approved: list[tuple[Weakening, Approval]] = []
    for w in weakenings:
        if w.absolute:
            continue  # an absolute red line has no override: no approval can cover weakening it
        for a in approvals:
            if a.covers(w):
                approved.append((w, a))
                break
    return RatchetResult(ref, commit, note, tuple(weakenings), approvals, tuple(approved))


def render(result: RatchetResult) -> str:
    """Deterministic text: one block per veto and per bad approval, then a summary line."""
    lines: list[str] = []
    for w in result.vetoes:
        lines += [
            f"======== VETO: {RATCHET_RULE} - {w.rule} weakened ({w.kind}) ========",
            f"  file      : {w.file}",
            f"  where     : {w.what}",
            f"  base      : {w.before}",
            f"  now       : {w.after}",
            f"  why       : {KINDS.get(w.kind, w.kind)}; red lines may only get stronger",
            f"  approve   : none can: {w.rule} is absolute (no override); restore it" if w.absolute else
            f"  approve   : an entry in {APPROVALS_FILE} with rule: {w.rule}, change: {w.kind}"
            + (f", check: {w.check}" if w.check else "") + ", who, why, when, expiry",
            "",
        ]
    for a in result.bad_approvals:
        lines += [f"======== FAIL: {APPROVAL_RULE} - approvals[{a.index}] ({a.rule or '?'} {a.change or '?'}) "
                  "========", *(f"  problem   : {p}" for p in a.problems), ""]
    for w, a in result.approved:
        lines.append(f"approved: {w.rule} {w.kind} at {w.what} ({a.describe()}: {a.why})")
    used = {a.index for _w, a in result.approved}
    for a in result.approvals:
        if not a.problems and a.index not in used:
            lines.append(f"unused approval: {a.describe()}")
    if result.skipped:
        lines.append(f"redline ratchet: {result.note}; {len(result.bad_approvals)} invalid approval(s)")
        return "\n".join(lines)
    lines.append(f"redline ratchet: {result.note}: {len(result.weakenings)} weakening(s), "
                 f"{len(result.approved)} approved, {len(result.vetoes)} veto(es), "
                 f"{len(result.bad_approvals)} invalid approval(s)")
    return "\n".join(lines)


def run(root: Path, ref: str, today: dt.date | None = None) -> tuple[str, int]:
    """(report text, exit code); exit 2 with the reason when the base or a governance file is unusable."""
    try:
        result = compare(root, ref, today)
    except ConfigError as exc:
        return f"redline ratchet: could not evaluate: {exc}", 2
    return render(result), result.exit_code


@click.command()
@click.option("--base", "base", default="auto", show_default=True,
              help="Git ref to compare governance/ with (auto: merge-base with origin/main or main, else HEAD~1, "
                   "else skipped).")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def ratchet(base: str, project_dir: Path | None) -> None:
    """Veto any weakening of governance/ against BASE not recorded in governance/approvals.yml."""
    from redline.cli import find_root

    try:
        root = project_dir.resolve() if project_dir else find_root()
    except ConfigError as exc:
        click.echo(f"redline ratchet: {exc}", err=True)
        sys.exit(2)
    text, code = run(root, base)
    click.echo(text)
    sys.exit(code)
