"""A printed map: one view of a run's layers on paper, as PNG or PDF (:func:`print_map`).

The layout holds what a map needs away from the screen: a title (the measure, the hour of
an hourly measure), the study and the date of the run, the map clipped to the view over a
basemap drawn from the study's own OpenStreetMap layers (buildings, parks and squares,
street names on close views; no tiles are fetched), the complete legend (the catalogue's
classes and colours, as in the app and the QGIS styles, with "no data" and "suppressed"),
a scale bar, a north arrow, the data sources with their licences, and a large diagonal
SYNTHETIC watermark over the map when any input of the run is synthetic (as the app's
banner). Texts are in English, Finnish or Swedish (:mod:`safespaces.printing.texts`).

The map is drawn in the run's metric CRS, so the scale bar is a length on the ground: its
length on paper is the ground length times the CRS's point scale factor at the centre of
the view (``pyproj.Geod``), and the north arrow points to true north there. Drawing uses
matplotlib's object API (``matplotlib.figure.Figure``; never pyplot's global state), so
it is safe in a server thread. matplotlib is the ``print`` extra (also in ``app``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safespaces.lazy import exports

if TYPE_CHECKING:
    from safespaces.printing.layout import DEFAULT_HOUR, MapLayout, MapSource
    from safespaces.printing.legend import LAYERS, LegendBlock
    from safespaces.printing.maps import FORMATS, map_layout, print_map, write_map
    from safespaces.printing.view import PAPERS

__all__ = [
    "DEFAULT_HOUR",
    "FORMATS",
    "LAYERS",
    "PAPERS",
    "LegendBlock",
    "MapLayout",
    "MapSource",
    "map_layout",
    "print_map",
    "write_map",
]

# imported when first used: the words (safespaces.printing.texts) need no matplotlib
__getattr__, __dir__ = exports(
    __name__,
    {
        "safespaces.printing.layout": ("DEFAULT_HOUR", "MapLayout", "MapSource"),
        "safespaces.printing.legend": ("LAYERS", "LegendBlock"),
        "safespaces.printing.maps": ("FORMATS", "map_layout", "print_map", "write_map"),
        "safespaces.printing.view": ("PAPERS",),
    },
)
