"""Kinds of weakening, what the ratchet finds (Weakening), approves (Approval) and returns (RatchetResult)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

RULES_FILE = "governance/redlines.yml"
EXCEPTIONS_FILE = "governance/exceptions.yml"
PROBES_DIR = "governance/probes"
APPROVALS_FILE = "governance/approvals.yml"
RATCHET_RULE = "GOV-RATCHET"
APPROVAL_RULE = "GOV-APPROVAL"
MAX_EXCEPTION_DAYS = 90  # a waiver added or changed must expire within this many days of the check
MAX_APPROVAL_DAYS = 90  # an approval may be valid at most this long after it was given
SEVERITY_RANK = {"error": 2, "warning": 1, "warn": 1, "info": 0}

# Kinds of weakening (an approval names one of these).
KINDS: Mapping[str, str] = {
    "rule_removed": "a rule was deleted",
    "severity_lowered": "the rule's severity was lowered",
    "absolute_removed": "the rule is no longer absolute (it can now be waived)",
    "check_removed": "a check of the rule was deleted",
    "match_weakened": "a check now passes when any (not all) selected model passes",
    "selector_narrowed": "a check applies to fewer models (names, tags or path globs removed or narrowed)",
    "params_weakened": "a check's parameters were weakened (values removed, a protected value changed)",
    "probe_removed": "a probe of the rule was removed",
    "probe_weakened": "a probe's assertions were reduced or changed",
    "exception_wildcard": "a waiver names a wildcard rule or model",
    "exception_expiry": f"a waiver has no expiry or one more than {MAX_EXCEPTION_DAYS} days ahead",
    "exception_absolute": "a waiver of an absolute rule",
}
# Parameter lists where MORE elements are weaker (alternatives that each satisfy the check).
PERMISSIVE_LISTS = frozenset({"any_of", "through", "allowed"})
# Parameter lists whose order matters (the base must remain a prefix).
ORDERED_LISTS = frozenset({"columns"})
# Numeric parameters where a higher value is stronger.
HIGHER_IS_STRONGER = frozenset({"minimum"})
# Boolean parameters where true is stronger.
TRUE_IS_STRONGER = frozenset({"case_sensitive"})
# Labels and prose never weaken a check.
PROSE_KEYS = frozenset({"what", "anchor", "label", "description", "title", "note"})


@dataclass(frozen=True)
class Weakening:
    """One change that makes a red line weaker than at the base."""

    rule: str
    kind: str
    file: str
    what: str  # e.g. "checks[phase_value 'bronze sets phase 0'].params.value"
    before: str
    after: str
    check: str = ""
    absolute: bool = False  # the rule was absolute at the base: no approval can cover this

    def explain(self) -> str:
        return f"{KINDS.get(self.kind, self.kind)}: {self.what}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class Approval:
    """An entry of governance/approvals.yml."""

    index: int
    rule: str
    change: str
    who: str
    why: str
    when: dt.date | None
    expiry: dt.date | None
    check: str = ""
    problems: tuple[str, ...] = ()

    def covers(self, w: Weakening) -> bool:
        return (not self.problems and self.rule == w.rule and self.change == w.kind
                and (not self.check or self.check == w.check))

    def describe(self) -> str:
        scope = f"{self.rule} {self.change}" + (f" ({self.check})" if self.check else "")
        return f"approvals[{self.index}] {scope} by {self.who or '?'} until {self.expiry or '?'}"


@dataclass(frozen=True)
class RatchetResult:
    base: str  # the ref as given
    commit: str  # resolved commit ("" when skipped)
    note: str  # how the base was chosen
    weakenings: tuple[Weakening, ...] = ()
    approvals: tuple[Approval, ...] = ()
    approved: tuple[tuple[Weakening, Approval], ...] = field(default=())

    @property
    def skipped(self) -> bool:
        return not self.commit

    @property
    def vetoes(self) -> list[Weakening]:
        done = {id(w) for w, _a in self.approved}
        return [w for w in self.weakenings if id(w) not in done]

    @property
    def bad_approvals(self) -> list[Approval]:
        return [a for a in self.approvals if a.problems]

    @property
    def exit_code(self) -> int:
        return 1 if self.vetoes or self.bad_approvals else 0
