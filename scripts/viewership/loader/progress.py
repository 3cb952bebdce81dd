"""Progress on stderr while a file loads: a bar on a terminal, else one line at least every few seconds.

A background thread reports what the load is doing (``checking``, ``reading``, ``writing``) so a long file
never leaves the operator with no output, also while the database is busy with the bulk insert.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

LINE_EVERY_SECONDS = 5.0
BAR_EVERY_SECONDS = 0.5
BAR_WIDTH = 30


class Progress:
    """Shared state the load updates (stage, bytes of the file read, rows) and the thread that shows it."""

    def __init__(self, label: str, total_bytes: int, *, enabled: bool = True, stream: TextIO | None = None,
                 tty: bool | None = None, interval: float | None = None) -> None:
        self.label = label
        self.total_bytes = max(total_bytes, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval = interval if interval is not None else (BAR_EVERY_SECONDS if self.tty else LINE_EVERY_SECONDS)
        self.enabled = enabled
        self.stage = "starting"
        self.position = [0]  # bytes of the file read in the current pass (updated by the reader)
        self.rows = 0
        self.lines_shown = 0
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set_stage(self, stage: str) -> None:
        self.stage = stage
        self.position[0] = 0

    def render(self) -> str:
        elapsed = time.monotonic() - self._started
        pct = min(100.0, 100.0 * self.position[0] / self.total_bytes)
        where = f"{pct:3.0f}%" if self.stage in ("checking", "reading") else "   "
        if self.tty:
            filled = int(BAR_WIDTH * pct / 100) if self.stage in ("checking", "reading") else BAR_WIDTH
            return (f"\r{self.label}: {self.stage:<9} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {where} "
                    f"{self.rows:,} rows {elapsed:.0f} s")
        return f"progress: {self.label}: {self.stage} {where.strip() or '-'} ({self.rows:,} rows, {elapsed:.0f} s)"

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.stream.write(self.render() + ("" if self.tty else "\n"))
            self.stream.flush()
            self.lines_shown += 1

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="viewership-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if self.tty and self.lines_shown:
                self.stream.write("\n")
                self.stream.flush()
