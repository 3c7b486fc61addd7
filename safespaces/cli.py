"""The ``safespaces`` command line.

Every subcommand lives in ``safespaces.commands``; errors caused by input or
configuration print one clear message and exit with status 2, without a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence

import safespaces
from safespaces.errors import INTERNAL_ERROR_STATUS, SafespacesError, report_internal_error

#: Subcommand modules in ``safespaces.commands``, in the order ``--help`` lists them.
COMMANDS = (
    "run",
    "lighting",
    "eyes",
    "mix",
    "incidents",
    "survey",
    "export",
    "print",
    "compare",
    "plan",
    "config",
    "app",
    "warmup",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every available subcommand, or with ``only`` that one.

    Each subcommand's module imports what it runs (``run`` the whole analysis: seconds), so
    a command line naming its subcommand imports that one alone: ``safespaces app`` starts
    the server without importing the analysis first.
    """
    parser = argparse.ArgumentParser(
        prog="safespaces",
        description="Evidence for urban safe-space planning from open city data. "
        "Run 'safespaces run' for the embedded Helsinki default.",
    )
    parser.add_argument(
        "--version", action="version", version=f"safespaces {safespaces.__version__}"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"safespaces.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"safespaces.commands.{name}":
                raise
            continue  # the family has not arrived yet
        module.add_parser(subparsers)
    return parser


class Stopped(BaseException):
    """A termination signal arrived; unwinds the run so that it cleans up after itself."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signum)


def install_signal_handlers() -> None:
    """TERM and HUP unwind the run like Ctrl-C (the output folder stays as it was); a file
    size limit (``ulimit -f``) makes writes fail with an error instead of killing the process."""
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _stop)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``safespaces`` command; returns the exit status.

    0: done; 2: bad input, configuration or output folder (one ``error:`` line);
    3: an internal error (one line naming a log file with the details);
    130 / 128 + N: interrupted by Ctrl-C / signal N. In every failing case the
    output folder is left as it was.
    """
    given = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(given[0] if given and given[0] in COMMANDS else None)
    # `safespaces app` hands the arguments it does not know on to `streamlit run`
    args, extra = parser.parse_known_args(given)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if threading.current_thread() is threading.main_thread():
        install_signal_handlers()
    prog = f"safespaces {args.command}"
    try:
        return int(args.func(args))
    except SafespacesError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; the output folder is unchanged", file=sys.stderr)
        return 130
    except Stopped as exc:
        print(f"{prog}: stopped by {exc}; the output folder is unchanged", file=sys.stderr)
        return 128 + exc.signum
    except Exception as exc:  # the last line of defence: a bug, never a traceback
        words = sys.argv if argv is None else ["safespaces", *argv]
        context = "command line: " + redact_words(words)
        print(f"{prog}: {report_internal_error(exc, context)}", file=sys.stderr)
        return INTERNAL_ERROR_STATUS


def redact_words(words: list[str]) -> str:
    """The command line without the password of a ``--postgis`` DSN (for the error log)."""
    from safespaces.postgis import redact

    return redact(" ".join(words))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
