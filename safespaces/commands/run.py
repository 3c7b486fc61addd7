"""``safespaces run``: every analysis the inputs allow, into one GeoPackage."""

from __future__ import annotations

import argparse
from pathlib import Path

from safespaces.commands._args import (
    OSM_HELP,
    add_column_options,
    add_format_option,
    add_input_options,
    add_postgis_options,
    finish_parser,
)
from safespaces.commands._common import (
    check_density_bandwidth,
    check_publish,
    config_from_args,
    inputs_from_args,
    out_dir,
    postgis_export,
    progress,
)
from safespaces.commands._summary import short_summary
from safespaces.commands.survey import add_survey_options, checked_survey
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
    add_input_options(
        parser,
        osm=OSM_HELP,
        lamps="lamp register (CSV or vector points)",
        tenure="dwellings by tenure (CSV or vector)",
        incidents="incident points (CSV or vector)",
        areas="district polygons (vector file)",
        population="real population to calibrate the residents estimate: grid polygons with "
        "a count column, or a raster of residents per cell",
    )
    parser.add_argument(
        "--population-col", metavar="NAME", help="count column of --population (default: detected)"
    )
    add_column_options(parser)
    parser.add_argument(
        "--include-raw-points",
        action="store_true",
        help="ALSO export the raw incident points (off by default: they can identify victims; "
        "the choice is recorded in run_metadata)",
    )
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: one process (default); dask: the per-segment stages over spatial "
        "partitions on a dask.distributed cluster (see docs/scale.md)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler, e.g. tcp://host:8786 "
        "(default: start a local cluster)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="with --engine dask and no --scheduler: local worker processes (default 2)",
    )
    parser.add_argument(
        "--store",
        type=Path,
        metavar="FOLDER",
        help="with --engine dask: the partition tasks read their own inputs from this store "
        "(GeoParquet per layer, written here from the inputs when the folder is empty; on a "
        "cluster, a folder every worker reads at the same path; see docs/scale.md)",
    )
    add_survey_options(parser)
    add_postgis_options(parser)
    add_format_option(parser)
    finish_parser(parser, run)


def run(args: argparse.Namespace) -> int:
    """Execute ``safespaces run``."""
    config = config_from_args(args)
    inputs = inputs_from_args(args)
    if inputs.resolved().incidents is not None:  # refused before any work, not after lighting
        check_density_bandwidth(config, args.include_raw_points)
    survey = checked_survey(args)  # a bad survey file is refused before the run, not after it
    check_publish(args)  # unknown formats, a bad DSN, server or right: before the run
    if inputs.is_default:
        progress("using the embedded Helsinki default (tenure and incidents are SYNTHETIC)")
    if args.engine == "dask":
        from safespaces.distributed import run_dask

        result = run_dask(
            inputs,
            config,
            out_dir(args, config),
            scheduler=args.scheduler,
            workers=args.workers,
            store=args.store,
            progress=progress,
            include_raw_points=args.include_raw_points,
            formats=args.formats,
        )
    else:
        result = run_pipeline(
            inputs,
            config,
            out_dir(args, config),
            progress=progress,
            include_raw_points=args.include_raw_points,
            formats=args.formats,
            survey=survey,
        )
    print(f"wrote {result.path} ({len(result.layers)} layers)")
    for extra in result.files:
        print(f"wrote {extra}")
    for line in short_summary(result.summary):
        print(f"  {line}")
    print(f"total {sum(result.timings.values()):.1f} s")
    if args.postgis:
        postgis_export(result.path.parent, args.postgis, args.schema, after_run=True)
    return 0
