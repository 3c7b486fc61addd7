"""Data access for the app: the only place that calls the analysis and caches.

One cached call per set of inputs and configuration runs the whole pipeline
(:func:`safespaces.pipeline.run`) into a per-run folder under the temp dir,
adds the QGIS package, and reads the layers back. Changing the hour or a
weight never reruns it: the hour picks a column ``eyes_hNN``, the weights go
through :func:`safespaces.indices.composite` on the stored ``score_*`` columns.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import streamlit as st

import safespaces
from safespaces.config import Config, load_config
from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import FAMILIES, PRESETS, composite
from safespaces.io import GPKG_NAME, read_metadata
from safespaces.mix.whatif import what_if
from safespaces.pipeline import Inputs, Study, load_study, run
from safespaces.webmap import display_frame, geometry_json

CACHE_ROOT = Path(tempfile.gettempdir()) / "safespaces-app"
#: Largest upload accepted, in MB (also ``server.maxUploadSize``).
MAX_UPLOAD_MB = 200
#: Accepted file types per input.
UPLOAD_TYPES: Mapping[str, tuple[str, ...]] = {
    "osm": ("osm", "pbf"),
    "lamps": ("csv", "tsv", "txt", "gpkg", "geojson", "json", "fgb", "zip"),
    "tenure": ("csv", "tsv", "txt", "gpkg", "geojson", "json", "fgb", "zip"),
    "incidents": ("csv", "tsv", "txt", "gpkg", "geojson", "json", "fgb", "zip"),
    "areas": ("gpkg", "geojson", "json", "fgb", "zip"),
}
SCORE_COLUMNS = [f"score_{f}" for f in FAMILIES]
_SEGMENT_SHOWN = [
    "segment_id",
    "name",
    "highway",
    "light_class",
    *HOUR_COLUMNS,
    *SCORE_COLUMNS,
    "safe_space_score",
]
_AREA_SHOWN = ["area_id", "name", "mix_entropy", *SCORE_COLUMNS, "safe_space_score"]


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
    """

    folder: Path
    layers: dict[str, pd.DataFrame]
    metadata: dict[str, Any]
    views: dict[str, View]

    @property
    def synthetic(self) -> list[str]:
        """Inputs that are SYNTHETIC demo data."""
        return list(self.metadata.get("synthetic_inputs", []))

    @property
    def k_min(self) -> int:
        """Smallest incident count shown (smaller ones are suppressed)."""
        privacy = self.metadata.get("incidents_privacy", {})
        return int(privacy.get("k_min", 5)) if isinstance(privacy, dict) else 5

    def layer(self, name: str) -> pd.DataFrame | None:
        """A table of the run, or None when the run did not produce it."""
        return self.layers.get(name)


_UPLOADED: set[Path] = set()


def _cleanup() -> None:
    """Remove the files this process uploaded."""
    discard(sorted(_UPLOADED))


def run_key(inputs: Inputs, config_json: str) -> str:
    """Short hash of what determines a run."""
    text = json.dumps([repr(inputs), config_json, safespaces.__version__])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _view(frame: gpd.GeoDataFrame, columns: Sequence[str], id_column: str, kind: str) -> View:
    shown = display_frame(frame, columns, tolerance_m=1.0, decimals=5)
    ids = [f"{kind}:{v}" for v in frame[id_column].to_numpy()]
    return View(shown, geometry_json(shown), ids)


@st.cache_resource(show_spinner=False, max_entries=4)
def analysis(inputs: Inputs, config_json: str, _config: Config) -> Analysis:
    """Run the pipeline once per (inputs, configuration) and read its layers back.

    ``_config`` is not hashed; ``config_json`` (its JSON) is the cache key.
    """
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    (CACHE_ROOT / "runs").mkdir(exist_ok=True)
    folder = Path(
        tempfile.mkdtemp(prefix=run_key(inputs, config_json) + "-", dir=CACHE_ROOT / "runs")
    )
    atexit.register(shutil.rmtree, folder, True)
    run(inputs, _config, folder)  # writes the GeoPackage, rasters and the QGIS project
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
    return Analysis(folder, layers, metadata, views)


def current_inputs() -> Inputs:
    """The session's inputs (the embedded Helsinki default until files are uploaded)."""
    value = st.session_state.get("inputs")
    return value if isinstance(value, Inputs) else Inputs()


#: Configuration file of the app: ``$SAFESPACES_CONFIG``, else ``safespaces.toml`` beside app.py.
CONFIG_ENV = "SAFESPACES_CONFIG"


