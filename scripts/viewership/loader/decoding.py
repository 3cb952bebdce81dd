"""Bytes to text: file signatures, encoding detection, decode errors that name the byte, delimiter sniffing."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from viewership.loader.errors import LoadError

HEAD_BYTES = 65536
DELIMITERS = {",": "','", "\t": "tab", ";": "';'", "|": "'|'"}
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one: save the sheet as CSV first)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (save the sheet as CSV first)"),
    (b"\x1f\x8b", "a gzip archive (unpack it first)"),
)


def _open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc


def _decode_error(path: Path, encoding: str) -> LoadError:
    """Locate the first undecodable byte (line and value) by decoding the file again incrementally."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with _open_binary(path) as fh:
        while chunk := fh.read(HEAD_BYTES):
            for i in range(0, len(chunk), 1024):
                piece = chunk[i : i + 1024]
                try:
                    line += decoder.decode(piece).count("\n")
                except UnicodeDecodeError as exc:
                    good = piece[: exc.start]
                    line += good.count(b"\n")
                    byte = piece[exc.start : exc.start + 1].hex()
                    return LoadError(
                        f"line {line}: byte 0x{byte} is not valid {encoding.upper().replace('-SIG', '')}: expected "
                        "UTF-8 (with or without BOM) or UTF-16 with BOM; give --encoding (e.g. --encoding latin-1) "
                        "or set read.encoding in the template if the partner uses another",
                        line=line,
                    )
    return LoadError(f"cannot decode as {encoding}")


def stream_records(path: Path, encoding: str, delimiter: str,
                   position: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of every record, decoded as it is read."""
    with _open_binary(path) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        last_line = 0
        try:
            for n, cells in enumerate(reader):
                line = last_line + 1
                last_line = reader.line_num
                if position is not None and n % 1024 == 0:
                    position[0] = raw.tell()
                yield line, cells
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding) from exc
        except csv.Error as exc:
            raise LoadError(f"line {last_line + 1}: not readable as CSV ({exc})", line=last_line + 1) from exc
        if position is not None:
            position[0] = raw.tell()


def _utf16_without_bom(head: bytes) -> bool:
    """NUL bytes on every other position: UTF-16 text that lost its byte-order mark."""
    sample = head[:4096]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2 or 1
    return max(even, odd) > 0.3 * half and min(even, odd) < 0.05 * half


def detect_encoding(head: bytes, configured: str) -> str:
    """The encoding to read the file with; LoadError for an empty or binary file."""
    if not head:
        raise LoadError("empty file (0 bytes): expected a header row and data rows")
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise LoadError(f"not a text file: it starts like {what}; expected a CSV or tab-separated text file")
    if configured != "auto":
        try:
            codecs.lookup(configured)
        except LookupError as exc:
            raise LoadError(f"unknown encoding {configured!r}: expected e.g. utf-8, utf-16, latin-1, cp1252") from exc
        if codecs.lookup(configured).name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"  # the BOM is not part of the first column's name
        return configured
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if b"\x00" in head[:4096]:
        if _utf16_without_bom(head):
            raise LoadError(
                "contains NUL bytes on every other position (UTF-16 without a byte-order mark?): expected UTF-8, "
                "or UTF-16 with a BOM; give --encoding utf-16-le (or utf-16-be) if that is what it is"
            )
        raise LoadError(
            f"not a text file: {head[:4096].count(0)} NUL byte(s) in its first 4 KB (a binary file renamed .csv?); "
            "expected a CSV or tab-separated text file"
        )
    return "utf-8"


def _head_text(path: Path, encoding: str) -> str:
    """The first lines of the file, decoded (for delimiter sniffing)."""
    with _open_binary(path) as fh:
        head = fh.read(HEAD_BYTES)
    text = head.decode(encoding, errors="replace")
    return text


def sniff_delimiter(text: str, configured: str) -> str:
    if configured != "auto":
        return configured
    head = text[:20000].splitlines()[:20]
    tabs = sum(line.count("\t") for line in head)
    commas = sum(line.count(",") for line in head)
    return "\t" if tabs > commas else ","
