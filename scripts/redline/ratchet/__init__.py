"""The governance ratchet: the red lines may only get stronger unless a recorded approval says otherwise.

`redline check --base REF` (and `redline ratchet --base REF`) compares governance/redlines.yml,
governance/exceptions.yml and governance/probes/*.yml with their content at the git ref REF (read with
`git show REF:path`, nothing is checked out). Every change that weakens a red line is a finding of rule
GOV-RATCHET, a veto unless an entry of governance/approvals.yml approves exactly that rule and that kind of
change; an incomplete, expired or not-yet-valid approval is itself a finding (GOV-APPROVAL).

The comparison proves strength, it does not guess it: a change it cannot show to be at least as strong
(a changed parameter value, a new parameter key) counts as a weakening. Strengthening (a new rule, a new
check, wider selectors, more values, more probes) needs nothing. `--base auto` picks the base as documented
in `resolve_base` and never fails for want of one.
"""

from __future__ import annotations

from redline.ratchet.approvals import load_approvals
from redline.ratchet.command import compare, ratchet, render, run
from redline.ratchet.files import compare_exceptions, compare_probes, compare_rules
from redline.ratchet.history import list_dir, resolve_base, rev_parse, show
from redline.ratchet.params import narrowed_selector, weaker_params
from redline.ratchet.records import (
    APPROVAL_RULE,
    APPROVALS_FILE,
    EXCEPTIONS_FILE,
    HIGHER_IS_STRONGER,
    KINDS,
    MAX_APPROVAL_DAYS,
    MAX_EXCEPTION_DAYS,
    ORDERED_LISTS,
    PERMISSIVE_LISTS,
    PROBES_DIR,
    PROSE_KEYS,
    RATCHET_RULE,
    RULES_FILE,
    SEVERITY_RANK,
    TRUE_IS_STRONGER,
    Approval,
    RatchetResult,
    Weakening,
)

__all__ = [
    "APPROVALS_FILE",
    "APPROVAL_RULE",
    "EXCEPTIONS_FILE",
    "HIGHER_IS_STRONGER",
    "KINDS",
    "MAX_APPROVAL_DAYS",
    "MAX_EXCEPTION_DAYS",
    "ORDERED_LISTS",
    "PERMISSIVE_LISTS",
    "PROBES_DIR",
    "PROSE_KEYS",
    "RATCHET_RULE",
    "RULES_FILE",
    "SEVERITY_RANK",
    "TRUE_IS_STRONGER",
    "Approval",
    "RatchetResult",
    "Weakening",
    "compare",
    "compare_exceptions",
    "compare_probes",
    "compare_rules",
    "list_dir",
    "load_approvals",
    "narrowed_selector",
    "ratchet",
    "render",
    "resolve_base",
    "rev_parse",
    "run",
    "show",
    "weaker_params",
]
