"""One run's results as the pages read them: its tables and metadata (the map's document is
:mod:`safespaces_app.mapdata`)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from safespaces.io import GPKG_NAME, read_metadata
from safespaces.study import notes_summary


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
    configured_k_min
        The run configuration's ``incidents.k_min`` (what :attr:`k_min` falls back to when
        the run has no incident metadata).
    """

    folder: Path
    layers: dict[str, pd.DataFrame]
    metadata: dict[str, Any]
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


#: Columns no page of the app shows, per table: left in the GeoPackage and not read back.
#: ``street_segments``: the per-hour activity and the incident counts by month, category,
#: weekday and time of day, with their suppression flags (76 of its 142 columns; on the tiled
#: 10 x 10 city, 508,840 segments, reading the rest takes 3-5 s instead of 11-17 s).
UNREAD_COLUMNS: dict[str, re.Pattern[str]] = {
    "street_segments": re.compile(
        r"eyes_active_h\d\d"
        r"|incidents_(month|cat|weekday|weekend|week_unknown|hour_unknown|day|evening|night)"
        r"(_\w+)?"
    ),
}


def read_columns(gpkg: Path, layer: str) -> list[str] | None:
    """The columns of ``layer`` the app reads (None: all), see :data:`UNREAD_COLUMNS`."""
    pattern = UNREAD_COLUMNS.get(layer)
    if pattern is None:
        return None
    fields = pyogrio.read_info(gpkg, layer=layer)["fields"]
    return [str(f) for f in fields if not pattern.fullmatch(str(f))]


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def read_run(folder: Path, *, k_min: int) -> Analysis:
    """Read a finished run's GeoPackage back: every table (without the columns no page
    shows, :data:`UNREAD_COLUMNS`) and the metadata.

    Parameters
    ----------
    folder
        The run's output folder.
    k_min
        The run configuration's ``incidents.k_min``.
    """
    gpkg = folder / GPKG_NAME
    layers = {
        str(name): pyogrio.read_dataframe(
            gpkg, layer=str(name), columns=read_columns(gpkg, str(name)), use_arrow=True
        )
        for name, _ in pyogrio.list_layers(gpkg)
    }
    metadata = {k: _decode(v) for k, v in read_metadata(gpkg).items()}
    return Analysis(folder, layers, metadata, configured_k_min=k_min)
