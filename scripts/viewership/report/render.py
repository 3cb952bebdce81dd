"""The per-file report as text, Markdown or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

from viewership.report.core import FileReport, Reports


def _pct(rate: float | None) -> str:
    return "n/a (nothing to match)" if rate is None else f"{100 * rate:.1f} %"


def _num(value: Decimal) -> str:
    return f"{value if abs(value) >= Decimal('0.005') else Decimal(0):,.2f}"


def _lines(report: FileReport) -> Iterator[tuple[int, str, str]]:
    """(indent, label, value) lines shared by text and Markdown."""
    yield 0, "uploaded rows", f"{report.uploaded:,}"
    yield 0, "bronze records", f"{report.bronze:,}" + (f" ({report.pending:,} pending: run dbt build)"
                                                        if report.pending else "")
    labels = ", ".join(f"{n:,} {label}" for label, n in report.gold_rows.items())
    yield 0, "gold records", f"{report.gold_records:,}" + (f" ({labels} rows)" if labels else "")
    for bucket, n in report.matched.items():
        yield 1, bucket, f"{n:,}"
    yield 0, "unmatched records", f"{sum(report.unmatched.values()):,}"
    for reason, n in report.unmatched.items():
        yield 1, reason, f"{n:,}"
    yield 0, "duplicate uploads", f"{report.duplicates:,}"
    yield 0, "rejected records", f"{sum(report.rejected.values()):,}"
    for reason, n in report.rejected.items():
        yield 1, reason, f"{n:,}"
    yield 0, "unmatched rate", (f"{_pct(report.unmatched_rate)} ({report.rate_unmatched:,} of "
                                f"{report.matchable:,} matchable records)")
    check = "= bronze" if report.accounted == report.bronze else f"!= bronze {report.bronze:,}"
    yield 0, "gold + unmatched + duplicates + rejected", f"{report.accounted:,} {check}"


def text(reports: Reports) -> str:
    out: list[str] = []
    for report in reports.files:
        out.append(f"{report.filename}  [{report.platform}]  -> {reports.target}"
                   f"  {'balanced' if report.balanced else 'NOT BALANCED'}")
        for indent, label, value in _lines(report):
            out.append(f"  {'    ' * indent}{label:<{44 - 4 * indent}} {value}")
        if report.metrics:
            out.append(f"  {'metric':<16} {'in':>18} {'gold':>18} {'unmatched':>16} {'rejected':>14}"
                       f" {'difference':>12}")
            for m in report.metrics.values():
                flag = "" if m.balanced else "  NOT BALANCED"
                unparsed = f"  ({m.unparsed_cells} non-numeric cells)" if m.unparsed_cells else ""
                unparsed += "  (in = derived by silver)" if m.derived else ""
                out.append(f"  {m.name:<16} {_num(m.total_in):>18} {_num(m.gold):>18} {_num(m.unmatched):>16}"
                           f" {_num(m.rejected):>14} {_num(m.difference):>12}{flag}{unparsed}")
        out.append("")
    out.extend(_footer(reports))
    return "\n".join(out).rstrip() + "\n"


def markdown(reports: Reports) -> str:
    out: list[str] = []
    for report in reports.files:
        out.append(f"### {report.filename} ({report.platform}, target {reports.target})")
        out.append("")
        out.append(f"**{'balanced' if report.balanced else 'NOT BALANCED'}**")
        out.append("")
        out.append("| records | count |")
        out.append("| --- | ---: |")
        for indent, label, value in _lines(report):
            out.append(f"| {'&nbsp;&nbsp;&nbsp;&nbsp;' * indent}{label} | {value} |")
        if report.metrics:
            out.append("")
            out.append("| metric | in | gold | unmatched | rejected | difference |")
            out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
            for m in report.metrics.values():
                name = f"{m.name} (derived by silver)" if m.derived else m.name
                out.append(f"| {name} | {_num(m.total_in)} | {_num(m.gold)} | {_num(m.unmatched)} | "
                           f"{_num(m.rejected)} | {_num(m.difference)} |")
        out.append("")
    out.extend(_footer(reports))
    return "\n".join(out).rstrip() + "\n"


def as_json(reports: Reports) -> str:
    return json.dumps({"target": reports.target, "files": [r.as_dict() for r in reports.files],
                       "not_built": reports.missing}, indent=2) + "\n"


def _footer(reports: Reports) -> list[str]:
    out: list[str] = []
    if not reports.files:
        out.append("no uploaded file matches (load one with viewership-load)")
    if reports.missing:
        out.append("not built yet (counted as empty): " + ", ".join(reports.missing) + " — run dbt build")
    return out
