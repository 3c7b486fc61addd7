"""Errors raised by safespaces.

Every error a user can cause derives from :class:`SafespacesError`. The
message says what was wrong, where (file, row, column) and how to fix it. The
CLI prints it and exits with status 2, without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class SafespacesError(Exception):
    """Base class of every error that bad input or configuration can cause.

    Examples
    --------
    Catch every error a user can cause, and show its message (it names the input,
    the row or column, and the fix):

    >>> import safespaces
    >>> try:
    ...     safespaces.Inputs(lamps=42)
    ... except safespaces.SafespacesError as error:
    ...     print(error)
    input 'lamps' is of type int. Fix: give a path or a (Geo)DataFrame
    """


class InputError(SafespacesError, ValueError):
    """An input file cannot be read or fails validation.

    Examples
    --------
    >>> error = InputError("'abc' is not a number", path="lamps.csv", column="height_m",
    ...                    row=3, fix="use plain numbers")
    >>> print(error)
    lamps.csv, row 3, column 'height_m': 'abc' is not a number. Fix: use plain numbers
    >>> error.column, error.row
    ('height_m', 3)
    """

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


class MissingColumnError(InputError, KeyError):
    """A frame lacks a column that cannot be derived from what it has.

    Raised by the family functions when a GeoDataFrame given in code misses a
    column they need (:attr:`column`); the message says how to get it. It is a
    :class:`KeyError` too, as pandas raises for a missing column, and an
    :class:`InputError` (a :class:`ValueError`).

    Examples
    --------
    >>> from safespaces.errors import MissingColumnError, SafespacesError
    >>> error = MissingColumnError("segments", "u", fix="give node ids")
    >>> print(error)
    segments lack the column 'u'. Fix: give node ids
    >>> isinstance(error, KeyError) and isinstance(error, SafespacesError)
    True
    """

    def __init__(self, what: str, column: str, *, fix: str) -> None:
        self.what = what
        super().__init__(f"{what} lack the column '{column}'", fix=fix)
        self.column = column  # set after InputError (which would name it in the message too)

    __str__ = BaseException.__str__  # the message, not KeyError's quoted repr


class ConfigError(SafespacesError, ValueError):
    """The configuration (TOML file or flags) is invalid.

    Examples
    --------
    >>> from safespaces.config import load_config
    >>> try:
    ...     load_config(settings={"lighting": {"cutoff_m": -5}})
    ... except ConfigError as error:
    ...     print(type(error).__name__, error.key, "|", error.fix)
    SettingError lighting.cutoff_m | give a value in [1, 500] m
    """


#: Longest value shown in full in a message; longer ones are cut.
SHOW_CHARS = 80


def show_value(value: object) -> str:
    """A setting's value for a one-line message: TOML-like, escaped, at most ~80 characters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, tuple):
        text = repr(list(value))
    else:
        text = repr(value)  # strings quoted, NUL and control characters escaped
    if len(text) > SHOW_CHARS:
        size = f"{len(value):,} characters" if isinstance(value, str) else "cut"
        text = f"{text[: SHOW_CHARS - 20]}... ({size})"
    return text


class SettingError(ConfigError):
    """One setting is invalid: ``<source>: setting 'section.key' = value: problem. Fix: fix``.

    Parameters
    ----------
    key
        Dotted name of the setting (``lighting.cutoff_m``; ``eyes.weights.doors`` for a
        value inside a table, ``eyes.residents_at_home[3]`` for an item of a list).
    value
        The offending value.
    problem
        What is wrong with it.
    fix
        How to fix it.
    related
        Other settings the rule ties it to (their source names the message when
        only they were set by the user).
    source
        Where the value came from: the TOML file's name, ``--set``, ``defaults``
        or ``configuration`` (built in code).
    """

    def __init__(
        self,
        key: str,
        value: object,
        problem: str,
        fix: str,
        *,
        related: tuple[str, ...] = (),
        source: str = "configuration",
    ) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        self.fix = fix
        self.related = tuple(related)
        self.source = source
        super().__init__(f"{source}: setting '{key}' = {show_value(value)}: {problem}. Fix: {fix}")

    def at(self, source: str) -> SettingError:
        """The same error, naming ``source``."""
        return SettingError(
            self.key, self.value, self.problem, self.fix, related=self.related, source=source
        )

    def __reduce__(self) -> tuple[object, ...]:  # keyword arguments survive pickling (dask)
        return (
            _setting_error,
            (self.key, self.value, self.problem, self.fix, self.related, self.source),
        )


def _setting_error(
    key: str, value: object, problem: str, fix: str, related: tuple[str, ...], source: str
) -> SettingError:
    return SettingError(key, value, problem, fix, related=related, source=source)


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or implausible."""


class OutputError(SafespacesError, OSError):
    """An output cannot be written."""


#: Exit status of the CLI for an unexpected error (a bug), distinct from bad input (2).
INTERNAL_ERROR_STATUS = 3


def report_internal_error(exc: BaseException, context: str = "") -> str:
    """Write the details of an unexpected error to a log file; return one line for the user.

    The last line of defence of the CLI and the app: a bug must never show a raw
    traceback, and must never pass for bad input. The log (traceback, versions,
    ``context``) goes to a new file in the system's temporary folder
    (``$TMPDIR``), never into the output folder, which a failed run leaves as it was.

    Returns
    -------
    str
        ``internal error: <what> - please report it; details in <log>``.
    """
    import platform
    import tempfile
    import traceback

    from safespaces.version import __version__

    what = f"{type(exc).__name__}: {exc}".replace("\n", " ").strip()
    if len(what) > 300:
        what = what[:297] + "..."
    if isinstance(exc, MemoryError):
        what = "out of memory (MemoryError); see the limits in docs/reliability.md"
    try:
        fd, name = tempfile.mkstemp(prefix="safespaces-error-", suffix=".log")
        with open(fd, "w", encoding="utf-8") as log:
            log.write(f"safespaces {__version__}, Python {platform.python_version()}, ")
            log.write(f"{platform.platform()}\n{context}\n\n")
            log.write("".join(traceback.format_exception(exc)))
        where = f"details in {name}"
    except OSError as log_error:  # pragma: no cover - no writable temp folder
        where = f"no log could be written ({log_error.strerror})"
    return f"internal error: {what} - please report it; {where}"
