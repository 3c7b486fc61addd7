"""``safespaces lighting``: where the lighting promise holds, path by path.

Reads an OSM extract (and optionally a lamp register), models every lamp,
computes the horizontal illuminance along every walking segment and classes it
by EN 13201-2, compares it with the OSM ``lit`` tags, reports parks and squares,
and writes ``DIR/safespaces.gpkg`` (the lighting columns and layers),
``DIR/illuminance.tif`` with ``DIR/illuminance.qml``, and
``DIR/lighting_summary.json``.
"""

from __future__ import annotations

import argparse

from safespaces.commands._args import OSM_HELP, add_input_options, command_parser, finish_parser
from safespaces.commands._common import command_output, config_from_args
from safespaces.commands._lit import light_study
from safespaces.io import write_json, write_layers
from safespaces.pipeline import run_metadata

HELP = "street and path lighting: illuminance, EN 13201-2 classes, lit-tag conflicts"
DESCRIPTION = """\
Models every lamp (register values, OSM tags, or documented defaults per
context), sums the horizontal illuminance E = I cos^3(gamma) / h^2 of every lamp
within lighting.cutoff_m along each walking segment (samples every 2 m or
finer), and gives each segment light_lux_avg, light_lux_min, light_uniformity,
light_lamps_per_100m, light_class (best EN 13201-2 P class met) and
light_tag_conflict (OSM lit tag against mapped lamps). Parks and squares get the
length of their paths and the share lit to P6 or better; their darkest stretches
form the layer dark_paths. Writes an illuminance GeoTIFF (5 m cells) with a QGIS
style beside it, and the hours of darkness per day at the study area.
See docs/lighting.md for every default and its source.

Examples:
  safespaces lighting                         # the embedded Helsinki extract
  safespaces lighting --osm city.osm.pbf --lamps register.csv --out out/
  safespaces lighting --osm city.osm.pbf --set lighting.cutoff_m=40
"""


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register the ``lighting`` subcommand on an ``argparse`` subparsers object."""
    p = command_parser(subparsers, "lighting", HELP, DESCRIPTION)
    add_input_options(
        p,
        osm=OSM_HELP,
        lamps="lamp register (CSV with lon/lat or x/y, or vector points) with height_m and "
        "intensity_cd or lumen; replaces OSM lamps where it covers the area",
    )
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    """Run ``safespaces lighting``; return the exit status (errors propagate)."""
    config = config_from_args(args)
    with command_output(args, config) as out:
        lit = light_study(args, config, out.path)
        stage = lit.output
        path = write_layers(
            out.path,
            stage.layers,
            run_metadata(lit.study, lit.timings, {"lighting_summary": stage.summary}),
            keep_other_layers=True,
        )
        summary = write_json(out.path / "lighting_summary.json", stage.summary)
    for written in (path, *stage.files, summary):
        print(f"wrote {out.final(written)}")
    print(lit.lighting.summary_markdown())
    return 0
