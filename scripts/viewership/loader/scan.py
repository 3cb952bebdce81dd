"""The first pass over a file, before anything is built or written: structure checks and the content fingerprint.

Fingerprint (a decision): an order-independent digest of the file's normalized data rows. Each record after
the header is normalized (cells trimmed, line breaks inside a cell as ``\\n``, trailing empty cells dropped;
blank records ignored), hashed (BLAKE2b, 128 bits), and the hashes are added modulo 2**128 together with the
row count. So the fingerprint does not change with the file name, the encoding or a BOM, the line endings, the
delimiter, quoting, or the order of the rows (a partner re-export sorted differently is the same content), and
a repeated row counts twice. The header row and the banner above it are not part of it.

Refusals: a NUL character (no target can store it), and a last data row cut short (fewer cells than the header
and no line break at the end of the file: a truncated upload).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from viewership.loader.errors import LoadError
from viewership.loader.reader import Sheet

FINGERPRINT_VERSION = "v1"
_MASK = (1 << 128) - 1


@dataclass(frozen=True)
class Scan:
    """What the first pass found."""

    fingerprint: str
    data_records: int  # non-blank records after the header


def _ends_with_line_break(sheet: Sheet) -> bool:
    with sheet.path.open("rb") as fh:
        if sheet.size == 0:
            return False
        fh.seek(max(0, sheet.size - 4))
        tail = fh.read()
    return tail.endswith((b"\n", b"\r", b"\n\x00", b"\r\x00", b"\x00\n", b"\x00\r"))


def scan(sheet: Sheet, position: list[int] | None = None, footers: tuple[re.Pattern[str], ...] = ()) -> Scan:
    """Read every data record once: refuse a damaged file, and fingerprint its content.

    ``footers``: first-cell patterns of the template's skip rules; a short last row they match (``Total,123``)
    is a footer, not a cut-off row.
    """
    width = len(sheet.header)
    total = 0
    count = 0
    last: tuple[int, int, str] | None = None  # (line, cell count, first non-empty cell) of the last record
    blake = hashlib.blake2b
    for index, (line, cells) in enumerate(sheet.all_records(position)):
        if index <= sheet.header_record:
            continue
        joined = "\x1f".join(cells)
        if "\x00" in joined:
            raise LoadError(f"line {line}: contains a NUL character, which no target can store", line=line)
        if not joined.strip("\x1f \t\r\n\u00a0"):
            continue
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise LoadError(
                f"line {line}: {len(cells)} cells but the header (line {sheet.header_line}) has {width} "
                f"columns; expected at most {width} (an unquoted delimiter inside a value?)",
                line=line,
            )
        normalized = [c.strip().replace("\r\n", "\n").replace("\r", "\n") for c in cells]
        while normalized and not normalized[-1]:
            normalized.pop()
        digest = blake("\x1f".join(normalized).encode("utf-8", "surrogatepass"), digest_size=16).digest()
        total = (total + int.from_bytes(digest, "big")) & _MASK
        count += 1
        last = (line, len(cells), next((c for c in normalized if c), ""))
    if (last is not None and last[1] < width and not any(p.search(last[2]) for p in footers)
            and not _ends_with_line_break(sheet)):
        last_line, last_cells, _ = last
        raise LoadError(
            f"line {last_line}: the last row has {last_cells} of the header's {width} cells and the file ends "
            "without a line break: the file looks cut off (an interrupted download or export?); expected the "
            "complete file",
            line=last_line,
        )
    return Scan(f"{FINGERPRINT_VERSION}-{count}-{total:032x}", count)
