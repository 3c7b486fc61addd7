"""The Map page's map as a Streamlit component (the browser side is
``static/safespaces-map/map.js``).

Each run gets a component of its own whose folder is the run's ``.webmap``
(:func:`safespaces_app.maptiles.write_client`): its ``index.html`` and the map document,
which the frame fetches once (the browser caches it: its name holds its hash), and for a
whole city its tiles. An opened output folder is the analyst's and never written to: its
``.webmap`` is a folder of the app's cache (:func:`map_folder`), kept across restarts of
the server so that a whole city is encoded once. At every
script run the component gets only small arguments (:func:`safespaces_app.mapview.client_args`);
the hour, the layers, zoom and pan live in the browser and never rerun the script. A click
on a feature reruns it with ``{kind, id, hour, n}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from safespaces.io import GPKG_NAME
from safespaces_app import mapdata, maptiles
from safespaces_app.diskcache import CACHE_ROOT, RUNS_DIR
from safespaces_app.results import Analysis

#: Prefix of the component's name (the map's frame has the title
#: ``safespaces_app.mapwidget.<prefix><hash of the run folder>``).
NAME_PREFIX = "safespaces_map_"
#: The session-state key of the map's value.
KEY = "map"
#: Where the map documents of opened output folders are written (the app never writes
#: into those).
OPENED_MAPS = CACHE_ROOT / "maps"


def map_folder(folder: Path) -> tuple[Path, str]:
    """The folder that holds a run's ``.webmap`` and the key of its documents
    (:func:`safespaces_app.maptiles.write_client`).

    A run of the app's own (under :data:`~safespaces_app.diskcache.RUNS_DIR`) holds its
    map itself; an opened output folder gets a folder of the app's cache named by the
    folder and its run. The key is the GeoPackage's identity (inode, size, time) and the
    code of :mod:`safespaces_app.mapdata` and :mod:`safespaces_app.maptiles`, so a new run
    or a new encoding writes anew.
    """
    folder = folder.resolve()
    gpkg = (folder / GPKG_NAME).stat()
    code = hashlib.sha256(
        b"".join(Path(m.__file__).read_bytes() for m in (mapdata, maptiles) if m.__file__)
    ).hexdigest()[:12]
    key = f"{gpkg.st_ino}-{gpkg.st_size}-{gpkg.st_mtime_ns}-{code}"
    if folder.is_relative_to(RUNS_DIR.resolve()):
        return folder, key
    name = hashlib.sha256(f"{folder}\0{gpkg.st_ino}-{gpkg.st_size}-{gpkg.st_mtime_ns}".encode())
    return OPENED_MAPS / name.hexdigest()[:20], key


@st.cache_resource(show_spinner=False, max_entries=8)
def _client(folder: str, _data: Analysis) -> tuple[str, str]:
    """Write the run's map page and document once per run folder: ``(root, file name)``."""
    target, key = map_folder(Path(folder))
    root, name = maptiles.write_client(target, _data.layers, key=key)
    return str(root), name


def _component(root: str) -> Callable[..., Any]:
    name = NAME_PREFIX + hashlib.sha256(root.encode()).hexdigest()[:12]
    return components.declare_component(name, path=root)


def document(data: Analysis) -> tuple[str, str]:
    """The run's map folder and document name (written on first use, and again if the
    folder was removed meanwhile, e.g. an old run of the default cleared from disk)."""
    root, name = _client(str(data.folder), data)
    if not (Path(root) / name).is_file():
        _client.clear()
        root, name = _client(str(data.folder), data)
    return root, name


def live_map(data: Analysis, args: Mapping[str, Any], *, key: str = KEY) -> object:
    """Draw the map; returns the last click the map reported (or None). ``key``: the
    session-state key of its value (another page's map keeps its own)."""
    root, _ = document(data)
    render = _component(root)
    return render(**dict(args), key=key, default=None)
