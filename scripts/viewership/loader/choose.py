"""Which template fits a file: ``--template auto``, and the check that an explicit template is not a
less specific fit than a shipped one.

A template *fits* when its header is found in the file (every required column present, same delimiter, no
duplicated column). Of the fits, one *dominates* another when it reads every header column the other reads and
more (Roku's episode template reads Content Title, Season Number, ... on top of the series template's columns).
``auto`` picks the only fit that no other fit dominates, and refuses a file with no fit or several (naming each
candidate and why). An explicit template that another shipped fit dominates is refused with that template named:
it would drop the file's extra columns and load wrong rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from viewership.loader.errors import LoadError
from viewership.loader.reader import Sheet, norm, open_sheet
from viewership.loader.templates import Template, load_template, template_names


@dataclass(frozen=True)
class Fit:
    """A template whose header was found in the file."""

    template: Template
    sheet: Sheet
    reads: frozenset[str]  # normalized header labels the template reads from this file
    unread: tuple[str, ...]  # header labels it neither reads nor lists under ignore


def _fit(path: Path, template: Template, encoding: str | None) -> Fit | str:
    try:
        sheet = open_sheet(path, template, encoding)
    except LoadError as exc:
        return exc.message
    header = {norm(c): c.strip() for c in sheet.header if norm(c)}
    labels = {norm(c.source) for c in template.columns if c.source is not None}
    if template.wide:
        labels |= {norm(m) for m in template.wide.metrics}
    reads = frozenset(labels & set(header))
    ignored = {norm(i) for i in template.ignore}
    unread = tuple(label for key, label in header.items() if key not in reads and key not in ignored)
    return Fit(template, sheet, reads, unread)


def _describe(fit: Fit) -> str:
    t = fit.template
    unread = f"; leaves unread {', '.join(fit.unread)}" if fit.unread else ""
    return f"{t.name} ({t.platform} {t.data_type}: reads {len(fit.reads)} column(s){unread})"


def _fits(path: Path, encoding: str | None) -> tuple[list[Fit], dict[str, str]]:
    fits: list[Fit] = []
    misses: dict[str, str] = {}
    for name in template_names():
        result = _fit(path, load_template(name), encoding)
        if isinstance(result, Fit):
            fits.append(result)
        else:
            misses[name] = result
    return fits, misses


def choose(path: Path, encoding: str | None = None) -> tuple[Template, Sheet, str]:
    """The one shipped template that fits the file best, its sheet, and why; LoadError otherwise."""
    fits, misses = _fits(path, encoding)
    best = [f for f in fits if not any(o.reads > f.reads for o in fits)]
    if len(best) == 1:
        chosen = best[0]
        others = [f.template.name for f in fits if f is not chosen]
        why = f"auto: {chosen.template.name}, the only shipped template that reads this header"
        if others:
            why += f" completely (also fits, reading less: {', '.join(others)})"
        return chosen.template, chosen.sheet, why
    if not best:
        if len(set(misses.values())) == 1:  # the file itself is unreadable (binary, encoding, ...): say it once
            raise LoadError(next(iter(misses.values())))

        def rank(item: tuple[str, str]) -> tuple[int, str]:
            message = item[1]
            return (0 if "-separated, but" in message else 1 if "missing column" in message else 2, item[0])

        closest = sorted(misses.items(), key=rank)[:3]
        detail = "; ".join(f"{name}: {message}" for name, message in closest)
        raise LoadError(
            "--template auto: no shipped template fits this header; expected the columns of one of "
            f"{', '.join(template_names())} (closest: {detail}); give --template NAME or a .yml path"
        )
    raise LoadError(
        "--template auto: the header fits several shipped templates equally, so the choice would be a guess: "
        + "; ".join(_describe(f) for f in best)
        + "; give --template NAME"
    )


def check_specific(path: Path, template: Template, sheet: Sheet, encoding: str | None = None) -> None:
    """Refuse an explicit template when a shipped one reads every column it reads, and more of this file."""
    mine = _fit(path, template, encoding)
    if not isinstance(mine, Fit):
        return
    ignored = {norm(i) for i in template.ignore}
    fits, _ = _fits(path, encoding)
    for other in fits:
        if other.template.name == template.name:
            continue
        extra = other.reads - mine.reads - ignored
        if other.reads > mine.reads and extra:
            labels = [c.strip() for c in sheet.header if norm(c) in extra]
            shown = ", ".join(dict.fromkeys(labels))
            raise LoadError(
                f"template {template.name} does not fit this file: it carries column(s) {shown} that "
                f"{template.name} does not read and template {other.template.name} does; expected "
                f"--template {other.template.name} (or --template auto)",
                line=sheet.header_line,
            )
