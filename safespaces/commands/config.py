"""``safespaces config``: print the effective configuration as TOML."""

from __future__ import annotations

import argparse

from safespaces.commands._args import add_config_options
from safespaces.commands._common import config_from_args
from safespaces.config import to_toml

HELP = "print the configuration (defaults, --config file and --set overrides) as TOML"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``config`` subcommand."""
    parser = subparsers.add_parser("config", help=HELP, description=HELP)
    add_config_options(parser, out=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the configuration."""
    print(to_toml(config_from_args(args)), end="")
    return 0
