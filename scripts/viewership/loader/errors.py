"""The loader's one error type: a message a person can act on, naming the file, row and column."""

from __future__ import annotations


class LoadError(Exception):
    """A file cannot be loaded; nothing of it was written.

    ``str(error)`` is the detail; :meth:`line_for` prefixes the file name for the one-line report.
    """

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def line_for(self, filename: str) -> str:
        return f"error: {filename}: {self.message}"
