"""Web helpers of the app: legend classes and colours, escaping, the optional basemap.

Colours and legends come from :mod:`safespaces.catalogue`, so the web map and the QGIS
styles never drift; text from the data is escaped before it reaches HTML or Markdown.
The Map page's map itself is drawn in the browser (:mod:`safespaces_app.mapdata`,
``static/safespaces-map/map.js``). No Streamlit here.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from safespaces.catalogue import CATALOGUE, GREY, SCORE_CLASSES, Layer, StyleClass

#: Environment variables of the optional basemap (a tile URL template and its attribution).
BASEMAP_URL_ENV = "SAFESPACES_BASEMAP_URL"
BASEMAP_ATTRIBUTION_ENV = "SAFESPACES_BASEMAP_ATTRIBUTION"
#: Catalogue entry of the composite score (falls back to its 0-100 classes).
SCORE_LAYER = "street_safe_space_score"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]()<>!$~|#{}:@])")
_WWW = re.compile(r"(www)\.", re.IGNORECASE)


def escape_markdown(text: object) -> str:
    """``text`` for a Streamlit element that renders Markdown (``st.error``, ``st.subheader``,
    ``st.caption`` ...): backslash-escapes what could make a link, an image (a request to
    another server), HTML, a heading, LaTeX or a Streamlit directive out of data text
    (``:`` and ``@`` and ``www.`` too: GitHub-style Markdown turns bare addresses into links).
    """
    return _WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)))


def catalogue_classes(layer_name: str) -> tuple[StyleClass, ...]:
    """The legend classes of a catalogue layer (the composite score falls back to 0-100)."""
    entry = CATALOGUE.get(layer_name)
    if isinstance(entry, Layer) and entry.style is not None:
        return entry.style.classes
    if layer_name == SCORE_LAYER:
        return SCORE_CLASSES
    raise KeyError(f"{layer_name} has no style in the catalogue")


def legend_entries(layer_name: str) -> list[tuple[str, str]]:
    """``(label, colour)`` pairs of a layer's legend, from the catalogue."""
    return [(c.label, c.colour) for c in catalogue_classes(layer_name) if c.label]


def class_colours(classes: Iterable[StyleClass], values: pd.Series) -> pd.Series:
    """Colour of each value by catalogue classes (categories or ``(lower, upper]`` ranges),
    as the map's code (``static/safespaces-map/map.js``) colours them.

    The first range includes its lower edge; values outside every class and
    NULL get the catch-all class's colour (grey when there is none).
    """
    classes = tuple(classes)
    fallback = next((c.colour for c in classes if c.value is None), GREY)
    ranges = [c for c in classes if isinstance(c.value, tuple)]
    if ranges:
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        out = np.full(len(x), fallback, dtype=object)
        for i, c in reversed(list(enumerate(ranges))):
            assert isinstance(c.value, tuple)
            lo, hi = c.value
            hit = (x <= hi) & ((x >= lo) if i == 0 else (x > lo))
            out[hit] = c.colour
        return pd.Series(out, index=values.index)
    lookup = {str(c.value): c.colour for c in classes if c.value is not None}
    return values.map(lambda v: lookup.get(str(v), fallback) if pd.notna(v) else fallback)


def basemap_from_env(url: str = "", attribution: str = "") -> tuple[str | None, str]:
    """The optional basemap ``(url, attribution)``: the config's ``[app]`` values, else the
    environment (``SAFESPACES_BASEMAP_URL``); none by default."""
    chosen = url or os.environ.get(BASEMAP_URL_ENV) or None
    return chosen, attribution or os.environ.get(BASEMAP_ATTRIBUTION_ENV, "")


def html_legend(
    title: str, entries: Mapping[str, str] | Sequence[tuple[str, str]], *, polygon: bool = False
) -> str:
    """A small HTML legend (no branca colormap: it loads d3 from a CDN); text is escaped."""
    escape = html.escape
    pairs = list(entries.items()) if isinstance(entries, Mapping) else list(entries)
    height = "10px" if polygon else "4px"
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:{height};'
        f'background:{escape(color)};margin-right:6px;vertical-align:middle"></span>'
        f"{escape(label)}</div>"
        for label, color in pairs
    )
    return f'<div style="font-size:0.85em;margin-bottom:0.6em"><b>{escape(title)}</b>{rows}</div>'


__all__ = [
    "BASEMAP_ATTRIBUTION_ENV",
    "BASEMAP_URL_ENV",
    "basemap_from_env",
    "catalogue_classes",
    "class_colours",
    "escape_markdown",
    "html_legend",
    "legend_entries",
]
