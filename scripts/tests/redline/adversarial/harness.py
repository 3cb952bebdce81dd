"""Run the adversarial patches against `redline check` as a black box.

Each worker owns a persistent copy of the dbt project (a throw-away git
repository under the cache directory) and a persistent `--work-dir`, so dbt
can partial-parse between patches. For each patch the copy is reset to the
baseline, the patch is applied with `git apply`, and `redline check` runs for
all four targets with `--format json`. Nothing in the repository itself is
modified.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
MANIFEST = HERE / "manifest.yml"
KNOWN_GAPS = HERE / "known_gaps.yml"
TARGETS = ("dev", "ci", "staging", "prod")
# Parts of the repository a dbt compile and the checker read; the rest
# (Python sources, fixtures, pictures) is not copied into the workers.
PROJECT_PARTS = (
    "dbt_project.yml",
    "profiles.example.yml",
    ".gitignore",
    "models",
    "macros",
    "snapshots",
    "tests",
    "seeds",
    "analyses",
    "docs/dbt",
    "governance",
)
# Finding statuses that do not count as the checker reporting the rule.
NOT_REPORTED = frozenset({"waived", "pass", "passed", "ok", "info"})
REDLINE_TIMEOUT_S = 1800
# Largest group of equivalent patches checked together (a vetoed group is re-run one by one).
MAX_BATCH = 6


@dataclass(frozen=True)
class Patch:
    id: str
    path: Path
    klass: str
    intent: str
    expect: str
    rules: tuple[str, ...]

    @property
    def harmful(self) -> bool:
        return self.expect == "veto"


@dataclass
class Outcome:
    patch_id: str
    expect: str
    exit_code: int | None
    seconds: float
    reported: dict[str, list[str]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    error: str | None = None
    worker: int = 0
    verdict: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_test_selection(patches: list[Patch]) -> list[Patch]:
    """The patches `make test` runs: every equivalent patch (they are checked in groups, cheaply) and, of the
    harmful ones, every other patch of each class in id order (a fixed rule that does not look at any outcome),
    so each class is represented and the suite fits CI's time. REDLINE_ADVERSARIAL=all runs every patch
    (`make adversarial`)."""
    chosen: list[Patch] = [p for p in patches if not p.harmful]
    by_class: dict[str, list[Patch]] = {}
    for patch in patches:
        if patch.harmful:
            by_class.setdefault(patch.klass, []).append(patch)
    for members in by_class.values():
        chosen += sorted(members, key=lambda p: p.id)[::2]
    wanted = {p.id for p in chosen}
    return [p for p in patches if p.id in wanted]


def load_manifest(path: Path = MANIFEST) -> list[Patch]:
    data = yaml.safe_load(path.read_text())
    patches: list[Patch] = []
    for index, entry in enumerate(data["patches"], start=1):
        where = f"{path.name}: entry {index} ({entry.get('id', '?')})"
        for key in ("id", "path", "class", "intent", "expect"):
            if not entry.get(key):
                raise ValueError(f"{where}: missing '{key}'")
        expect = entry["expect"]
        rules = tuple(entry.get("rules") or ())
        if expect not in ("veto", "pass"):
            raise ValueError(f"{where}: expect must be veto or pass, not {expect!r}")
        if expect == "veto" and not rules:
            raise ValueError(f"{where}: a veto patch names the rules that may catch it")
        if expect == "pass" and rules:
            raise ValueError(f"{where}: a pass patch names no rules")
        patches.append(
            Patch(
                id=str(entry["id"]),
                path=HERE / entry["path"],
                klass=str(entry["class"]),
                intent=str(entry["intent"]),
                expect=expect,
                rules=rules,
            )
        )
    return patches


def load_known_gaps(path: Path = KNOWN_GAPS) -> dict[str, str]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected a mapping patch id -> reason")
    return {str(key): str(value) for key, value in data.items()}


def redline_executable() -> str:
    beside = Path(sys.executable).with_name("redline")
    if beside.exists():
        return str(beside)
    found = shutil.which("redline")
    if found is None:
        raise RuntimeError("redline is not installed (run `make setup`)")
    return found


def cache_root() -> Path:
    configured = os.environ.get("REDLINE_ADVERSARIAL_DIR")
    return Path(configured) if configured else REPO / "target_adversarial"


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True, text=True)


class Worker:
    """A persistent project copy + redline work dir, reset between patches."""

    def __init__(self, number: int, root: Path) -> None:
        self.number = number
        self.root = root / f"worker-{number}"
        self.project = self.root / "project"
        self.work = self.root / "work"

    def prepare(self) -> None:
        self.project.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True, exist_ok=True)
        for child in self.project.iterdir():
            if child.name in (".git", "target", "logs"):
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        for part in PROJECT_PARTS:
            source = REPO / part
            if source.is_dir():
                shutil.copytree(source, self.project / part, ignore=shutil.ignore_patterns("__pycache__"))
            elif source.is_file():
                (self.project / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, self.project / part)
        profiles = REPO / "profiles.yml"
        shutil.copy2(profiles if profiles.exists() else REPO / "profiles.example.yml", self.project / "profiles.yml")
        if not (self.project / ".git").exists():
            _git(self.project, "init", "-q")
            _git(self.project, "config", "user.email", "adversary@localhost")
            _git(self.project, "config", "user.name", "adversary")
            _git(self.project, "config", "commit.gpgsign", "false")
        _git(self.project, "add", "-A")
        _git(self.project, "commit", "-q", "--allow-empty", "-m", "baseline")
        _git(self.project, "tag", "-f", "baseline")

    def reset(self) -> None:
        _git(self.project, "reset", "-q", "--hard", "baseline")
        _git(self.project, "clean", "-fdq")

    def apply(self, patch: Patch) -> str | None:
        self.reset()
        result = _git(self.project, "apply", "--whitespace=nowarn", str(patch.path), check=False)
        if result.returncode != 0:
            return f"git apply failed: {result.stderr.strip()}"
        return None

    def check(self) -> tuple[int, dict[str, Any] | None, str]:
        command = [redline_executable(), "check", "--project-dir", str(self.project)]
        for target in TARGETS:
            command += ["--target", target]
        # as `make test` and CI run it: with the governance ratchet against the baseline the patch applies to
        command += ["--format", "json", "--work-dir", str(self.work), "--base", "HEAD"]
        env = dict(os.environ)
        env.setdefault("DBT_PROFILES_DIR", str(self.project))
        result = subprocess.run(
            command, cwd=self.project, capture_output=True, text=True, env=env, timeout=REDLINE_TIMEOUT_S
        )
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            report = None
        return result.returncode, report, result.stderr

    def run(self, patch: Patch) -> Outcome:
        started = time.monotonic()
        error = self.apply(patch)
        if error is not None:
            outcome = Outcome(patch.id, patch.expect, None, time.monotonic() - started, error=error)
        else:
            code, report, stderr = self.check()
            outcome = Outcome(patch.id, patch.expect, code, time.monotonic() - started)
            vetoes = ratchet_vetoes(stderr)
            if report is None:
                refused = refused_rules(code, stderr)
                if vetoes and code != 0:
                    # the ratchet vetoed the governance change (exit 1) before the rest could be evaluated
                    outcome.messages.append(stderr.strip()[-1500:])
                elif refused:
                    # The checker refused the project (exit 2) naming the rules it could not evaluate,
                    # e.g. a governance file it rejects: that counts as those rules not evaluable.
                    for rule in sorted(refused):
                        outcome.reported[rule] = ["not_evaluable"]
                    outcome.messages.append(stderr.strip()[-1500:])
                else:
                    outcome.error = f"redline printed no JSON report (exit {code}): {stderr.strip()[-1500:]}"
            else:
                for finding in report.get("findings", []):
                    rule = str(finding.get("rule", "?"))
                    status = str(finding.get("status", "?"))
                    message = str(finding.get("message", ""))
                    outcome.reported.setdefault(rule, []).append(status)
                    for protected in governance_rules(rule, message):
                        outcome.reported.setdefault(protected, []).append(status)
                    outcome.messages.append(f"{rule} [{status}] {finding.get('model', '')}: {message}".strip())
            for protected, line in vetoes:
                outcome.reported.setdefault(protected, []).append("violation")
                outcome.messages.append(line)
        outcome.worker = self.number
        outcome.verdict = verdict(patch, outcome)
        return outcome

    def run_safely(self, patch: Patch) -> Outcome:
        try:
            return self.run(patch)
        except (subprocess.SubprocessError, OSError) as exc:
            outcome = Outcome(patch.id, patch.expect, None, 0.0, error=f"{type(exc).__name__}: {exc}")
            outcome.worker = self.number
            outcome.verdict = "error"
            return outcome

    def run_unit(self, unit: list[Patch]) -> list[tuple[Patch, Outcome]]:
        """One patch, or a group of equivalent patches checked together (see batches())."""
        if len(unit) == 1:
            return [(unit[0], self.run_safely(unit[0]))]
        started = time.monotonic()
        self.reset()
        applied = all(
            _git(self.project, "apply", "--whitespace=nowarn", str(patch.path), check=False).returncode == 0
            for patch in unit
        )
        if applied:
            try:
                code, report, _ = self.check()
            except (subprocess.SubprocessError, OSError):
                code, report = None, None
            if code == 0 and report is not None:
                share = (time.monotonic() - started) / len(unit)
                together = ", ".join(patch.id for patch in unit)
                outcomes = []
                for patch in unit:
                    outcome = Outcome(patch.id, patch.expect, 0, share, worker=self.number)
                    outcome.messages.append(f"checked together with {together}: clean")
                    outcome.verdict = verdict(patch, outcome)
                    outcomes.append((patch, outcome))
                return outcomes
        return [(patch, self.run_safely(patch)) for patch in unit]


GOVERNANCE_FINDINGS = ("WAIVER", "GOV-RATCHET", "GOV-APPROVAL")


def governance_rules(rule: str, message: str) -> set[str]:
    """A finding about the governance files (an invalid waiver, a weakened rule) counts for the red line it
    names: a waiver patch of RL-7 is caught with the right rule when the checker refuses the RL-7 waiver."""
    return set(re.findall(r"\bRL-\d+\b", message)) if rule in GOVERNANCE_FINDINGS else set()


def ratchet_vetoes(stderr: str) -> list[tuple[str, str]]:
    """(red line, line) of each ratchet veto block `redline check --base` prints (on stderr with --format json)."""
    return [(m.group(1), m.group(0).strip("= ")) for m in
            re.finditer(r"=+ VETO: GOV-RATCHET - (RL-\d+) weakened[^\n]*", stderr)]


def refused_rules(exit_code: int, stderr: str) -> set[str]:
    """Rule ids named by a `could not evaluate` refusal that is not a dbt compile failure."""
    if exit_code != 2 or "could not evaluate" not in stderr or "dbt compile failed" in stderr:
        return set()
    return set(re.findall(r"\bRL-\d+\b", stderr))


def flagged_rules(outcome: Outcome) -> set[str]:
    return {
        rule
        for rule, statuses in outcome.reported.items()
        if any(status not in NOT_REPORTED for status in statuses)
    }


def verdict(patch: Patch, outcome: Outcome) -> str:
    if outcome.error is not None or outcome.exit_code is None:
        return "error"
    if patch.harmful:
        if outcome.exit_code == 0:
            return "missed"
        return "caught" if flagged_rules(outcome) & set(patch.rules) else "caught-other-rule"
    return "passed" if outcome.exit_code == 0 else "false-veto"


def interleave(patches: Iterable[Patch]) -> list[Patch]:
    """Round-robin over the rules/classes, so a partial run covers every class."""
    groups: dict[str, list[Patch]] = {}
    for patch in patches:
        # Equivalent patch files are named NNN-rlN-...: group them by that rule token.
        key = patch.rules[0] if patch.rules else "pass:" + "".join(patch.path.stem.split("-")[1:2])
        groups.setdefault(key, []).append(patch)
    ordered: list[Patch] = []
    while any(groups.values()):
        for key in list(groups):
            if groups[key]:
                ordered.append(groups[key].pop(0))
    return ordered


def touched_files(patch: Patch) -> frozenset[str]:
    """Repository paths a patch changes (old and new names)."""
    names: set[str] = set()
    for line in patch.path.read_text().splitlines():
        for prefix in ("--- a/", "+++ b/", "rename from ", "rename to "):
            if line.startswith(prefix):
                names.add(line[len(prefix) :])
    return frozenset(names)


def batches(patches: Iterable[Patch]) -> list[list[Patch]]:
    """Work units: each harmful patch alone; equivalent patches grouped when they touch disjoint files.

    An equivalent patch keeps every red line's meaning, so a group of them touching different files does
    too: one clean `redline check` of the group stands for each member. A group that is vetoed (or does not
    apply) is re-run one patch at a time, so every verdict is still per patch. REDLINE_ADVERSARIAL_BATCH=0
    runs every patch alone.
    """
    ordered = interleave(patches)
    if os.environ.get("REDLINE_ADVERSARIAL_BATCH", "1") == "0":
        return [[patch] for patch in ordered]
    units: list[list[Patch]] = []
    groups: list[tuple[set[str], list[Patch]]] = []
    for patch in ordered:
        if patch.harmful:
            units.append([patch])
            continue
        files = touched_files(patch)
        for used, members in groups:
            if len(members) < MAX_BATCH and not used & files:
                used |= files
                members.append(patch)
                break
        else:
            group: list[Patch] = [patch]
            groups.append((set(files), group))
            units.append(group)
    return units


def run_all(
    patches: Iterable[Patch],
    workers: int = 2,
    on_result: Callable[[Patch, Outcome], None] | None = None,
) -> dict[str, Outcome]:
    """Run every patch, `workers` at a time; each worker keeps its own copy."""
    todo: queue.Queue[list[Patch]] = queue.Queue()
    units = batches(patches)
    for unit in units:
        todo.put(unit)
    results: dict[str, Outcome] = {}
    lock = threading.Lock()
    root = cache_root()

    def work(number: int) -> None:
        worker = Worker(number, root)
        worker.prepare()
        while True:
            try:
                unit = todo.get_nowait()
            except queue.Empty:
                break
            for patch, outcome in worker.run_unit(unit):
                with lock:
                    results[patch.id] = outcome
                    if on_result is not None:
                        on_result(patch, outcome)
        worker.reset()

    count = max(1, min(workers, len(units)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        for future in [pool.submit(work, number) for number in range(1, count + 1)]:
            future.result()
    return results
