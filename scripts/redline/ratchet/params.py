"""Is a check's new version at least as strong: its parameters, its selectors, its pairing with the base."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

from redline.ratchet.records import HIGHER_IS_STRONGER, ORDERED_LISTS, PERMISSIVE_LISTS, PROSE_KEYS, TRUE_IS_STRONGER


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("...").strip()


def _canon(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=True, width=10_000)


def weaker_params(base: Any, head: Any, path: str, key: str = "") -> Iterator[tuple[str, str, str]]:  # noqa: C901 - one case per parameter kind, in the documented strength order
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
