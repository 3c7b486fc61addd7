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
import json
import logging
import os
import re
import shutil
import tempfile
import threading
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
from safespaces.errors import InputError
from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import FAMILIES, PRESETS, composite
from safespaces.io import GPKG_NAME, atomic_path, read_metadata
from safespaces.mix.whatif import what_if
from safespaces.pipeline import run
from safespaces.safety import Limits, sniff
from safespaces.study import Inputs, Study, load_study, notes_summary
from safespaces.webmap import display_frame, geometry_json

LOG = logging.getLogger("safespaces.app")
CACHE_ROOT = Path(tempfile.gettempdir()) / "safespaces-app"
#: Largest upload accepted, in MB: the app's ceiling; :func:`upload_limit_mb` also applies
#: ``server.maxUploadSize`` and the library's ``Limits.max_table_mb``.
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

    @property
    def warnings(self) -> list[str]:
        """What the run left out, clipped or renamed (the CLI prints the same lines)."""
        notes = self.metadata.get("input_notes", {})
        lines = [f"{k}: {v}" for k, v in notes_summary(notes).items()] if notes else []
        return [str(w) for w in self.metadata.get("warnings", [])] + lines

    def layer(self, name: str) -> pd.DataFrame | None:
        """A table of the run, or None when the run did not produce it."""
        return self.layers.get(name)


_UPLOADED: set[Path] = set()
#: Sessions using each upload (see :func:`use_inputs`).
_REFS: dict[Path, int] = {}
_LOCK = threading.RLock()


def _cleanup() -> None:
    """Remove the files this process uploaded."""
    with _LOCK:
        _REFS.clear()
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


#: ``0`` runs the default's analysis afresh at every server start (no run kept on disk).
DISK_CACHE_ENV = "SAFESPACES_APP_DISK_CACHE"
#: Runs of the default kept on disk (older ones are removed).
KEEP_DEFAULT_RUNS = 3
_COMPLETE = ".complete"


def content_key(inputs: Inputs, config_json: str) -> str:
    """Hash of everything a run's result depends on: the bytes of the input files, the
    configuration, and the library's version and source code."""
    digest = hashlib.sha256(config_json.encode())
    digest.update(safespaces.__version__.encode())
    resolved = inputs.resolved()
    for field in dataclasses.fields(Inputs):
        value = getattr(resolved, field.name)
        digest.update(field.name.encode())
        if isinstance(value, Path) and value.is_file():
            digest.update(value.read_bytes())
        else:
            digest.update(repr(value).encode())
    source = Path(safespaces.__file__).resolve().parent
    for path in sorted(source.rglob("*.py")):
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _default_run(config_json: str, config: Config) -> Path:
    """The run of the embedded default, kept on disk across server restarts.

    Keyed by :func:`content_key` (a changed input, configuration or library gives a new
    run). Written to a temporary folder and renamed into place when complete, so a run
    interrupted half-way is never reused. Only the default (shipped data) is kept: runs
    of uploads are removed when the server stops.
    """
    runs = CACHE_ROOT / "runs"
    folder = runs / f"default-{content_key(Inputs(), config_json)}"
    if (folder / _COMPLETE).is_file():
        return folder
    tmp = Path(tempfile.mkdtemp(prefix=".default-", dir=runs))
    try:
        run(Inputs(), config, tmp)
        (tmp / _COMPLETE).write_text(config_json)
        try:
            os.rename(tmp, folder)
        except OSError:  # another server finished the same run first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = sorted(
        (p for p in runs.glob("default-*") if p != folder),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in old[KEEP_DEFAULT_RUNS - 1 :]:
        shutil.rmtree(stale, ignore_errors=True)
    return folder


@st.cache_resource(show_spinner=False, max_entries=4)
def analysis(inputs: Inputs, config_json: str, _config: Config) -> Analysis:
    """Run the pipeline once per (inputs, configuration) and read its layers back.

    ``_config`` is not hashed; ``config_json`` (its JSON) is the cache key.
    """
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    (CACHE_ROOT / "runs").mkdir(exist_ok=True)
    if inputs == Inputs() and os.environ.get(DISK_CACHE_ENV, "1") != "0":
        folder = _default_run(config_json, _config)
    else:  # uploads: a folder of this server's only, removed when it stops
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


class UploadError(InputError):
    """An upload refused before any loader sees it (type, size or content).

    ``reason`` is ``"type"``, ``"size"``, ``"empty"`` or ``"content"``.
    """

    def __init__(self, reason: str, message: str, *, path: str | Path, fix: str) -> None:
        self.reason = reason
        super().__init__(message, path=path, fix=fix)


def upload_limit_mb() -> int:
    """Largest upload in MB: the smallest of the app's ceiling, ``server.maxUploadSize`` and
    the library's size limit (``SAFESPACES_MAX_TABLE_MB``)."""
    limits = [MAX_UPLOAD_MB, Limits.from_env().max_table_mb]
    with contextlib.suppress(Exception):  # outside a Streamlit server the option may be unset
        limits.append(int(st.get_option("server.maxUploadSize")))
    return max(min(limits), 0)


#: What :func:`safespaces.safety.sniff` must say for suffixes whose format has a signature.
_SIGNATURE = {
    "gpkg": "GeoPackage",
    "zip": "ZIP archive",
    "pbf": "OpenStreetMap PBF",
    "geojson": "JSON",
    "json": "JSON",
    "osm": "XML",
}
_FORMAT_NAME = {
    "gpkg": "a GeoPackage",
    "zip": "a zip archive",
    "pbf": "an OpenStreetMap PBF file",
    "geojson": "GeoJSON",
    "json": "GeoJSON",
    "osm": "OpenStreetMap XML",
}


