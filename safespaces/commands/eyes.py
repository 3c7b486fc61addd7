"""``safespaces eyes``: eyes on the street, hour by hour, for every walking segment.

Reads an OSM extract, runs the lighting analysis for the light component,
computes the eyes-on-the-street components and index, and writes the layer
``street_segments`` (with the ``light_*`` and ``eyes_*`` columns) into
``DIR/safespaces.gpkg`` (other layers are kept), ``DIR/eyes_summary.json`` and,
from the lighting stage, ``DIR/illuminance.tif`` with its ``.qml`` style.
"""

from __future__ import annotations

import argparse

import geopandas as gpd

from safespaces.commands._args import OSM_HELP, add_input_options, command_parser, finish_parser
from safespaces.commands._common import command_output, config_from_args, progress, with_override
from safespaces.commands._lit import light_study
from safespaces.eyes import normalise_weekday
from safespaces.io import write_json, write_layers
from safespaces.pipeline import run_metadata
from safespaces.stages import eyes_stage

HELP = "eyes on the street: frontage, doors, home windows, open premises, passers-by, light"
DESCRIPTION = """\
For every walking segment: the share of its length facing a building façade,
doors per 100 m (entrances and premises), residents behind the façades facing
it, premises open at each hour of the chosen weekday (OSM opening_hours, or
documented defaults per category), the pedestrian flow potential of the walking
network within 400 and 800 m, and the light factor from the lighting analysis.
The index eyes_h00..eyes_h23, eyes_day (07-18), eyes_evening (18-22) and
eyes_night (22-07) runs from 0 to 100 on an absolute scale (saturation points,
not ranks); eyes_explain names each segment's weakest components.
See docs/eyes.md for every default and its source.

Examples:
  safespaces eyes                                  # the embedded Helsinki extract
  safespaces eyes --osm city.osm.pbf --weekday saturday --out out/
  safespaces eyes --set eyes.frontage_distance_m=20
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``eyes`` subcommand on an ``argparse`` subparsers object."""
    p = command_parser(subparsers, "eyes", HELP, DESCRIPTION)
    add_input_options(p, osm=OSM_HELP)
    p.add_argument(
        "--weekday",
        metavar="DAY",
        help="day of the week of the hourly index (Mo..Su or monday..sunday); "
        "default eyes.weekday (Fr)",
    )
    add_input_options(
        p,
        lamps="lamp register for the light component",
        tenure="dwellings per building (tenure file); residents = dwellings x 1.8 replace the "
        "estimate where a building matches",
        population="population grid or raster that calibrates the residents estimate",
    )
    p.add_argument("--population-col", metavar="NAME", help="count column of --population")
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    """Run ``safespaces eyes``; return the exit status (errors propagate)."""
    config = with_override(
        config_from_args(args), "eyes", "weekday", args.weekday or None, flag="--weekday"
    )
    weekday = normalise_weekday(config.eyes.weekday)
    with command_output(args, config) as out:
        lit = light_study(args, config, out.path)
        light_out = lit.output
        result, stage = eyes_stage(
            lit.study,
            lit.lighting.segments,
            darkness=lit.darkness,
            progress=progress,
            timings=lit.timings,
        )
        info = stage.summary
        layer: gpd.GeoDataFrame = result.segments
        path = write_layers(
            out.path,
            {**light_out.layers, **stage.layers},
            run_metadata(lit.study, lit.timings, {**light_out.metadata, **stage.metadata}),
            keep_other_layers=True,
        )
        write_json(out.path / "eyes_summary.json", info)
    means = info["length_weighted_mean"]
    print(f"wrote {out.final(path)} (layer street_segments, {len(layer)} segments)")
    print(
        f"eyes ({weekday}), length-weighted means: day {means['eyes_day']:.1f}, "
        f"evening {means['eyes_evening']:.1f}, night {means['eyes_night']:.1f}"
    )
    if result.pois_unparsed:
        print(f"  {result.pois_unparsed} opening_hours values could not be parsed (defaults used)")
    return 0
