"""The ``safespaces`` command line.

Every subcommand lives in ``safespaces.commands``; errors caused by input or
configuration print one clear message and exit with status 2, without a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import safespaces
from safespaces.errors import SafespacesError

#: Subcommand modules in ``safespaces.commands``, in the order ``--help`` lists them.
COMMANDS = ("run", "lighting", "eyes", "mix", "incidents", "export", "config")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="safespaces",
        description="Evidence for urban safe-space planning from open city data. "
        "Run 'safespaces run' for the embedded Helsinki default.",
    )
    parser.add_argument(
        "--version", action="version", version=f"safespaces {safespaces.__version__}"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"safespaces.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"safespaces.commands.{name}":
                raise
            continue  # the family has not arrived yet
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``safespaces`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except SafespacesError as exc:
        print(f"safespaces {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("safespaces: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
