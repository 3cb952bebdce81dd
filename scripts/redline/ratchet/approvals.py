"""governance/approvals.yml: the recorded approvals of a weakening, each checked for completeness and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from redline.config import ConfigError, as_date
from redline.ratchet.history import _load
from redline.ratchet.records import KINDS, MAX_APPROVAL_DAYS, Approval


def load_approvals(path: Path, today: dt.date) -> tuple[Approval, ...]:  # noqa: C901 - validates every field of an approval, one problem per missing or bad field
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
        when, expiry = as_date(entry.get("when")), as_date(entry.get("expiry"))
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