@st.cache_resource(show_spinner=False)
def site_config(path: str) -> Config:
    """The site's configuration file (cached per path; defaults when absent)."""
    return load_config(path) if path and Path(path).is_file() else Config()


def current_config() -> Config:
    """The session's configuration: the site's TOML file (``SAFESPACES_CONFIG`` or
    ``safespaces.toml`` beside app.py, e.g. for ``[app] basemap_url``), else the defaults."""
    value = st.session_state.get("config")
    if isinstance(value, Config):
        return value
    default = Path(__file__).resolve().parent.parent / "safespaces.toml"
    return site_config(os.environ.get(CONFIG_ENV, str(default)))


def load() -> Analysis:
    """The analysis of the session's inputs (cached; runs at most once per inputs)."""
    config = current_config()
    return analysis(current_inputs(), config.to_json(), config)


def weights() -> dict[str, float]:
    """The session's family weights (balanced until changed)."""
    stored = st.session_state.get("weights")
    return dict(stored) if isinstance(stored, dict) else dict(PRESETS["balanced"])


def with_score(frame: pd.DataFrame, family_weights: Mapping[str, float]) -> pd.DataFrame:
    """``frame`` with ``safe_space_score`` / ``safe_space_parts`` recomputed for the weights."""
    scores = frame[[c for c in SCORE_COLUMNS if c in frame.columns]]
    out = frame.drop(columns=["safe_space_score", "safe_space_parts"], errors="ignore")
    return out.join(composite(scores, family_weights))


# --- what-if ---------------------------------------------------------------------------------


def tenure_groups(config: Config) -> list[str]:
    """The ``tenure_<code>`` count columns of the configured taxonomy."""
    return [f"tenure_{code}" for code in config.sources.tenure_categories]


@st.cache_data(show_spinner=False, max_entries=64)
def what_if_table(
    inputs: Inputs,
    config_json: str,
    area_id: int,
    dwellings: tuple[tuple[str, int], ...],
    _data: Analysis,
    _config: Config,
) -> pd.DataFrame:
    """Before/after scores of a development of ``dwellings`` placed in area ``area_id``.

    Areas whose counts are suppressed (too few dwellings) are left out: their
    counts are not in the output.
    """
    groups = tenure_groups(_config)
    areas = _data.layers["areas"]
    known = areas.dropna(subset=groups)
    where = known[known["area_id"] == area_id]
    development = gpd.GeoDataFrame(
        {g: [float(dict(dwellings).get(g, 0))] for g in groups},
        geometry=[where.geometry.iloc[0].representative_point()],
        crs=areas.crs,
    )
    return what_if(known, development, groups, params=_config.mix, id_column="area_id")


# --- uploads ---------------------------------------------------------------------------------


def save_upload(kind: str, name: str, data: bytes) -> Path:
    """Keep an uploaded file under the temp dir: a folder named by its content, the file by
    its own (sanitised) name, so validation messages name the user's file.

    Raises
    ------
    ValueError
        Unknown kind, a type not accepted for it, or a file over the size limit.
    """
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES[kind]:
        raise ValueError(f"type .{suffix}")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise ValueError("size")
    folder = CACHE_ROOT / "uploads" / hashlib.sha256(data).hexdigest()[:20]
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._") or kind
    path = folder / f"{stem[:80]}.{suffix}"
    if not path.exists():
        path.write_bytes(data)
        _UPLOADED.add(path)
    return path


def check_inputs(inputs: Inputs, config: Config) -> Study:
    """Read and validate every input (raises the library's ``SafespacesError``)."""
    return load_study(inputs, config)


def discard(paths: Sequence[Path]) -> None:
    """Delete uploaded files that failed validation."""
    for path in paths:
        if path.parent.parent == CACHE_ROOT / "uploads":
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()


# --- export ----------------------------------------------------------------------------------


def export_files(data: Analysis) -> list[Path]:
    """The run's files for download: GeoPackage, rasters with styles, project."""
    return sorted(p for p in data.folder.iterdir() if p.is_file() and not p.name.startswith("."))


@st.cache_data(show_spinner=False, max_entries=4)
def zip_bytes(folder: str) -> bytes:
    """The whole output folder as one zip (a QGIS project with its data)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).iterdir()):
            if path.is_file():
                archive.write(path, f"safespaces/{path.name}")
    return buffer.getvalue()


atexit.register(_cleanup)
