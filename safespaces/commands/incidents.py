"""``safespaces incidents``: privacy-safe incident counts, rates, hotspots and density.

Works with only incident points and area polygons (no OSM). Writes
``DIR/safespaces.gpkg`` (layers ``areas``, ``incident_hotspots``,
``incident_environment``, ``incident_model``, ``incident_summary``, and
``street_segments`` with ``--osm``) and ``DIR/incident_density.tif`` with its
``.qml`` style. Raw points are written only with ``--include-raw-points``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

import safespaces
from safespaces.commands._common import (
    add_input_options,
    check_density_bandwidth,
    command_output,
    config_from_args,
    finish_parser,
    progress,
    with_override,
    write_raster_styles,
)
from safespaces.config import Config, check_crs_area
from safespaces.crs import metric_crs
from safespaces.errors import InputError
from safespaces.incidents.analysis import IncidentResult, analyse_incidents
from safespaces.incidents.density import write_density
from safespaces.indices import safe_space_scores
from safespaces.io import GPKG_NAME, atomic_path, read_metadata, write_layers
from safespaces.qgis import export_package
from safespaces.qgis.package import PROJECT_NAME
from safespaces.sources.areas import read_areas
from safespaces.sources.incidents import read_incidents
from safespaces.stages import eyes_stage, lighting_stage, score_summary
from safespaces.study import Inputs, load_study

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

DENSITY_NAME = "incident_density.tif"
RAW_LAYER = "incident_points"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``incidents`` subcommand."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "incidents",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(
        p,
        incidents="incident points (CSV or vector)",
        areas="area polygons (vector file)",
        osm="OSM extract for street segments",
    )
    p.add_argument("--time-col", dest="time_col", metavar="C", help="time column name")
    p.add_argument("--category-col", dest="category_col", metavar="C", help="category column")
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
    return with_override(
        config_from_args(args),
        "incidents",
        "hotspot_permutations",
        getattr(args, "permutations", None),
        flag="--permutations",
    )


def _metric(config: Config, frame: gpd.GeoDataFrame) -> CRS:
    lonlat = frame.to_crs(4326)
    if config.general.crs != "auto":
        x0, y0, x1, y1 = (float(v) for v in lonlat.total_bounds)
        check_crs_area(config, (x0, y0, x1, y1))
        return CRS.from_user_input(config.general.crs)
    centre = lonlat.geometry.union_all().centroid
    return metric_crs(centre.x, centre.y)


@dataclasses.dataclass
class Prepared:
    """Inputs of one run, read and projected."""

    points: gpd.GeoDataFrame
    dropped: dict[str, int]
    areas: gpd.GeoDataFrame | None
    segments: gpd.GeoDataFrame | None
    darkness: pd.DataFrame | None
    synthetic: bool
    inputs: dict[str, str]


def prepare(args: argparse.Namespace, config: Config) -> Prepared:
    """Read the inputs named by ``args`` (or the embedded Helsinki default).

    With ``--osm`` (or no input at all: the embedded default) the whole study is
    loaded by :func:`safespaces.pipeline.load_study` and the lighting and eyes
    stages fill the environment columns; with only points and polygons no
    street network is used.
    """
    from safespaces.synthetic import DEFAULT_OSM, INCIDENT_FILE

    incidents_path, osm_path, areas_path = args.incidents, args.osm, args.areas
    if incidents_path is None and osm_path is None and areas_path is None:
        progress("using the embedded Helsinki default (incidents are SYNTHETIC)")
        incidents_path, osm_path = INCIDENT_FILE, DEFAULT_OSM
    if incidents_path is None:
        raise InputError(
            "no incident file given", fix="pass --incidents F (CSV with lon/lat or a point file)"
        )
    if osm_path is None and areas_path is None:
        raise InputError(
            "no areas and no street network", fix="pass --areas F (polygons) or --osm F"
        )
    time_column = args.time_col or config.sources.incident_time_column or None
    category_column = args.category_col or config.sources.incident_category_column or None
    if time_column or category_column:
        config = config.replace(
            sources=dataclasses.replace(
                config.sources,
                incident_time_column=time_column or "",
                incident_category_column=category_column or "",
            )
        )
    inputs = {
        name: str(path)
        for name, path in (("incidents", incidents_path), ("areas", areas_path), ("osm", osm_path))
        if path is not None
    }
    if osm_path is not None:
        study = load_study(
            Inputs(osm=osm_path, incidents=incidents_path, areas=areas_path, crs=args.crs),
            config,
            progress=progress,
        )
        assert study.incidents is not None
        areas = study.areas
        names = config.incidents.residents_columns
        lower = {str(c).lower() for c in areas.columns}
        if any(n.lower() in lower for n in names):
            areas = areas.drop(columns="residents_est")
        lighting, _ = lighting_stage(study, None, progress=progress)
        eyes, _ = eyes_stage(study, lighting.segments, progress=progress)
        load = study.incidents
        segments, darkness = eyes.segments, lighting.darkness
    else:
        load = read_incidents(
            incidents_path,
            time_column=time_column,
            category_column=category_column,
            timezone=config.general.timezone,
            crs=args.crs,
            drop_invalid=True,
        )
        areas = read_areas(areas_path, crs=args.crs)
        areas = areas.to_crs(_metric(config, areas))
        segments = darkness = None
    synthetic = Path(incidents_path).resolve() == INCIDENT_FILE.resolve() or bool(
        "synthetic" in load.points.columns
        and load.points["synthetic"].astype("string").str.lower().eq("true").any()
    )
    return Prepared(load.points, dict(load.dropped), areas, segments, darkness, synthetic, inputs)


def _merge_existing(target: Path, layer: str, frame: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    """Put this run's incident columns onto an existing layer of the same units.

    Other families' columns on the layer are kept; if the existing layer holds
    other units (different ids), it is replaced.
    """
    if not target.exists():
        return frame
    try:
        old = pyogrio.read_dataframe(target, layer=layer)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError):
        return frame
    if key not in old or len(old) != len(frame) or set(old[key]) != set(frame[key]):
        return frame
    mine = [c for c in frame.columns if str(c).startswith("incidents_")]
    keep = [c for c in old.columns if not str(c).startswith(("incidents_", "hotspot_"))]
    merged = old[keep].merge(frame[[key, *mine]], on=key, how="left")
    return gpd.GeoDataFrame(merged, geometry=old.geometry.name, crs=old.crs)


def _drop_layer(target: Path, layer: str) -> bool:
    """Remove a layer from a GeoPackage (atomically); True if it was there."""
    if not target.exists():
        return False
    with contextlib.closing(sqlite3.connect(target)) as con:
        found = con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (layer,)).fetchone()
    if not found:
        return False
    with (
        atomic_path(target, copy_existing=True) as tmp,
        contextlib.closing(sqlite3.connect(tmp)) as con,
    ):
        rtree = con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
            (f"rtree_{layer}_%",),
        ).fetchall()
        for (name,) in rtree:
            if "_" in name and not name.endswith(("_node", "_parent", "_rowid")):
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
        con.execute(f'DROP TABLE IF EXISTS "{layer}"')
        for table in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions"):
            with contextlib.suppress(sqlite3.OperationalError):
                con.execute(f"DELETE FROM {table} WHERE table_name = ?", (layer,))
        con.commit()
    return True


def _existing_layer(target: Path, layer: str) -> gpd.GeoDataFrame | None:
    if not target.exists():
        return None
    try:
        return pyogrio.read_dataframe(target, layer=layer)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError):
        return None


def _stale_segments(target: Path) -> gpd.GeoDataFrame | None:
    """An earlier run's ``street_segments`` without its incident columns (None: nothing stale)."""
    old = _existing_layer(target, "street_segments")
    if old is None:
        return None
    stale = [c for c in old.columns if str(c).startswith(("incidents_", "hotspot_"))]
    return old.drop(columns=stale) if stale else None


