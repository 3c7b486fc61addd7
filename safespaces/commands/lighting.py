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
import time
from pathlib import Path
from typing import Any

from safespaces.commands._common import (
    add_config_options,
    add_crs_option,
    config_from_args,
    out_dir,
    progress,
)
from safespaces.io import write_json, write_layers
from safespaces.lighting.analysis import LightingResult, analyse_lighting
from safespaces.lighting.raster import write_illuminance_raster
from safespaces.pipeline import Inputs, Study, load_study, run_metadata
from safespaces.synthetic import DEFAULT_OSM

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


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``lighting`` subcommand on an ``argparse`` subparsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "lighting",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--osm",
        type=Path,
        metavar="F",
        help="OpenStreetMap extract (.osm.pbf or .osm); default: the embedded Helsinki extract",
    )
    p.add_argument(
        "--lamps",
        type=Path,
        metavar="F",
        help="lamp register (CSV with lon/lat or x/y, or vector points) with height_m and "
        "intensity_cd or lumen; replaces OSM lamps where it covers the area",
    )
    add_crs_option(p)
    add_config_options(p)
    p.set_defaults(func=run)
    return p


def summary(result: LightingResult) -> dict[str, Any]:
    """Class shares, conflicts and lamp sources as plain JSON data."""
    shares = result.class_shares
    conflicts = result.conflicts
    spaces = result.public_spaces.dropna(subset=["light_path_length_m"])
    return {
        "light_class_share_of_walking_length": {
            str(k): round(float(v), 4)
            for k, v in zip(shares["light_class"], shares["share"], strict=True)
        },
        "light_class_length_km": {
            str(k): round(float(v) / 1000, 3)
            for k, v in zip(shares["light_class"], shares["length_m"], strict=True)
        },
        "light_tag_conflicts_segments": {
            str(k): int(v)
            for k, v in zip(conflicts["light_tag_conflict"], conflicts["segments"], strict=True)
        },
        "lamps_by_source_of_values": {
            str(k): int(v) for k, v in result.lamps["light_source_of_values"].value_counts().items()
        },
        "public_spaces_path_km": round(float(spaces["light_path_length_m"].sum()) / 1000, 3),
        "public_spaces_dark_path_km": round(
            float(spaces["light_dark_path_length_m"].sum()) / 1000, 3
        ),
        "dark_paths": len(result.dark_paths),
        "darkness_h_min_max": [
            round(float(result.darkness["darkness_h"].min()), 2),
            round(float(result.darkness["darkness_h"].max()), 2),
        ],
    }


def compute(args: argparse.Namespace) -> tuple[Study, LightingResult, dict[str, float]]:
    """Read the inputs named by ``args`` and run the analysis (no writing)."""
    config = config_from_args(args)
    timings: dict[str, float] = {}
    inputs = Inputs(osm=args.osm or DEFAULT_OSM, lamps=args.lamps, crs=args.crs)
    study = load_study(inputs, config, progress=progress, timings=timings)
    progress("lighting ...")
    start = time.perf_counter()
    result = analyse_lighting(
        study.osm.segments,
        study.osm.lamps,
        study.osm.public_spaces,
        config.lighting,
        timezone=config.general.timezone,
    )
    timings["lighting"] = time.perf_counter() - start
    progress(f"lighting: done in {timings['lighting']:.1f} s")
    return study, result, timings


def run(args: argparse.Namespace) -> int:
    """Run ``safespaces lighting``; return the exit status (errors propagate)."""
    study, result, timings = compute(args)
    config = study.config
    folder = out_dir(args, config)
    params = config.lighting
    minx, miny, maxx, maxy = study.osm.segments.total_bounds
    m = params.raster_margin_m
    start = time.perf_counter()
    tif = write_illuminance_raster(
        folder / "illuminance.tif",
        result.lamps,
        (minx - m, miny - m, maxx + m, maxy + m),
        study.crs,
        cell=params.raster_cell_m,
        cutoff=params.cutoff_m,
    )
    timings["illuminance raster"] = time.perf_counter() - start
    info = summary(result)
    path = write_layers(
        folder,
        result.layers(),
        run_metadata(study, timings, {"lighting_summary": info}),
        keep_other_layers=True,
    )
    write_json(folder / "lighting_summary.json", info)
    print(f"wrote {path}")
    print(f"wrote {tif} (+ {tif.with_suffix('.qml').name})")
    print(result.summary_markdown())
    return 0