def check_upload(kind: str, name: str, data: bytes) -> str:
    """Check an upload's type, size and content; return its suffix (lower case, no dot).

    The suffix must be one of :data:`UPLOAD_TYPES` for ``kind``; the size at most
    :func:`upload_limit_mb`; the first bytes (:func:`safespaces.safety.sniff`) must not
    show another format than the suffix says (a GeoPackage renamed ``.csv``, an HTML error
    page saved as ``.pbf``); a GeoPackage and a zip must carry their signature.

    Raises
    ------
    UploadError
        The reason, with the file name and the fix.
    """
    suffix = Path(name).suffix.lower().lstrip(".")
    allowed = UPLOAD_TYPES[kind]
    if suffix not in allowed:
        raise UploadError(
            "type",
            f"unsupported file type '.{suffix}' for the {kind} input",
            path=name,
            fix="upload one of " + ", ".join(f".{a}" for a in allowed),
        )
    limit = upload_limit_mb()
    if len(data) > limit * 1024 * 1024:
        raise UploadError(
            "size",
            f"the file size is {len(data) / 1024 / 1024:,.1f} MB, above the limit of {limit} MB",
            path=name,
            fix="clip the data to the study area first",
        )
    if not data:
        raise UploadError("empty", "the file is empty", path=name, fix="upload the file again")
    seen = sniff(data[:4096])
    if suffix in ("gpkg", "zip"):  # these must carry their signature
        wrong = seen is None or _SIGNATURE[suffix] not in seen
    else:  # unknown first bytes are left to the loader; another known format is not
        expected = _SIGNATURE.get(suffix)
        wrong = seen is not None and (expected is None or expected not in seen)
    if wrong:
        what = _FORMAT_NAME.get(suffix, f"a .{suffix} file")
        looks = f"it looks like {seen}" if seen else "its first bytes do not match"
        raise UploadError(
            "content",
            f"the content is not {what}: {looks}",
            path=name,
            fix=f"upload the original file, saved as {what}",
        )
    return suffix


def save_upload(kind: str, name: str, data: bytes) -> Path:
    """Check an upload (:func:`check_upload`) and keep it under the temp dir: a folder named
    by its content, the file by its own (sanitised) name, so messages name the user's file.

    The file counts as unused until :func:`use_inputs` takes it; :func:`discard` deletes
    unused files.

    Raises
    ------
    UploadError
        A type not accepted for ``kind``, a file over the size limit, or content that is
        not what its suffix says. Nothing is written then.
    """
    suffix = check_upload(kind, name, data)
    folder = CACHE_ROOT / "uploads" / hashlib.sha256(data).hexdigest()[:20]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._") or kind
    path = folder / f"{stem[:80]}.{suffix}"
    with _LOCK:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
        _UPLOADED.add(path)
    return path


def uploaded_paths(inputs: Inputs) -> list[Path]:
    """The files of ``inputs`` that are uploads (under the app's upload folder)."""
    paths = [getattr(inputs, f.name) for f in dataclasses.fields(Inputs) if f.name != "crs"]
    return [p for p in paths if isinstance(p, Path) and _is_upload(p)]


def _is_upload(path: Path) -> bool:
    return path.parent.parent == CACHE_ROOT / "uploads"


def use_inputs(session: Any, inputs: Inputs) -> None:
    """Make ``inputs`` the session's inputs; uploads no session uses any more are deleted.

    Uploads are shared between sessions (a folder per content), so each is counted per
    session that uses it.
    """
    old = session.get("inputs")
    new_paths = uploaded_paths(inputs)
    old_paths = uploaded_paths(old) if isinstance(old, Inputs) else []
    with _LOCK:
        for path in new_paths:
            _REFS[path] = _REFS.get(path, 0) + 1
        for path in old_paths:
            _REFS[path] = _REFS.get(path, 1) - 1
    session["inputs"] = inputs
    discard(old_paths)


def check_inputs(inputs: Inputs, config: Config) -> Study:
    """Read and validate every input (raises the library's ``SafespacesError``)."""
    return load_study(inputs, config)


def discard(paths: Sequence[Path]) -> None:
    """Delete uploaded files that no session uses (failed validation, replaced, reset)."""
    with _LOCK:
        for path in paths:
            if not _is_upload(path) or _REFS.get(path, 0) > 0:
                continue
            _REFS.pop(path, None)
            _UPLOADED.discard(path)
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()


# --- export ----------------------------------------------------------------------------------


def export_files(data: Analysis) -> list[Path]:
    """The run's files for download: GeoPackage, rasters with styles, project."""
    return sorted(p for p in data.folder.iterdir() if p.is_file() and not p.name.startswith("."))


#: Where the zip of a run is written (a hidden folder of the run: not itself exported).
EXPORT_DIR = ".export"


def export_zip(folder: str | Path) -> Path:
    """The whole output folder as one zip (a QGIS project with its data), built once.

    The zip is written to a temporary file beside its target and renamed over it only
    when complete (:func:`safespaces.io.atomic_path`): a failure while building it
    leaves no partial file, and a concurrent download never sees half a zip.
    """
    folder = Path(folder)
    target = folder / EXPORT_DIR / "safespaces.zip"
    with _LOCK:
        if target.is_file():
            return target
        with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    zf.write(path, f"safespaces/{path.name}")
    return target


def zip_bytes(folder: str) -> bytes:
    """The bytes of :func:`export_zip`."""
    return export_zip(folder).read_bytes()


atexit.register(_cleanup)