def _refresh_scores(layers: dict[str, pd.DataFrame], config: Config) -> bool:
    """Recompute the composite score on layers that carry one (it used the old incidents).

    Without both layers the score columns are dropped instead. Returns whether any changed.
    """
    areas, segments = layers.get("areas"), layers.get("street_segments")
    scored = [f for f in (areas, segments) if f is not None and "safe_space_score" in f.columns]
    if not scored:
        return False
    if (
        isinstance(areas, gpd.GeoDataFrame)
        and isinstance(segments, gpd.GeoDataFrame)
        and "length_m" in segments
    ):
        seg_scores, area_scores = safe_space_scores(segments, areas, config.indices)
        for name, frame, scores in (
            ("street_segments", segments, seg_scores),
            ("areas", areas, area_scores),
        ):
            old = [c for c in frame.columns if str(c).startswith(("score_", "safe_space_"))]
            layers[name] = frame.drop(columns=old).join(scores)
        return True
    for name in ("areas", "street_segments"):
        frame = layers.get(name)
        if frame is not None:
            old = [c for c in frame.columns if str(c).startswith(("score_", "safe_space_"))]
            layers[name] = frame.drop(columns=old)
    return True


def _remove_stale_density(folder: Path) -> list[Path]:
    """Remove an earlier run's density raster and its style and metadata files."""
    removed = []
    for suffix in (".tif", ".qml", ".qmd", ".tif.aux.xml"):
        path = folder / (Path(DENSITY_NAME).stem + suffix)
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def write_outputs(
    result: IncidentResult,
    folder: Path,
    crs: CRS,
    metadata: dict[str, Any],
    config: Config | None = None,
) -> tuple[Path, Path | None]:
    """Write the GeoPackage layers and the density raster.

    The folder may hold an earlier run: this run's layers replace its incident layers and
    columns; whatever incident output this run did not produce (the raw-point layer, a
    density raster when no incident falls in the study area, the incident columns of
    street segments when this run has none) is removed, the composite score is recomputed
    and the QGIS project (if any) rebuilt, so nothing refers to earlier incidents.
    """
    config = config or Config()
    target = folder / GPKG_NAME
    layers = result.layers()
    layers["areas"] = _merge_existing(target, "areas", result.areas, "area_id")
    if result.segments is not None:
        layers["street_segments"] = _merge_existing(
            target, "street_segments", result.segments, "segment_id"
        )
    else:
        stale = _stale_segments(target)
        if stale is not None:
            layers["street_segments"] = stale
            progress("removed the incident columns of an earlier run from street_segments")
    if "street_segments" not in layers and "safe_space_score" in layers["areas"].columns:
        segments = _existing_layer(target, "street_segments")
        if segments is not None:
            layers["street_segments"] = segments
    if _refresh_scores(layers, config):
        progress("recomputed the safe-space score with these incidents")
        segments = layers.get("street_segments")
        if segments is not None and "safe_space_score" in segments:
            metadata["safe_space_score"] = score_summary(segments, config.indices.weights)
            if isinstance(metadata.get("summary"), dict):
                metadata["summary"]["score"] = metadata["safe_space_score"]
    if not result.raw_points_exported and _drop_layer(target, RAW_LAYER):
        progress(f"removed the raw layer {RAW_LAYER} left by an earlier opt-in run")
    gpkg = write_layers(folder, layers, metadata)
    tif = None
    if result.density is not None:
        tif = write_density(
            folder / DENSITY_NAME,
            result.density,
            crs,
            tags={
                "k_min": result.metadata["incidents_privacy"]["k_min"],
                "masked_below_k": result.metadata["incidents_privacy"]["density_masked_below_k"],
                "synthetic": metadata.get("incidents_synthetic", False),
            },
        )
        write_raster_styles([tif])
    else:
        for path in _remove_stale_density(folder):
            progress(f"removed {path.name} of an earlier run (no incident in the study area)")
    if (folder / PROJECT_NAME).is_file():
        export_package(folder)
        progress(f"rebuilt {PROJECT_NAME} for these outputs")
    return gpkg, tif


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
    reference = prep.areas if prep.areas is not None else prep.segments
    assert reference is not None
    crs = CRS.from_user_input(reference.crs)
    progress("analysing incidents ...")
    result = analyse_incidents(
        prep.points,
        prep.segments,
        prep.areas,
        config.incidents,
        darkness=prep.darkness,
        seed=config.general.seed,
        timezone=config.general.timezone,
        dropped=prep.dropped,
        include_raw_points=bool(args.include_raw_points),
    )
    metadata: dict[str, Any] = {
        "safespaces_version": safespaces.__version__,
        "crs": crs.to_string(),
        "incidents_inputs": prep.inputs,
        "incidents_synthetic": prep.synthetic,
        "config": config.to_dict(),
        **result.metadata,
    }
    old = _existing_metadata(folder / GPKG_NAME)
    if isinstance(old.get("summary"), dict) and "incidents" in old["summary"]:
        # the run summary of an earlier 'safespaces run': its incident part is now this one
        metadata["summary"] = {**old["summary"], "incidents": result.summary}
    gpkg, tif = write_outputs(result, folder, crs, metadata, config)
    return gpkg, tif, result, prep.synthetic


