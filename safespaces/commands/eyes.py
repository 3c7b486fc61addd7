"""``safespaces eyes``: eyes on the street, hour by hour, for every walking segment.

Reads an OSM extract, runs the lighting analysis for the light component,
computes the eyes-on-the-street components and index, and writes the layer
``street_segments`` (with the ``light_*`` and ``eyes_*`` columns) into
``DIR/safespaces.gpkg`` (other layers are kept) and ``DIR/eyes_summary.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.commands._common import (
    add_config_options,
    add_crs_option,
    config_from_args,
    out_dir,
    progress,
)
from safespaces.eyes import EyesResult, analyse_eyes, normalise_weekday
from safespaces.eyes.analysis import HOUR_COLUMNS
from safespaces.io import write_json, write_layers
from safespaces.lighting import analyse_lighting, darkness_hours
from safespaces.lighting.analysis import study_latlon
from safespaces.pipeline import Inputs, Study, load_study, run_metadata
from safespaces.population import PERSONS_PER_DWELLING
from safespaces.synthetic import DEFAULT_OSM

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
    p: argparse.ArgumentParser = subparsers.add_parser(
        "eyes",
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
        "--weekday",
        metavar="DAY",
        help="day of the week of the hourly index (Mo..Su or monday..sunday); "
        "default eyes.weekday (Fr)",
    )
    p.add_argument("--lamps", type=Path, metavar="F", help="lamp register for the light component")
    p.add_argument(
        "--tenure",
        type=Path,
        metavar="F",
        help="dwellings per building (tenure file); residents = dwellings x 1.8 replace the "
        "estimate where a building matches",
    )
    add_crs_option(p)
    add_config_options(p)
    p.set_defaults(func=run)
    return p


def residents_from_tenure(study: Study) -> pd.Series:
    """Residents per building: dwellings x persons per dwelling from a real tenure file,
    else the estimate. SYNTHETIC tenure (the demo default) is not used."""
    buildings = study.osm.buildings
    estimate = buildings["residents_est"].astype(float)
    tenure = study.tenure
    if tenure is None or "tenure" in study.synthetic or "osm_building_id" not in tenure:
        return estimate.rename("residents")
    dwellings = (
        tenure.dropna(subset=["osm_building_id"])
        .assign(osm_building_id=lambda t: t["osm_building_id"].astype(np.int64))
        .groupby("osm_building_id")["dwellings"]
        .sum()
    )
    matched = buildings["osm_id"].map(dwellings) * PERSONS_PER_DWELLING
    return matched.fillna(estimate).astype(float).rename("residents")


def summary(result: EyesResult, weekday: str) -> dict[str, Any]:
    """Length-weighted means and the share of walking length per score band."""
    seg = result.segments
    length = seg["length_m"].to_numpy(dtype=float)
    total = float(length.sum())

    def mean(column: str) -> float:
        return round(float(np.average(seg[column].to_numpy(dtype=float), weights=length)), 2)

    return {
        "weekday": weekday,
        "segments": len(seg),
        "dark_hours": [h for h, d in enumerate(result.dark) if d],
        "length_weighted_mean": {
            c: mean(c) for c in ["eyes_day", "eyes_evening", "eyes_night", *HOUR_COLUMNS]
        },
        "night_share_of_length_below_20": round(
            float(length[seg["eyes_night"].to_numpy() < 20].sum()) / total, 4
        )
        if total
        else None,
        "premises_opening_hours_unparsed": result.pois_unparsed,
        "premises_default_hours": result.pois_default,
    }


def run(args: argparse.Namespace) -> int:
    """Run ``safespaces eyes``; return the exit status (errors propagate)."""
    config = config_from_args(args)
    if args.weekday:
        config = config.replace(
            eyes=dataclasses.replace(config.eyes, weekday=normalise_weekday(args.weekday))
        )
    weekday = normalise_weekday(config.eyes.weekday)
    timings: dict[str, float] = {}
    inputs = Inputs(osm=args.osm or DEFAULT_OSM, lamps=args.lamps, tenure=args.tenure, crs=args.crs)
    study = load_study(inputs, config, progress=progress, timings=timings)
    osm = study.osm
    start = time.perf_counter()
    progress("lighting ...")
    # an extract without parks or squares has an empty public_spaces frame with no
    # columns, which the lighting analysis cannot take: pass None instead
    spaces = osm.public_spaces if len(osm.public_spaces) else None
    lighting = analyse_lighting(
        osm.segments,
        osm.lamps,
        spaces,
        config.lighting,
        timezone=config.general.timezone,
    )
    lat, lon = study_latlon(osm.segments)
    darkness = darkness_hours(
        lat, lon, int(config.eyes.reference_monday[:4]), timezone=config.general.timezone
    )
    timings["lighting"] = time.perf_counter() - start
    progress(f"eyes ({weekday}) ...")
    start = time.perf_counter()
    buildings = osm.buildings.assign(residents=residents_from_tenure(study))
    result = analyse_eyes(
        lighting.segments,
        buildings,
        osm.pois,
        osm.entrances,
        config.eyes,
        lighting=lighting.segments,
        darkness=darkness,
    )
    timings["eyes"] = time.perf_counter() - start
    progress(f"eyes: done in {timings['eyes']:.1f} s")
    info = summary(result, weekday)
    folder = out_dir(args, config)
    layer: gpd.GeoDataFrame = result.segments
    path = write_layers(
        folder,
        {"street_segments": layer},
        run_metadata(study, timings, {"eyes_summary": info}),
        keep_other_layers=True,
    )
    write_json(folder / "eyes_summary.json", info)
    means = info["length_weighted_mean"]
    print(f"wrote {path} (layer street_segments, {len(layer)} segments)")
    print(
        f"eyes ({weekday}), length-weighted means: day {means['eyes_day']:.1f}, "
        f"evening {means['eyes_evening']:.1f}, night {means['eyes_night']:.1f}"
    )
    if result.pois_unparsed:
        print(f"  {result.pois_unparsed} opening_hours values could not be parsed (defaults used)")
    return 0
