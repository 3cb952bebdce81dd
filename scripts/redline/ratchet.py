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

import datetime as dt
import fnmatch
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click
import yaml

from redline.config import ConfigError

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


# ----------------------------------------------------------------------------------------------------------
# git
# ----------------------------------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)


def rev_parse(root: Path, ref: str) -> str | None:
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def resolve_base(root: Path, ref: str) -> tuple[str, str]:
    """(commit, note). `auto`: $REDLINE_BASE is not consulted here (the Makefile passes it as the ref);
    1. the merge-base of HEAD and origin/main (else main) when it is not HEAD itself (a branch or pull
       request is compared with the main commit it started from);
    2. otherwise HEAD~1 (on main, or a clone without origin/main: the last commit against its parent);
    3. otherwise no base (a shallow clone of one commit): commit "" and the ratchet is skipped.
    Any other ref must resolve, or it is a ConfigError (exit 2)."""
    if ref != "auto":
        commit = rev_parse(root, ref)
        if commit is None:
            raise ConfigError(f"--base {ref}: not a commit in this repository (git rev-parse failed)")
        return commit, f"base {ref} ({commit[:12]})"
    head = rev_parse(root, "HEAD")
    if head is None:
        return "", "no base: not a git checkout with commits; governance ratchet skipped"
    mains = [(name, commit) for name in ("origin/main", "main") if (commit := rev_parse(root, name))]
    for name, main in mains:
        done = _git(root, "merge-base", "HEAD", main)
        merge_base = done.stdout.strip()
        if done.returncode == 0 and merge_base and merge_base != head:
            return merge_base, f"base auto = merge-base of HEAD and {name} ({merge_base[:12]})"
    parent = rev_parse(root, "HEAD~1")
    if parent is not None:
        why = "HEAD is on main" if mains else "no origin/main or main"
        return parent, f"base auto = HEAD~1 ({parent[:12]}; {why})"
    return "", "no base: no origin/main and no HEAD~1 (shallow clone?); governance ratchet skipped"


def show(root: Path, commit: str, relpath: str) -> str | None:
    """The file's text at the commit, None when it did not exist there."""
    done = _git(root, "show", f"{commit}:{relpath}")
    return done.stdout if done.returncode == 0 else None


def list_dir(root: Path, commit: str, relpath: str) -> list[str]:
    done = _git(root, "ls-tree", "--name-only", f"{commit}:{relpath}")
    return sorted(done.stdout.split()) if done.returncode == 0 else []


def _load(text: str | None, where: str) -> Any:
    if text is None:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: cannot parse YAML: {exc}") from exc


# ----------------------------------------------------------------------------------------------------------
# comparison
# ----------------------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("...").strip()


def _canon(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=True, width=10_000)


def weaker_params(base: Any, head: Any, path: str, key: str = "") -> Iterator[tuple[str, str, str]]:
    """(where, before, after) for every way `head` is not provably at least as strong as `base`."""
    if key in PROSE_KEYS:
        return
    if isinstance(base, dict) and isinstance(head, dict):
        for k in base:
            if k not in head:
                yield f"{path}.{k}", _show(base[k]), "(removed)"
            else:
                yield from weaker_params(base[k], head[k], f"{path}.{k}", str(k))
        for k in head:
            if k not in base and str(k) not in PROSE_KEYS:
                yield f"{path}.{k}", "(absent)", f"{_show(head[k])} (a new parameter cannot be shown stronger)"
        return
    if isinstance(base, list) and isinstance(head, list):
        if key in ORDERED_LISTS:
            if head[:len(base)] != base:
                yield path, _show(base), _show(head)
            return
        if key in PERMISSIVE_LISTS:
            added = [h for h in head if _canon(h) not in {_canon(b) for b in base}]
            if added or not head:
                yield path, _show(base), _show(head) + (f" (alternatives added: {_show(added)})" if added else "")
            return
        for item in base:
            if _canon(item) in {_canon(h) for h in head}:
                continue
            if isinstance(item, dict):
                # a changed element of a list of mappings (a predicate): compare with the best candidate
                candidates = [h for h in head if isinstance(h, dict)]
                same_sql = [h for h in candidates if any(h.get(k) == item.get(k) for k in ("sql", "id", "name")
                                                         if k in item)]
                if same_sql:
                    yield from weaker_params(item, same_sql[0], f"{path}[{_show(item.get('sql', ''))}]")
                    continue
            yield path, _show(item), f"(removed; {len(head)} of {len(base)} left)"
        return
    if base == head:
        return
    if key in HIGHER_IS_STRONGER and isinstance(base, int | float) and isinstance(head, int | float):
        if head < base:
            yield path, _show(base), _show(head)
        return
    if key in TRUE_IS_STRONGER and isinstance(base, bool) and isinstance(head, bool):
        if base and not head:
            yield path, _show(base), _show(head)
        return
    yield path, _show(base), _show(head)


def _glob_covered(glob: str, head_globs: Sequence[str]) -> bool:
    return any(glob == h or fnmatch.fnmatchcase(glob, h) for h in head_globs)