def _existing_metadata(target: Path) -> dict[str, Any]:
    if not target.exists():
        return {}
    try:
        raw = read_metadata(target)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError, sqlite3.Error):
        return {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            out[key] = json.loads(value)
        except (TypeError, ValueError):
            out[key] = value
    return out


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "NULL"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def format_report(result: IncidentResult, *, synthetic: bool = False) -> str:
    """Summary, environment table, model and caveat as plain text."""
    lines = ["SYNTHETIC incidents (demo data, not real reports)"] if synthetic else []
    for key, value in result.summary.items():
        text = json.dumps(value) if isinstance(value, dict) else _fmt(value)
        lines.append(f"  {key}: {text}")
    if len(result.environment):
        lines.append("incidents per 100 m of street by environment (95 % CI):")
        for row in result.environment.itertuples(index=False):
            lines.append(
                f"  {row.variable:<12} {row.group:<28} {row.segments:>5} seg "
                f"{row.length_km:>7.2f} km  {_fmt(row.incidents):>5}  "
                f"{_fmt(row.per_100m):>6} [{_fmt(row.per_100m_ci_low)}, "
                f"{_fmt(row.per_100m_ci_high)}]"
            )
    if len(result.model):
        info = result.metadata["incidents_model"]
        lines.append(f"count model ({info.get('family')}, n = {info.get('n')}), IRR [95 % CI]:")
        for row in result.model.itertuples(index=False):
            lines.append(
                f"  {row.term:<40} {row.irr:7.3f} [{row.irr_ci_low:.3f}, {row.irr_ci_high:.3f}]"
                f"  p = {row.p:.3g}"
            )
        lines.append("  " + result.metadata["incidents_caveat"])
    return "\n".join(lines)
