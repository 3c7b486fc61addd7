"""``safespaces run``: every analysis the inputs allow, into one GeoPackage."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from safespaces.commands._common import (
    add_config_options,
    add_crs_option,
    config_from_args,
    out_dir,
    progress,
)
from safespaces.pipeline import Inputs
from safespaces.pipeline import run as run_pipeline

HELP = "run every analysis the inputs allow (no arguments: the embedded Helsinki default)"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help=HELP,
        description=HELP + ". Writes DIR/safespaces.gpkg with the layers street_segments, "
        "areas, buildings, lamps, public_spaces and the run_metadata table.",
    )
    parser.add_argument(
        "--osm", type=Path, metavar="F", help="OpenStreetMap extract (.osm.pbf or .osm)"
    )
    parser.add_argument(
        "--lamps", type=Path, metavar="F", help="lamp register (CSV or vector points)"
    )
    parser.add_argument(
        "--tenure", type=Path, metavar="F", help="dwellings by tenure (CSV or vector)"
    )
    parser.add_argument(
        "--incidents", type=Path, metavar="F", help="incident points (CSV or vector)"
    )
    parser.add_argument("--areas", type=Path, metavar="F", help="district polygons (vector file)")
    add_crs_option(parser)
    add_config_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``safespaces run``."""
    config = config_from_args(args)
    inputs = Inputs(
        osm=args.osm,
        lamps=args.lamps,
        tenure=args.tenure,
        incidents=args.incidents,
        areas=args.areas,
        crs=args.crs,
    )
    if inputs.is_default:
        progress("using the embedded Helsinki default (tenure and incidents are SYNTHETIC)")
    result = run_pipeline(inputs, config, out_dir(args, config), progress=progress)
    print(f"wrote {result.path}")
    for extra in result.files:
        print(f"wrote {extra}")
    for name, count in result.layers.items():
        print(f"  {name}: {count} features")
    for key, value in result.summary.items():
        text = json.dumps(value) if isinstance(value, dict) else value
        print(f"  {key}: {text}")
    print(f"total {sum(result.timings.values()):.1f} s")
    return 0
