"""The page and the view of a printed map: paper sizes, the map frame, the view fitted to
it in the run's metric CRS, the scale bar's length and true north, features cut to the
view, street-name labels."""

from __future__ import annotations

import math
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from safespaces.errors import InputError
from safespaces.printing import texts as words

#: A rectangle ``(x, y, width, height)`` or an extent ``(xmin, ymin, xmax, ymax)``.
Box = tuple[float, float, float, float]
#: Paper sizes (width, height) in millimetres (ISO 216).
PAPERS: Mapping[str, tuple[float, float]] = {
    "A4 landscape": (297.0, 210.0),
    "A4 portrait": (210.0, 297.0),
    "A3 landscape": (420.0, 297.0),
    "A3 portrait": (297.0, 420.0),
}
MM_PER_INCH = 25.4
#: Points (1/72 inch: font sizes, line widths) per millimetre.
PT_PER_MM = 72.0 / MM_PER_INCH
#: The page's parts (mm): margin, title band, footer, legend column (landscape), gaps.
MARGIN, TITLE_H, FOOTER_H, LEGEND_W, GAP = 10.0, 15.0, 17.0, 64.0, 5.0
#: Street names are written on views at most this wide (metres).
LABEL_MAX_VIEW_M = 2500.0
#: Size of the street names (points).
STREET_LABEL_PT = 5.5


def metric_crs(segments: pd.DataFrame) -> CRS:
    """The run's CRS, which must be projected in metres (the scale bar measures in it)."""
    crs = getattr(segments, "crs", None)
    if crs is None or not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise InputError(
            f"the layers are in {getattr(crs, 'name', 'no CRS')}, not a projected CRS in metres",
            fix="print a run of safespaces (its layers are in the study's metric CRS)",
        )
    return CRS.from_user_input(crs)


def fit_view(
    bounds: tuple[float, float, float, float] | None,
    bounds_crs: str | None,
    crs: CRS,
    study: np.ndarray,
    aspect: float,
) -> tuple[float, float, float, float]:
    """The view in ``crs``: ``bounds`` (or the study with a 3 % margin) grown to ``aspect``."""
    if bounds is None:
        x0, y0, x1, y1 = (float(v) for v in study)
        pad = 0.03 * max(x1 - x0, y1 - y0, 50.0)
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    else:
        west, south, east, north = (float(v) for v in bounds)
        if not (west < east and south < north) or not all(map(math.isfinite, bounds)):
            raise InputError(
                f"the view {tuple(bounds)} is empty",
                fix="give bounds as west, south, east, north (west < east, south < north)",
            )
        source = CRS.from_user_input(bounds_crs) if bounds_crs else crs
        x0, y0, x1, y1 = Transformer.from_crs(source, crs, always_xy=True).transform_bounds(
            west, south, east, north, densify_pts=21
        )
        sx0, sy0, sx1, sy1 = (float(v) for v in study)
        if x0 > sx1 or x1 < sx0 or y0 > sy1 or y1 < sy0:
            raise InputError(
                f"the view {tuple(bounds)} lies outside the study area",
                fix="give bounds inside the study area (in longitude and latitude unless "
                "another CRS is given)",
            )
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    w, h = max(w, h * aspect), max(h, w / aspect)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def ground_factors(crs: CRS, extent: tuple[float, float, float, float]) -> tuple[float, float]:
    """Point scale factor (grid metres per ground metre) and true north (degrees clockwise
    from grid north) at the centre of ``extent``."""
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    geod = crs.get_geod() or Geod(ellps="WGS84")
    d = 100.0
    lons, lats = to_ll.transform([cx - d, cx + d], [cy, cy])
    ground = geod.inv(lons[0], lats[0], lons[1], lats[1])[2]
    lon, lat = to_ll.transform(cx, cy)
    nx, ny = to_xy.transform(lon, lat + 0.001)
    return 2 * d / ground, math.degrees(math.atan2(nx - cx, ny - cy))


def nice_length(ground_width_m: float) -> float:
    """The longest 1-2-5 length (metres) of at most a quarter of the view's width."""
    target = ground_width_m / 4
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def scale_label(metres: float, lang: str) -> str:
    """``200 m``, ``2 km``, ``1,5 km`` (numbers as ``lang`` writes them)."""
    if metres >= 1000:
        km = metres / 1000
        return f"{words.number(km, lang, 0 if km == int(km) else 1)} km"
    return f"{words.number(metres, lang, 0 if metres >= 1 else 1)} m"


def clip(frame: pd.DataFrame, extent: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """The features that meet the view (a little beyond it), cut to it."""
    assert isinstance(frame, gpd.GeoDataFrame)
    x0, y0, x1, y1 = extent
    pad = 0.02 * (x1 - x0)
    hits = frame.sindex.query(shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    part = frame.iloc[np.sort(hits)]
    geoms = shapely.clip_by_rect(part.geometry.to_numpy(), x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    keep = ~shapely.is_empty(geoms)
    return gpd.GeoDataFrame(part[keep].drop(columns="geometry"), geometry=geoms[keep], crs=part.crs)


def street_labels(
    segments: gpd.GeoDataFrame, extent: tuple[float, float, float, float]
) -> list[tuple[float, float, float, str]]:
    """``(x, y, angle, name)``: each name once, on its longest piece in view (>= 40 m)."""
    if "name" not in segments or extent[2] - extent[0] > LABEL_MAX_VIEW_M or segments.empty:
        return []
    lines = segments[segments.geom_type == "LineString"]
    named = lines[lines["name"].map(lambda v: isinstance(v, str) and bool(v.strip()))]
    if named.empty:
        return []
    length = pd.Series(shapely.length(named.geometry.to_numpy()), index=named.index)
    best = length[length >= 40].groupby(named["name"]).idxmax()
    out = []
    for name, index in best.items():
        geom = named.geometry.loc[index]
        a, m, b = (geom.interpolate(f, normalized=True) for f in (0.4, 0.5, 0.6))
        angle = math.degrees(math.atan2(b.y - a.y, b.x - a.x))
        angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
        out.append((m.x, m.y, angle, str(name)))
    return out


def page_boxes(paper: tuple[float, float]) -> tuple[Box, Box]:
    """The map frame and the legend area ``(x, y, w, h)`` in mm."""
    w, h = paper
    bottom, top = MARGIN + FOOTER_H, h - MARGIN - TITLE_H
    if w >= h:
        map_w = w - 2 * MARGIN - LEGEND_W - GAP
        return (MARGIN, bottom, map_w, top - bottom), (
            MARGIN + map_w + GAP,
            bottom,
            LEGEND_W,
            top - bottom,
        )
    legend_h = 0.27 * (top - bottom)
    return (MARGIN, bottom + legend_h + GAP, w - 2 * MARGIN, top - bottom - legend_h - GAP), (
        MARGIN,
        bottom,
        w - 2 * MARGIN,
        legend_h,
    )
