"""The Map page's map as a Streamlit component (the browser side is
``static/safespaces-map/map.js``).

Each run gets a component of its own whose folder is the run's ``.webmap``
(:func:`safespaces_app.mapdata.write_client`): its ``index.html`` and the map document,
which the frame fetches once (the browser caches it: its name holds its hash). At every
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

from safespaces_app import mapdata
from safespaces_app.results import Analysis

#: Prefix of the component's name (the map's frame has the title
#: ``safespaces_app.mapwidget.<prefix><hash of the run folder>``).
NAME_PREFIX = "safespaces_map_"
#: The session-state key of the map's value.
KEY = "map"


@st.cache_resource(show_spinner=False, max_entries=8)
def _client(folder: str, _data: Analysis) -> tuple[str, str]:
    """Write the run's map page and document once per run folder: ``(root, file name)``."""
    root, name = mapdata.write_client(Path(folder), _data.layers)
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


def live_map(data: Analysis, args: Mapping[str, Any]) -> object:
    """Draw the map; returns the last click the map reported (or None)."""
    root, _ = document(data)
    render = _component(root)
    return render(**dict(args), key=KEY, default=None)
