"""Weakenings between two versions of the rules, the probes and the exceptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from redline.config import as_date
from redline.ratchet.params import (
    _canon,
    _check_name,
    _check_weakenings,
    _pair_checks,
    _rules_by_id,
    _show,
    weaker_params,
)
from redline.ratchet.records import (
    EXCEPTIONS_FILE,
    MAX_EXCEPTION_DAYS,
    PROBES_DIR,
    RULES_FILE,
    SEVERITY_RANK,
    Weakening,
)


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
        expiry = as_date(e.get("expiry", e.get("expires")))
        limit = today + dt.timedelta(days=MAX_EXCEPTION_DAYS)
        if expiry is None or expiry > limit:
            out.append(Weakening(rid or "*", "exception_expiry", f, where, f"expiry at most {limit.isoformat()}",
                                 _show(e.get("expiry", e.get("expires")))))
        rule = rules.get(rid) or base_rules.get(rid)
        if rule is not None and (rule.get("absolute") or (base_rules.get(rid) or {}).get("absolute")):
            out.append(Weakening(rid, "exception_absolute", f, where, f"{rid} is absolute", f"waived for {model}"))
    return out
