"""Reading a partner file: encoding, delimiter, banner rows and the header row.

Supported encodings: UTF-8 with or without BOM, UTF-16 with BOM (LE or BE), or whatever the template names.
The header is the first row (among the first ``header_search_rows``) that holds every column the template
requires, so banner rows (Pluto's ``PLUTO TV - CONTENT PARTNER REVENUE REPORTING``) and a leading empty column
need no special case. Line numbers are physical lines of the file (1-based), so errors and the upload's
``source_row_number`` point at the line a person sees in an editor.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from viewership.loader.errors import LoadError
from viewership.loader.templates import Template

csv.field_size_limit(16 * 1024 * 1024)


def norm(label: str) -> str:
    """Header comparison key: trimmed, inner whitespace collapsed, lower case."""
    return " ".join(label.split()).lower()


@dataclass(frozen=True)
class Sheet:
    """A decoded file with its header located."""

    path: Path
    text: str
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    header_record: int  # 0-based record index of the header
    date_row: list[str] | None  # the record above the header (wide-by-date layout)
    banner_rows: int  # records before the header

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """Data records after the header as (line number, cells), padded to the header width."""
        width = len(self.header)
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        last_line = 0
        for index, cells in enumerate(reader):
            line = last_line + 1
            last_line = reader.line_num
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


def decode(path: Path, raw: bytes, encoding: str) -> tuple[str, str]:
    """The file's text and the encoding used; LoadError when it cannot be decoded."""
    if not raw:
        raise LoadError("empty file (0 bytes): expected a header row and data rows")
    if encoding != "auto":
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise LoadError(f"cannot decode as {encoding} (template read.encoding): {exc}") from exc
    if raw.startswith(codecs.BOM_UTF8):
        name, body = "utf-8-sig", raw
    elif raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        name, body = "utf-16", raw
    else:
        name, body = "utf-8", raw
        if b"\x00" in raw[:4096]:
            raise LoadError(
                "contains NUL bytes (UTF-16 without a byte-order mark?): expected UTF-8, or UTF-16 with a BOM"
            )
    try:
        text = body.decode(name)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        byte = body[exc.start : exc.start + 1].hex()
        raise LoadError(
            f"line {line}: byte 0x{byte} is not valid {name.upper().replace('-SIG', '')}: expected UTF-8 (with or "
            "without BOM) or UTF-16 with BOM; set read.encoding in the template if the partner uses another",
            line=line,
        ) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise LoadError(f"line {line}: contains a NUL character, which no target can store", line=line)
    return text, name


def sniff_delimiter(text: str, configured: str) -> str:
    if configured != "auto":
        return configured
    head = text[:20000].splitlines()[:20]
    tabs = sum(line.count("\t") for line in head)
    commas = sum(line.count(",") for line in head)
    return "\t" if tabs > commas else ","


def required_labels(template: Template) -> list[str]:
    """Header labels that must be present (normalized)."""
    labels = [norm(c.source) for c in template.columns if c.source is not None and c.required]
    if template.wide:
        labels += [norm(m) for m in template.wide.metrics]
    return list(dict.fromkeys(labels))


def open_sheet(path: Path, template: Template) -> Sheet:
    """Decode the file and find its header row."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    text, encoding = decode(path, raw, template.encoding)
    if not text.strip():
        raise LoadError("empty file (no text): expected a header row and data rows")
    delimiter = sniff_delimiter(text, template.delimiter)
    wanted = required_labels(template)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    best: tuple[int, int, list[str]] | None = None  # (matches, line, row)
    previous: list[str] | None = None
    last_line = 0
    for index, row in enumerate(reader):
        line = last_line + 1
        last_line = reader.line_num
        if index >= template.header_search_rows:
            break
        present = {norm(c) for c in row}
        matches = sum(1 for w in wanted if w in present)
        if matches == len(wanted) and wanted:
            return Sheet(path, text, encoding, delimiter, [c for c in row], line, index, previous, index)
        if matches and (best is None or matches > best[0]):
            best = (matches, line, row)
        previous = row
    if best is None:
        shown = ", ".join(repr(w) for w in wanted[:6])
        raise LoadError(
            f"no header row in the first {template.header_search_rows} rows: expected a row with the columns "
            f"{shown}{' ...' if len(wanted) > 6 else ''} (template {template.name})"
        )
    present = {norm(c) for c in best[2]}
    missing = [w for w in wanted if w not in present]
    raise LoadError(
        f"line {best[1]}: header is missing column(s) {', '.join(repr(m) for m in missing)} "
        f"required by template {template.name}",
        line=best[1],
        column=missing[0],
    )