def narrowed_selector(base: Mapping[str, Any], head: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    def items(sel: Mapping[str, Any], key: str) -> list[str]:
        value = sel.get(key) or []
        return [value] if isinstance(value, str) else [str(v) for v in value]

    base_all = any(items(base, k) for k in ("names", "tags", "paths"))
    head_all = any(items(head, k) for k in ("names", "tags", "paths"))
    if not base_all:
        if head_all:
            yield "applies_to", "(the whole project)", _show(dict(head))
        return
    for key in ("names", "tags"):
        lost = [v for v in items(base, key) if v not in items(head, key)]
        if lost:
            yield f"applies_to.{key}", _show(items(base, key)), f"{_show(items(head, key))} ({_show(lost)} removed)"
    lost = [g for g in items(base, "paths") if not _glob_covered(g, items(head, "paths"))]
    if lost:
        yield "applies_to.paths", _show(items(base, "paths")), \
            f"{_show(items(head, 'paths'))} ({_show(lost)} no longer covered)"


def _check_name(c: Mapping[str, Any]) -> str:
    label = str(c.get("label", "") or "")
    return f"{c.get('check')}" + (f" '{label}'" if label else "")


def _check_weakenings(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(kind, where, before, after) for one paired check."""
    out: list[tuple[str, str, str, str]] = []
    if str(base.get("match", "all")) == "all" and str(head.get("match", "all")) == "any":
        out.append(("match_weakened", "match", "all", "any"))
    for where, before, after in narrowed_selector(base.get("applies_to") or {}, head.get("applies_to") or {}):
        out.append(("selector_narrowed", where, before, after))
    for where, before, after in weaker_params(base.get("params") or {}, head.get("params") or {}, "params"):
        out.append(("params_weakened", where, before, after))
    return out


def _pair_checks(base: Sequence[Mapping[str, Any]], head: Sequence[Mapping[str, Any]]
                 ) -> list[tuple[Mapping[str, Any], Mapping[str, Any] | None]]:
    """Pair every base check with a head check: same check+label first, then a same-type check that is at
    least as strong, then the only remaining same-type check; unpaired base checks were removed."""
    free = list(range(len(head)))
    pairs: dict[int, int | None] = {}
    for i, b in enumerate(base):
        for j in free:
            if head[j].get("check") == b.get("check") and _check_name(head[j]) == _check_name(b):
                pairs[i] = j
                free.remove(j)
                break
    for i, b in enumerate(base):
        if i in pairs:
            continue
        same = [j for j in free if head[j].get("check") == b.get("check")]
        strong = [j for j in same if not _check_weakenings(b, head[j])]
        pick = strong[0] if strong else (same[0] if len(same) == 1 else None)
        if pick is not None:
            free.remove(pick)
        pairs[i] = pick
    out: list[tuple[Mapping[str, Any], Mapping[str, Any] | None]] = []
    for i, b in enumerate(base):
        k = pairs[i]
        out.append((b, head[k] if k is not None else None))
    return out


def _rules_by_id(data: Any) -> dict[str, Mapping[str, Any]]:
    rules = (data or {}).get("rules") if isinstance(data, dict) else None
    return {str(r["id"]): r for r in rules or [] if isinstance(r, dict) and "id" in r}


def compare_rules(base_data: Any, head_data: Any) -> list[Weakening]:
    base, head = _rules_by_id(base_data), _rules_by_id(head_data)
    out: list[Weakening] = []
    f = RULES_FILE
    for rid, b in base.items():
        h = head.get(rid)
        if h is None:
            out.append(Weakening(rid, "rule_removed", f, rid, str(b.get("title", "")), "(deleted)"))
            continue
        bs, hs = str(b.get("severity", "error")), str(h.get("severity", "error"))
        if SEVERITY_RANK.get(hs, 0) < SEVERITY_RANK.get(bs, 0):
            out.append(Weakening(rid, "severity_lowered", f, f"{rid}.severity", bs, hs))
        if b.get("absolute") and not h.get("absolute"):
            out.append(Weakening(rid, "absolute_removed", f, f"{rid}.absolute", "true", _show(h.get("absolute"))))
        for bc, hc in _pair_checks(list(b.get("checks") or []), list(h.get("checks") or [])):
            name = _check_name(bc)
            if hc is None:
                out.append(Weakening(rid, "check_removed", f, f"{rid}.checks[{name}]", _show(dict(bc)), "(deleted)",
                                     check=str(bc.get("check"))))
                continue
            for kind, where, before, after in _check_weakenings(bc, hc):
                out.append(Weakening(rid, kind, f, f"{rid}.checks[{name}].{where}", before, after,
                                     check=str(bc.get("check"))))
        hp = [str(p) for p in h.get("probes") or []]
        for probe in b.get("probes") or []:
            if str(probe) not in hp:
                out.append(Weakening(rid, "probe_removed", f, f"{rid}.probes", _show(b.get("probes")),
                                     f"{_show(hp)} ({probe} removed)", check=str(probe)))
    return out


def _probe_owner(name: str, data: Any, rules: Mapping[str, Mapping[str, Any]]) -> str:
    if isinstance(data, dict):
        for key in ("rule", "rule_id"):
            if data.get(key):
                return str(data[key])
    stem = name.rsplit(".", 1)[0]
    for rid, rule in rules.items():
        if stem in [str(p) for p in rule.get("probes") or []] or stem.lower().startswith(rid.lower()):
            return rid
    return "?"


def compare_probes(base_files: Mapping[str, Any], head_files: Mapping[str, Any],
                   rules: Mapping[str, Mapping[str, Any]]) -> list[Weakening]:
    """Probe files (governance/probes/*.yml): removed, or any assertion removed or changed."""
    out: list[Weakening] = []
    for name, b in sorted(base_files.items()):
        rel = f"{PROBES_DIR}/{name}"
        owner = _probe_owner(name, b, rules)
        stem = name.rsplit(".", 1)[0]
        if name not in head_files:
            out.append(Weakening(owner, "probe_removed", rel, rel, "present", "(deleted)", check=stem))
            continue
        for where, before, after in weaker_params(b, head_files[name], stem):
            out.append(Weakening(owner, "probe_weakened", rel, where, before, after, check=stem))
    return out


def _exception_key(e: Mapping[str, Any]) -> str:
    return _canon({k: e.get(k) for k in sorted(e)})


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def compare_exceptions(base_data: Any, head_data: Any, rules: Mapping[str, Mapping[str, Any]],
                       base_rules: Mapping[str, Mapping[str, Any]], today: dt.date) -> list[Weakening]:
    """Waivers that are new or changed since the base must be narrow, short and of waivable rules."""
    def entries(data: Any) -> list[Mapping[str, Any]]:
        items = (data or {}).get("exceptions") if isinstance(data, dict) else None
        return [e for e in items or [] if isinstance(e, dict)]

    known = {_exception_key(e) for e in entries(base_data)}
    out: list[Weakening] = []
    f = EXCEPTIONS_FILE
    for i, e in enumerate(entries(head_data)):
        if _exception_key(e) in known:
            continue
        rid, model = str(e.get("rule", "") or ""), str(e.get("model", "") or "")
        where = f"exceptions[{i}] ({rid or '?'} on {model or '?'})"
        wild = [f"{k}={v!r}" for k, v in (("rule", rid), ("model", model))
                if not v or any(c in v for c in "*?[") or v.lower() in {"all", "any"}]
        if wild:
            out.append(Weakening(rid or "*", "exception_wildcard", f, where, "(no such waiver)", ", ".join(wild)))
        expiry = _as_date(e.get("expiry", e.get("expires")))
        limit = today + dt.timedelta(days=MAX_EXCEPTION_DAYS)
        if expiry is None or expiry > limit:
            out.append(Weakening(rid or "*", "exception_expiry", f, where, f"expiry at most {limit.isoformat()}",
                                 _show(e.get("expiry", e.get("expires")))))
        rule = rules.get(rid) or base_rules.get(rid)
        if rule is not None and (rule.get("absolute") or (base_rules.get(rid) or {}).get("absolute")):
            out.append(Weakening(rid, "exception_absolute", f, where, f"{rid} is absolute", f"waived for {model}"))
    return out


# ----------------------------------------------------------------------------------------------------------
# approvals
# ----------------------------------------------------------------------------------------------------------


def load_approvals(path: Path, today: dt.date) -> tuple[Approval, ...]:
    """governance/approvals.yml; an entry that is incomplete, unknown, expired, too long or not yet
    valid carries its problems (a GOV-APPROVAL failure) and approves nothing."""
    if not path.is_file():
        return ()
    data = _load(path.read_text(encoding="utf-8"), str(path)) or {}
    entries = data.get("approvals") if isinstance(data, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'approvals' must be a list")
    out: list[Approval] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: approvals[{i}] must be a mapping")
        problems: list[str] = []
        values: dict[str, str] = {}
        for key in ("rule", "change", "who", "why"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"'{key}' is missing")
            values[key] = str(value or "").strip()
        if values["change"] and values["change"] not in KINDS:
            problems.append(f"'change' must be one of {sorted(KINDS)}, got {values['change']!r}")
        when, expiry = _as_date(entry.get("when")), _as_date(entry.get("expiry"))
        if when is None:
            problems.append("'when' is missing or not a YYYY-MM-DD date")
        elif when > today:
            problems.append(f"'when' {when.isoformat()} is in the future")
        if expiry is None:
            problems.append("'expiry' is missing or not a YYYY-MM-DD date")
        elif expiry < today:
            problems.append(f"expired on {expiry.isoformat()}")
        if when is not None and expiry is not None and (expiry - when).days > MAX_APPROVAL_DAYS:
            problems.append(f"valid for {(expiry - when).days} days (at most {MAX_APPROVAL_DAYS})")
        out.append(Approval(i, values["rule"], values["change"], values["who"], values["why"], when, expiry,
                            str(entry.get("check", "") or "").strip(), tuple(problems)))
    return tuple(out)


# ----------------------------------------------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------------------------------------------


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
