"""Errors raised by safespaces.

Every error a user can cause derives from :class:`SafespacesError`. The
message says what was wrong, where (file, row, column) and how to fix it. The
CLI prints it and exits with status 2, without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class SafespacesError(Exception):
    """Base class of every error that bad input or configuration can cause."""


class InputError(SafespacesError, ValueError):
    """An input file cannot be read or fails validation."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.column = column
        self.row = row
        self.fix = fix
        where = []
        if path is not None:
            where.append(f"{Path(path).name}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        text = message if not where else f"{', '.join(where)}: {message}"
        if fix:
            text += f". Fix: {fix}"
        super().__init__(text)


class ConfigError(SafespacesError, ValueError):
    """The configuration (TOML file or flags) is invalid."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or implausible."""


class OutputError(SafespacesError, OSError):
    """An output cannot be written."""
