"""Reading a partner file: encoding, delimiter, banner rows and the header row, streamed.

Supported encodings: UTF-8 with or without BOM, UTF-16 with BOM (LE or BE), whatever the template names, or
whatever ``--encoding`` says. The file is never held in memory: the header search reads the first rows, and
every later pass (:meth:`Sheet.records`) streams the file again from disk, so peak memory does not grow with
the file. The header is the first row (among the first ``header_search_rows``) that holds every column the
template requires, so banner rows (Pluto's ``PLUTO TV - CONTENT PARTNER REVENUE REPORTING``) and a leading
empty column need no special case. Line numbers are physical lines of the file (1-based), so errors and the
upload's ``source_row_number`` point at the line a person sees in an editor.

Structural refusals (nothing is written): a binary file (image, PDF, workbook, NUL bytes), a delimiter other
than the template's, a header naming one column twice, and a data row with more non-blank cells than the
header. The truncated last row and the content fingerprint are checked by :mod:`viewership.loader.scan`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from viewership.loader.decoding import (
    DELIMITERS,
    HEAD_BYTES,
    _head_text,
    _open_binary,
    detect_encoding,
    sniff_delimiter,
    stream_records,
)
from viewership.loader.errors import LoadError
from viewership.loader.templates import Template

csv.field_size_limit(16 * 1024 * 1024)


def norm(label: str) -> str:
    """Header comparison key: trimmed, inner whitespace collapsed, lower case."""
    return " ".join(label.split()).lower()


def delimiter_name(delimiter: str) -> str:
    return DELIMITERS.get(delimiter, repr(delimiter))


@dataclass(frozen=True)
class Sheet:
    """A file with its encoding, delimiter and header located (the data rows are streamed on demand)."""

    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    header_record: int  # 0-based record index of the header
    date_row: list[str] | None  # the record above the header (wide-by-date layout)
    banner_rows: int  # records before the header
    size: int  # bytes

    def all_records(self, position: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
        """Every record of the file as (first line number, cells); ``position[0]`` follows the bytes read."""
        yield from stream_records(self.path, self.encoding, self.delimiter, position)

    def records(self, position: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
        """Data records after the header as (line number, cells), padded to the header width."""
        width = len(self.header)
        for index, (line, cells) in enumerate(self.all_records(position)):
            if index <= self.header_record:
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            elif len(cells) > width:
                extra = cells[width:]
                if any(c.strip() for c in extra):
                    raise LoadError(
                        f"line {line}: {len(cells)} cells but the header (line {self.header_line}) has {width} "
                        f"columns; expected at most {width} (an unquoted delimiter inside a value?)",
                        line=line,
                    )
                del cells[width:]
            yield line, cells


def required_labels(template: Template) -> list[str]:
    """Header labels that must be present (normalized)."""
    labels = [norm(c.source) for c in template.columns if c.source is not None and c.required]
    if template.wide:
        labels += [norm(m) for m in template.wide.metrics]
    return list(dict.fromkeys(labels))


def _first_records(path: Path, encoding: str, delimiter: str, limit: int) -> list[tuple[int, list[str]]]:
    out: list[tuple[int, list[str]]] = []
    for item in stream_records(path, encoding, delimiter):
        if len(out) >= limit:
            break
        out.append(item)
    return out


Partial = tuple[int, int, list[str]]  # (matching labels, line, row)


def _find_header(records: list[tuple[int, list[str]]], wanted: list[str]) -> tuple[int | None, Partial | None]:
    """(index of the header record or None, best partial match (matches, line, row))."""
    best: Partial | None = None
    for index, (line, row) in enumerate(records):
        present = {norm(c) for c in row}
        matches = sum(1 for w in wanted if w in present)
        if wanted and matches == len(wanted):
            return index, None
        if matches and (best is None or matches > best[0]):
            best = (matches, line, row)
    return None, best


def _other_delimiter(path: Path, encoding: str, used: str, wanted: list[str], limit: int) -> str | None:
    """A delimiter other than ``used`` with which the template's header is found."""
    for candidate in DELIMITERS:
        if candidate == used:
            continue
        index, _ = _find_header(_first_records(path, encoding, candidate, limit), wanted)
        if index is not None:
            return candidate
    return None


def _check_duplicates(header: list[str], line: int, template: Template, date_row: list[str] | None) -> None:
    """Refuse a header naming a column twice; in a wide-by-date file, a label under a date repeats by design."""
    dated = date_row if template.wide and date_row else []
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(header):
        key = norm(label)
        if key and not (i < len(dated) and dated[i].strip()):
            positions.setdefault(key, []).append(i + 1)
    twice = {k: v for k, v in positions.items() if len(v) > 1}
    if twice:
        detail = "; ".join(
            f"'{header[v[0] - 1].strip()}' in columns {', '.join(str(p) for p in v)}" for k, v in twice.items()
        )
        first = next(iter(twice))
        raise LoadError(
            f"line {line}: the header names a column more than once ({detail}); expected each column once, "
            "so no value is read from the wrong one: rename or remove the extra column",
            line=line,
            column=header[twice[first][0] - 1].strip(),
        )


def open_sheet(path: Path, template: Template, encoding: str | None = None) -> Sheet:
    """Detect the encoding and delimiter and find the header row (reads only the first rows)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    with _open_binary(path) as fh:
        head = fh.read(HEAD_BYTES)
    chosen = detect_encoding(head, encoding or template.encoding)
    head_text = _head_text(path, chosen)
    if not head_text.strip(" \t\r\n\ufeff,;|"):
        raise LoadError("empty file (no text): expected a header row and data rows")
    delimiter = sniff_delimiter(head_text, template.delimiter)
    wanted = required_labels(template)
    first = _first_records(path, chosen, delimiter, template.header_search_rows)
    index, best = _find_header(first, wanted)
    if index is None:
        other = _other_delimiter(path, chosen, delimiter, wanted, template.header_search_rows)
        if other is not None:
            expected = "',' or tab" if template.delimiter == "auto" else delimiter_name(template.delimiter)
            raise LoadError(
                f"the file is {delimiter_name(other)}-separated, but template {template.name} reads {expected}: "
                "expected the partner's usual delimiter (save it again as CSV, or use a template whose "
                "read.delimiter is " + delimiter_name(other) + ")"
            )
    if index is None and best is None:
        shown = ", ".join(repr(w) for w in wanted[:6])
        raise LoadError(
            f"no header row in the first {template.header_search_rows} rows: expected a row with the columns "
            f"{shown}{' ...' if len(wanted) > 6 else ''} (template {template.name})"
        )
    if index is None:
        assert best is not None
        present = {norm(c) for c in best[2]}
        missing = [w for w in wanted if w not in present]
        raise LoadError(
            f"line {best[1]}: header is missing column(s) {', '.join(repr(m) for m in missing)} "
            f"required by template {template.name}",
            line=best[1],
            column=missing[0],
        )
    line, header = first[index]
    previous = first[index - 1][1] if index > 0 else None
    _check_duplicates(header, line, template, previous)
    return Sheet(path, chosen, delimiter, list(header), line, index, previous, index, size)
