"""``safespaces incidents``: privacy-safe incident counts, rates, hotspots and density.

Works with only incident points and area polygons (no OSM). Writes
``DIR/safespaces.gpkg`` (layers ``areas``, ``incident_hotspots``,
``incident_environment``, ``incident_model``, ``incident_summary``, and
``street_segments`` with ``--osm``) and ``DIR/incident_density.tif`` with its
``.qml`` style. Raw points are written only with ``--include-raw-points``.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

import safespaces
from safespaces.commands._args import (
    add_column_options,
    add_input_options,
    command_parser,
    finish_parser,
)
from safespaces.commands._common import (
    check_density_bandwidth,
    command_output,
    permutations_config,
    progress,
    write_raster_styles,
)
from safespaces.commands._incident_outputs import RAW_LAYER, format_report, write_outputs
from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.incidents.analysis import IncidentResult
from safespaces.io import GPKG_NAME, existing_metadata
from safespaces.stages import eyes_stage, incidents_stage, lighting_stage, study_darkness
from safespaces.study import Inputs, Study, load_study
from safespaces.synthetic import DEFAULT_OSM, INCIDENT_FILE

HELP = "privacy-safe incident counts, rates, hotspots and density"
DESCRIPTION = """\
Counts incidents per area (and per street segment with --osm) by light window
(day / evening / night from civil twilight), weekday/weekend, month and
category; rates per 100 m of street and per 1,000 residents with empirical-Bayes
smoothing; Getis-Ord Gi* hotspots with a false-discovery-rate correction; a
kernel density GeoTIFF; and, where segments carry eyes/lighting indices, rates
by environment and a count model. Counts from 1 to k-1 (incidents.k_min,
default 5) are NULL with a *_suppressed flag everywhere; raw points are never
written unless --include-raw-points is given (recorded in run_metadata).
With no input at all, runs the embedded Helsinki default (SYNTHETIC incidents).

Example:
  safespaces incidents --incidents reports.csv --areas districts.gpkg --out out/
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``incidents`` subcommand."""
    p = command_parser(subparsers, "incidents", HELP, DESCRIPTION)
    add_input_options(
        p,
        incidents="incident points (CSV or vector)",
        areas="area polygons (vector file)",
        osm="OSM extract for street segments",
    )
    add_column_options(p)
    p.add_argument(
        "--permutations",
        type=int,
        metavar="N",
        help="Gi* permutations (default incidents.hotspot_permutations, 999; 0 = analytical)",
    )
    p.add_argument(
        "--include-raw-points",
        dest="include_raw_points",
        action="store_true",
        help="ALSO write the raw incident points (layer incident_points); off by default "
        "because they can identify victims. The choice is recorded in run_metadata.",
    )
    return finish_parser(p, run)


def _config(args: argparse.Namespace) -> Config:
    return permutations_config(args, "incidents", "hotspot_permutations")


@dataclasses.dataclass
class Prepared:
    """Inputs of one run, read and projected (segments and darkness only with OSM)."""

    study: Study
    areas: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame | None
    darkness: pd.DataFrame | None
    inputs: dict[str, str]


def prepare(args: argparse.Namespace, config: Config) -> Prepared:
    """Read the inputs named by ``args`` (or the embedded Helsinki default).

    With ``--osm`` (or no input at all: the embedded default) the whole study is
    loaded and the lighting and eyes stages fill the environment columns; with
    only points and polygons the study is read from the areas alone
    (:func:`safespaces.study.load_study`, ``areas_only``).
    """
    incidents, osm, areas = args.incidents, args.osm, args.areas
    if incidents is None and osm is None and areas is None:
        progress("using the embedded Helsinki default (incidents are SYNTHETIC)")
        incidents, osm = INCIDENT_FILE, DEFAULT_OSM
    if incidents is None:
        raise InputError(
            "no incident file given", fix="pass --incidents F (CSV with lon/lat or a point file)"
        )
    inputs = Inputs(osm=osm, incidents=incidents, areas=areas, crs=args.crs)
    # read quietly without a street network (nothing to report but errors)
    study = load_study(inputs, config, areas_only=True, progress=progress if osm else None)
    given = {"incidents": incidents, "areas": areas, "osm": osm}
    record = {name: str(path) for name, path in given.items() if path is not None}
    if not study.has_streets:
        return Prepared(study, study.areas, None, None, record)
    study_areas = study.areas
    lower = {str(c).lower() for c in study_areas.columns}
    if any(n.lower() in lower for n in config.incidents.residents_columns):
        study_areas = study_areas.drop(columns="residents_est")
    darkness = study_darkness(study)
    lighting, _ = lighting_stage(study, None, darkness=darkness, progress=progress)
    eyes, _ = eyes_stage(study, lighting.segments, darkness=darkness, progress=progress)
    return Prepared(study, study_areas, eyes.segments, lighting.darkness, record)


def run(args: argparse.Namespace) -> int:
    """Execute ``safespaces incidents``; errors propagate as exceptions (exit 2)."""
    config = _config(args)
    check_density_bandwidth(config, bool(args.include_raw_points))
    with command_output(args, config) as out:
        gpkg, tif, result, synthetic = _analyse_into(args, config, out.path)
    print(format_report(result, synthetic=synthetic))
    print(f"wrote {out.final(gpkg)}" + (f" and {out.final(tif)}" if tif else ""))
    if result.raw_points_exported:
        print(f"WARNING: raw incident points written (layer {RAW_LAYER}) as requested")
    return 0


def _analyse_into(
    args: argparse.Namespace, config: Config, folder: Path
) -> tuple[Path, Path | None, IncidentResult, bool]:
    """Read, analyse and write into ``folder``: the GeoPackage, the raster, the result."""
    prep = prepare(args, config)
    study = prep.study
    config = study.config  # the study's name and time zone resolved (safespaces.study)
    assert study.incidents is not None
    result, stage = incidents_stage(
        study,
        prep.segments,
        prep.areas,
        prep.darkness,
        folder,
        include_raw_points=bool(args.include_raw_points),
        progress=progress,
    )
    write_raster_styles(stage.files)
    synthetic = bool(stage.metadata["incidents_synthetic"])
    metadata: dict[str, Any] = {
        "safespaces_version": safespaces.__version__,
        "crs": study.crs.to_string(),
        "incidents_inputs": prep.inputs,
        "config": config.to_dict(),
        **stage.metadata,
    }
    old = existing_metadata(folder / GPKG_NAME)
    if isinstance(old.get("summary"), dict) and "incidents" in old["summary"]:
        # the run summary of an earlier 'safespaces run': its incident part is now this one
        metadata["summary"] = {**old["summary"], "incidents": result.summary()}
    gpkg = write_outputs(result, folder, metadata, config)
    tif = next((f for f in stage.files if f.suffix == ".tif"), None)
    return gpkg, tif, result, synthetic
