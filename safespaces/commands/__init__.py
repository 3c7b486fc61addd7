"""CLI subcommands: each module registers one with ``add_parser(subparsers)``."""
