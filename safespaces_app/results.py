"""One run's results as the pages read them: its tables, metadata and map views."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from safespaces.eyes import HOUR_COLUMNS
from safespaces.io import GPKG_NAME, read_metadata
from safespaces.study import notes_summary
from safespaces_app.scoring import SCORE_COLUMNS
from safespaces_app.webmap import display_frame, geometry_json

_SEGMENT_SHOWN = [
    "segment_id",
    "name",
    "highway",
    "light_class",
    *HOUR_COLUMNS,
    *SCORE_COLUMNS,
    "safe_space_score",
]
_AREA_SHOWN = [
    "area_id",
    "grid_id",
    "place",
    "name",
    "mix_entropy",
    *SCORE_COLUMNS,
    "safe_space_score",
]


@dataclasses.dataclass
class View:
    """A layer ready for the map: display frame (lon/lat, simplified, escaped), geometries, ids."""

    frame: gpd.GeoDataFrame
    geometries: list[dict[str, Any]]
    ids: list[str]


@dataclasses.dataclass
class Analysis:
    """One run's results, shared read-only by every session.

    Attributes
    ----------
    folder
        The run's output folder (GeoPackage, rasters, QGIS project).
    layers
        Every table of the GeoPackage (metric CRS).
    metadata
        ``run_metadata`` with JSON values decoded.
    views
        ``segments``, ``areas``, ``hotspots``, ``dark_paths`` for the map.
    configured_k_min
        The run configuration's ``incidents.k_min`` (what :attr:`k_min` falls back to when
        the run has no incident metadata).
    """

    folder: Path
    layers: dict[str, pd.DataFrame]
    metadata: dict[str, Any]
    views: dict[str, View]
    configured_k_min: int

    @property
    def synthetic(self) -> list[str]:
        """Inputs that are SYNTHETIC demo data."""
        return list(self.metadata.get("synthetic_inputs", []))

    @property
    def k_min(self) -> int:
        """Smallest incident count shown (smaller ones are suppressed)."""
        privacy = self.metadata.get("incidents_privacy", {})
        if isinstance(privacy, dict):
            return int(privacy.get("k_min", self.configured_k_min))
        return self.configured_k_min

    @property
    def warnings(self) -> list[str]:
        """What the run left out, clipped or renamed (the CLI prints the same lines)."""
        notes = self.metadata.get("input_notes", {})
        lines = [f"{k}: {v}" for k, v in notes_summary(notes).items()] if notes else []
        return [str(w) for w in self.metadata.get("warnings", [])] + lines

    def layer(self, name: str) -> pd.DataFrame | None:
        """A table of the run, or None when the run did not produce it."""
        return self.layers.get(name)


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _view(frame: gpd.GeoDataFrame, columns: Sequence[str], id_column: str, kind: str) -> View:
    shown = display_frame(frame, columns, tolerance_m=1.0, decimals=5)
    ids = [f"{kind}:{v}" for v in frame[id_column].to_numpy()]
    return View(shown, geometry_json(shown), ids)


def read_run(folder: Path, *, k_min: int) -> Analysis:
    """Read a finished run's GeoPackage back: every table, the metadata and the map views.

    Parameters
    ----------
    folder
        The run's output folder.
    k_min
        The run configuration's ``incidents.k_min``.
    """
    gpkg = folder / GPKG_NAME
    layers = {
        str(name): pyogrio.read_dataframe(gpkg, layer=str(name), use_arrow=True)
        for name, _ in pyogrio.list_layers(gpkg)
    }
    metadata = {k: _decode(v) for k, v in read_metadata(gpkg).items()}
    views = {"segments": _view(layers["street_segments"], _SEGMENT_SHOWN, "segment_id", "segment")}
    views["areas"] = _view(layers["areas"], _AREA_SHOWN, "area_id", "area")
    if "incident_hotspots" in layers:
        views["hotspots"] = _view(
            layers["incident_hotspots"],
            ["area_id", "name", "hotspot_class", "hotspot_gi_z"],
            "area_id",
            "hotspot",
        )
    if "dark_paths" in layers:
        views["dark_paths"] = _view(
            layers["dark_paths"],
            ["dark_rank", "space_name", "light_lux_mean", "light_evidence"],
            "dark_rank",
            "dark",
        )
    return Analysis(folder, layers, metadata, views, configured_k_min=k_min)
