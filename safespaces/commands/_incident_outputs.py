"""Write an incident run into a folder that may hold an earlier run's outputs.

``safespaces incidents --out DIR`` adds to what is already in ``DIR``: its layers
replace the earlier incident layers and columns, whatever incident output this
run did not produce is removed (the raw-point layer, a density raster, the
incident columns of street segments), the composite score is recomputed and
the QGIS project (if any) rebuilt, so nothing refers to earlier incidents.
Everything is written through :func:`safespaces.io.write_layers`.
:func:`format_report` is the run's report on the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from safespaces.commands._common import progress
from safespaces.config import Config
from safespaces.incidents.analysis import IncidentResult
from safespaces.incidents.environment import ESTIMATED
from safespaces.indices import safe_space_scores
from safespaces.io import GPKG_NAME, has_layer, read_layer, write_layers
from safespaces.qgis import export_package
from safespaces.qgis.package import PROJECT_NAME
from safespaces.stages import score_summary

#: The layer of raw incident points (written only with ``--include-raw-points``).
RAW_LAYER = "incident_points"
INCIDENT_PREFIXES = ("incidents_", "hotspot_")
SCORE_PREFIXES = ("score_", "safe_space_")


def merge_existing(target: Path, layer: str, frame: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    """Put this run's incident columns onto an existing layer of the same units.

    Other families' columns on the layer are kept; if the existing layer holds
    other units (different ids), it is replaced.
    """
    old = read_layer(target, layer)
    if old is None:
        return frame
    if key not in old or len(old) != len(frame) or set(old[key]) != set(frame[key]):
        return frame
    mine = [c for c in frame.columns if str(c).startswith("incidents_")]
    keep = [c for c in old.columns if not str(c).startswith(INCIDENT_PREFIXES)]
    merged = old[keep].merge(frame[[key, *mine]], on=key, how="left")
    return gpd.GeoDataFrame(merged, geometry=old.geometry.name, crs=old.crs)


def stale_segments(target: Path) -> gpd.GeoDataFrame | None:
    """An earlier run's ``street_segments`` without its incident columns (None: nothing stale)."""
    old = read_layer(target, "street_segments")
    if old is None:
        return None
    stale = [c for c in old.columns if str(c).startswith(INCIDENT_PREFIXES)]
    return old.drop(columns=stale) if stale else None


def _without_scores(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if str(c).startswith(SCORE_PREFIXES)])


def refresh_scores(layers: dict[str, pd.DataFrame], config: Config) -> bool:
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
        layers["street_segments"] = _without_scores(segments).join(seg_scores)
        layers["areas"] = _without_scores(areas).join(area_scores)
        return True
    for name in ("areas", "street_segments"):
        frame = layers.get(name)
        if frame is not None:
            layers[name] = _without_scores(frame)
    return True


def incident_layers(
    result: IncidentResult, target: Path, metadata: dict[str, Any], config: Config
) -> dict[str, pd.DataFrame]:
    """This run's layers merged onto the earlier run's in ``target``, scores recomputed."""
    layers = result.layers()
    layers["areas"] = merge_existing(target, "areas", result.areas, "area_id")
    if result.segments is not None:
        layers["street_segments"] = merge_existing(
            target, "street_segments", result.segments, "segment_id"
        )
    else:
        stale = stale_segments(target)
        if stale is not None:
            layers["street_segments"] = stale
            progress("removed the incident columns of an earlier run from street_segments")
    if "street_segments" not in layers and "safe_space_score" in layers["areas"].columns:
        segments = read_layer(target, "street_segments")
        if segments is not None:
            layers["street_segments"] = segments
    if refresh_scores(layers, config):
        progress("recomputed the safe-space score with these incidents")
        segments = layers.get("street_segments")
        if segments is not None and "safe_space_score" in segments:
            metadata["safe_space_score"] = score_summary(segments, config.indices.weights)
            if isinstance(metadata.get("summary"), dict):
                metadata["summary"]["score"] = metadata["safe_space_score"]
    return layers


def write_outputs(
    result: IncidentResult,
    folder: Path,
    metadata: dict[str, Any],
    config: Config | None = None,
) -> Path:
    """Write the GeoPackage layers (see the module docstring); the density raster is the
    incidents stage's (:func:`safespaces.stages.incidents_stage`)."""
    config = config or Config()
    target = folder / GPKG_NAME
    layers = incident_layers(result, target, metadata, config)
    remove = [] if result.raw_points_exported else [RAW_LAYER]
    if remove and has_layer(target, RAW_LAYER):
        progress(f"removed the raw layer {RAW_LAYER} left by an earlier opt-in run")
    gpkg = write_layers(folder, layers, metadata, remove=remove)
    if (folder / PROJECT_NAME).is_file():
        export_package(folder)
        progress(f"rebuilt {PROJECT_NAME} for these outputs")
    return gpkg


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "NULL"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def format_report(result: IncidentResult, *, synthetic: bool = False) -> str:
    """Summary, environment table, model and caveat as plain text."""
    lines = ["SYNTHETIC incidents (demo data, not real reports)"] if synthetic else []
    for key, value in result.summary().items():
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
        info = result.metadata()["incidents_model"]
        lines.append(f"count model ({info.get('family')}, n = {info.get('n')}), IRR [95 % CI]:")
        if info.get("reason"):
            lines.append(f"  not estimable: {info['reason']}")
        for row in result.model.itertuples(index=False):
            if row.status != ESTIMATED:
                if not info.get("reason"):
                    lines.append(f"  {row.term:<40} not estimable: {row.note}")
                continue
            lines.append(
                f"  {row.term:<40} {row.irr:7.3f} [{row.irr_ci_low:.3f}, {row.irr_ci_high:.3f}]"
                f"  p = {row.p:.3g}"
            )
        lines.append("  " + result.metadata()["incidents_caveat"])
    return "\n".join(lines)
