"""English month names (the loader's month input and the generator's month-name files)."""

from __future__ import annotations

MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def month_number(text: str) -> int | None:
    """1..12 from an English month name (any case, 3-letter abbreviations too) or a number."""
    t = text.strip().lower()
    if t.isdigit() and 1 <= int(t) <= 12:
        return int(t)
    for i, name in enumerate(MONTHS, start=1):
        if t == name.lower() or (len(t) >= 3 and name.lower().startswith(t)):
            return i
    return None
