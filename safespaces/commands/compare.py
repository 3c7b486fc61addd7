"""``safespaces compare``: several cities, each with its own settings, one table side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from safespaces.commands._args import add_config_options, command_parser
from safespaces.commands._common import progress
from safespaces.compare import (
    TABLE,
    cities_from_files,
    compare_cities,
    format_table,
    read_cities,
    write_comparison,
)
from safespaces.errors import InputError

HELP = "run several cities, each with its local defaults, and compare their measures"
DESCRIPTION = f"""{HELP}.

Each city is run as 'safespaces run' would run it alone, into DIR/<name>/ (its
name: the extract's file name, or 'name' in the cities file). Then one table of
the absolute-scale measures, one row per city, is written as DIR/{TABLE}.csv
and as the attribute table '{TABLE}' of DIR/{TABLE}.gpkg, and printed.
A city that fails gets a row with its error; the others still run (exit 2).

examples:
  safespaces compare lund.osm.pbf oslo.osm.pbf --out compare
  safespaces compare --cities cities.toml --out compare

cities.toml (paths relative to the file; see docs/compare.md):
  [[city]]
  osm = "lund.osm.pbf"
  name = "lund"                # optional
  config = "sweden.toml"       # optional, instead of --config
  set = ["lighting.cutoff_m=40"]  # optional, after --set
  lamps = "lamps.csv"          # optional, also tenure, incidents, areas, crs
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``compare`` subcommand."""
    parser = command_parser(subparsers, "compare", HELP, DESCRIPTION)
    parser.add_argument(
        "osm", nargs="*", type=Path, metavar="OSM", help="OpenStreetMap extracts, one per city"
    )
    parser.add_argument(
        "--cities", type=Path, metavar="F", help="TOML file listing the cities ([[city]] tables)"
    )
    add_config_options(parser, out=False)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        required=True,
        help="output folder: DIR/<city>/ per city and the table DIR/city_comparison.*",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``safespaces compare``."""
    if bool(args.osm) == (args.cities is not None):
        raise InputError(
            "name the cities either as OpenStreetMap extracts or with --cities",
            fix="give the extracts (safespaces compare a.osm.pbf b.osm.pbf --out DIR) "
            "or one --cities FILE, not both",
        )
    cities = read_cities(args.cities) if args.cities else cities_from_files(args.osm)
    failures: list[str] = []

    def failed(name: str, message: str) -> None:
        failures.append(f"safespaces compare: error: city {name}: {message}")
        print(failures[-1], file=sys.stderr, flush=True)

    table = compare_cities(
        cities, args.out, config=args.config, sets=args.set, progress=progress, failed=failed
    )
    for path in write_comparison(table, args.out):
        print(f"wrote {path}")
    print(format_table(table))
    if failures:
        print(f"{len(failures)} of {len(cities)} cities failed (see above)", file=sys.stderr)
        return 2
    return 0
