"""Areas: the user's district polygons, or a default 250 m grid.

The default grid has cells aligned to multiples of the cell size in the metric
CRS (as Statistics Finland's and HSY's grids are in EPSG:3067 / 3879), covering
every street segment, and only the cells that hold the network (a street segment
or a building: :func:`network_grid`). Each cell is labelled with the OSM neighbourhood it falls in
(``place``): the nearest ``place=suburb|quarter|neighbourhood`` node (a Voronoi assignment,
since the extract's neighbourhood boundary relations are clipped), and named uniquely by
that place and a number within it (``Kluuvi 3``: :func:`numbered_names`).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from safespaces.errors import InputError
from safespaces.sources.columns import ColumnRule, own_columns
from safespaces.sources.tabular import VECTOR_SUFFIXES, Source, frame_label, open_source, parse_crs
from safespaces.sources.vector import check_geometries

#: Columns detected as the areas' names (any case spelling), first found wins: English,
#: Finnish, Swedish, Norwegian/Danish, census and open-data spellings, then an ``id``.
NAME_COLUMNS = (
    "name",
    "nimi",
    "namn",
    "navn",
    "name_fi",
    "nimi_fi",
    "name_en",
    "area_name",
    "district",
    "district_name",
    "neighbourhood",
    "neighborhood",
    "label",
    "id",
)
#: Most cells of a default grid (``SAFESPACES_MAX_GRID_CELLS``): 100,000 cells of 250 m
#: cover 6,250 km2, a study of about 80 x 80 km.
MAX_GRID_CELLS = 100_000
#: Areas reaching further than this (or than the study's span, if larger) beyond the
#: study box are clipped to the study box grown by that much.
AREA_SLACK_M = 20_000.0


def grid_budget() -> int:
    """:data:`MAX_GRID_CELLS`, or the environment variable ``SAFESPACES_MAX_GRID_CELLS``."""
    value = os.environ.get("SAFESPACES_MAX_GRID_CELLS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else MAX_GRID_CELLS


def grid_cell_count(bounds: tuple[float, float, float, float], size_m: float) -> int:
    """Cells of the grid :func:`grid_areas` would make over ``bounds`` (computed, not built)."""
    if not (all(math.isfinite(v) for v in (*bounds, size_m)) and size_m > 0):
        raise InputError(
            f"cannot make a grid of {size_m} m cells over {bounds}",
            fix="give finite bounds and a positive sources.grid_size_m",
        )
    nx = max(math.ceil(bounds[2] / size_m) - math.floor(bounds[0] / size_m), 0)
    ny = max(math.ceil(bounds[3] / size_m) - math.floor(bounds[1] / size_m), 0)
    return nx * ny


#: The areas layer's names: the user's own columns of these names (or with these
#: prefixes, which later stages add) are kept as ``user_<name>``; a unique ``area_id``
#: in any spelling is the id, and a ``name`` in any spelling the name.
AREA_RULE = ColumnRule(
    ours=("residents_est", "dwellings", "grid_id", "place"),
    shared=("name",),
    prefixes=("tenure_", "mix_", "incidents_", "score_", "safe_space_"),
    id_column="area_id",
    id_target="area_id",
)


def read_areas(
    path: Source,
    *,
    crs: str | CRS | None = None,
    counts: Sequence[str] = (),
    name_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read the user's area polygons (a vector file, or a GeoDataFrame given in code),
    keeping their attributes and order.

    The file's own ``area_id`` (in any case spelling) is the id; it must be
    unique and complete. Without one, ``area_id`` 0..n-1 is added. ``name`` is
    the file's ``name`` (in any spelling: a census ``NAME`` becomes ``name``), else
    a copy of the first name-like column (:data:`NAME_COLUMNS`: ``nimi``, ``namn``,
    ``navn`` ... ``id``), else the id; ``name_column`` (``--area-name-col``) names
    the column to copy instead.
    The other attributes keep their names, except where they would clash with
    a column of ours (:data:`AREA_RULE`: ``user_<name>``, recorded in
    ``attrs["renamed_columns"]``). Invalid polygons are repaired with
    ``make_valid`` (only their polygonal parts are kept; a repair that would
    add area is refused); names are kept as given (text, never markup). A
    ``.zip`` holding one vector file is extracted safely. ``counts`` names
    columns the caller reads with their meaning (the tenure counts of
    ``safespaces mix --groups``): those keep their names even under our prefixes.

    Raises
    ------
    InputError
        Not a polygon layer (the first other feature is named), no CRS, no
        features, a polygon with no area, a hole outside its polygon, a NUL in a
        text, a missing or duplicate ``area_id``, a ``name_column`` not in the file.
    """
    given = path
    path = frame_label(given, "areas") if isinstance(given, pd.DataFrame) else Path(given)
    crs_obj = parse_crs(crs, path) if not isinstance(crs, CRS) else crs
    if isinstance(given, pd.DataFrame) and not isinstance(given, gpd.GeoDataFrame):
        raise InputError(
            "areas must be polygons: a GeoDataFrame, not a DataFrame",
            path=path,
            fix="give a GeoDataFrame of polygons (geopandas.GeoDataFrame(frame, geometry=...))",
        )
    with open_source(given, VECTOR_SUFFIXES, "areas", crs=crs_obj) as opened:
        assert opened.layer is not None
        gdf = check_geometries(opened.layer, opened.path, "polygon")
    id_col = next((str(c) for c in gdf.columns if str(c).casefold() == "area_id"), None)
    if "area_id" in gdf:
        id_col = "area_id"
    if id_col is not None:
        empty = gdf[id_col].astype("string").str.strip().replace("", pd.NA).isna()
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise InputError(
                "area_id missing",
                path=path,
                column=id_col,
                row=i + 1,
                fix="give every area an id, or drop the area_id column to number them",
            )
        dup = gdf[id_col].duplicated()
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            raise InputError(
                f"duplicate area_id '{gdf[id_col].iloc[i]}'",
                path=path,
                column=id_col,
                row=i + 1,
                fix="give every area its own id",
            )
    if name_column and name_column not in gdf:
        raise InputError(
            f"no column '{name_column}' of area names (found: "
            f"{', '.join(str(c) for c in gdf.columns if c != 'geometry')})",
            path=path,
            column=name_column,
            fix="pass --area-name-col (sources.area_name_column) with one of those names",
        )
    rule = AREA_RULE
    if counts:  # count columns the caller reads with their meaning (``safespaces mix --groups``)
        rule = dataclasses.replace(rule, shared=(*rule.shared, *counts))
    gdf = own_columns(gdf, rule)
    if "area_id" not in gdf:
        gdf.insert(0, "area_id", np.arange(len(gdf), dtype=np.int64))
    if name_column:
        given = _renamed(gdf, name_column)
        if given != "name" or "name" not in gdf:
            gdf["name"] = gdf[given].astype("string")
    elif "name" not in gdf:
        lower = {str(c).casefold(): c for c in gdf.columns}
        source = next((lower[n] for n in NAME_COLUMNS if n in lower), None)
        gdf["name"] = gdf[source].astype("string") if source else gdf["area_id"].astype("string")
    return gdf


def _renamed(gdf: gpd.GeoDataFrame, column: str) -> str:
    """The name of the user's ``column`` after :func:`own_columns` (``renamed_columns``)."""
    renamed = gdf.attrs.get("renamed_columns") or {}
    return str(renamed.get(column, column))


def grid_areas(
    bounds: tuple[float, float, float, float],
    crs: CRS,
    *,
    size_m: float = 250.0,
    places: gpd.GeoDataFrame | None = None,
    path: str | Path | None = None,
    setting: str = "sources.grid_size_m",
) -> gpd.GeoDataFrame:
    """Square cells aligned to multiples of ``size_m`` that cover ``bounds``.

    Parameters
    ----------
    bounds
        ``minx, miny, maxx, maxy`` in the metric ``crs``.
    places
        Named points (``name`` column) to label each cell by the nearest one.
    path, setting
        The file that set the extent and the setting of the cell size, named by
        the refusal.

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id``, ``grid_id`` (``"{x}_{y}"`` of the lower-left corner), ``name`` and,
        with ``places``, ``place`` (the nearest place's name); ``name`` is unique: the
        place and the cell's number within it (:func:`numbered_names`), else the ``grid_id``.

    Raises
    ------
    InputError
        More cells than :func:`grid_budget` (counted before any is made).
    """
    n_cells = grid_cell_count(bounds, size_m)
    budget = grid_budget()
    if n_cells > budget:
        fits = math.ceil(size_m * math.sqrt(n_cells / budget) / 250.0) * 250.0
        while grid_cell_count(bounds, fits) > budget:
            fits += 250.0
        raise InputError(
            f"a default grid of {size_m:g} m cells over the study extent "
            f"({(bounds[2] - bounds[0]) / 1000:,.1f} x {(bounds[3] - bounds[1]) / 1000:,.1f} km) "
            f"would have {n_cells:,} cells, more than the {budget:,} allowed",
            path=path,
            fix=f"give your own areas (--areas), or set {setting}={fits:g} or larger, or clip "
            "the extract to the study area (e.g. osmium extract -b LON1,LAT1,LON2,LAT2)",
        )
    x0 = np.floor(bounds[0] / size_m) * size_m
    y0 = np.floor(bounds[1] / size_m) * size_m
    xs = np.arange(x0, bounds[2], size_m)
    ys = np.arange(y0, bounds[3], size_m)
    mesh_x, mesh_y = np.meshgrid(xs, ys)
    gx, gy = mesh_x.ravel(), mesh_y.ravel()
    cells = shapely.box(gx, gy, gx + size_m, gy + size_m)
    grid_id = np.char.add(
        np.char.add(gx.astype(np.int64).astype(str), "_"), gy.astype(np.int64).astype(str)
    )
    gdf = gpd.GeoDataFrame(
        {"area_id": np.arange(len(cells), dtype=np.int64), "grid_id": grid_id},
        geometry=cells,
        crs=crs,
    )
    if places is not None and len(places):
        tree = cKDTree(shapely.get_coordinates(places.geometry.to_numpy()))
        centres = np.column_stack([gx + size_m / 2, gy + size_m / 2])
        _, nearest = tree.query(centres)
        gdf["place"] = pd.array(places["name"].to_numpy()[nearest], dtype="string")
        gdf["name"] = numbered_names(gdf["place"], gdf["grid_id"])
    else:
        gdf["name"] = gdf["grid_id"]
    return gdf


def numbered_names(place: pd.Series, fallback: pd.Series) -> pd.Series:
    """Unique cell names: the place and the cell's number within that place.

    Cells are numbered 1, 2, ... in their order within each place (the grid's order:
    rows south to north, west to east within a row), so the cells of Kluuvi are
    ``Kluuvi 1``, ``Kluuvi 2`` ... A cell without a place is named by ``fallback``
    (its ``grid_id``).

    Parameters
    ----------
    place
        Name of the place each cell falls in (missing allowed).
    fallback
        Unique name of each cell, used where ``place`` is missing.

    Returns
    -------
    pandas.Series
        Text aligned to ``place``; unique when the fallback names are unique and differ
        from every numbered name.

    Examples
    --------
    >>> numbered_names(pd.Series(["Kluuvi", "Kamppi", "Kluuvi", None]),
    ...                pd.Series(["a", "b", "c", "d"])).tolist()
    ['Kluuvi 1', 'Kamppi 1', 'Kluuvi 2', 'd']
    """
    place = place.astype("string")
    number = place.groupby(place, sort=False, dropna=True).cumcount() + 1
    named = place + " " + number.reindex(place.index).astype("Int64").astype("string")
    return named.fillna(fallback.astype("string"))


def district_names(areas: pd.DataFrame) -> pd.Series:
    """The district each area belongs to: its ``place`` on a default grid, else its name.

    The default grid's cells (which have a ``grid_id``) are grouped by the OSM place they
    fall in (``Kluuvi 1``, ``Kluuvi 2`` ... are district ``Kluuvi``); areas the user gave
    are each their own district (their ``name``).

    Examples
    --------
    >>> district_names(pd.DataFrame({"grid_id": ["0_0", "0_250"],
    ...     "place": ["Kluuvi", "Kluuvi"], "name": ["Kluuvi 1", "Kluuvi 2"]})).tolist()
    ['Kluuvi', 'Kluuvi']
    >>> district_names(pd.DataFrame({"name": ["Kamppi", "Kluuvi"]})).tolist()
    ['Kamppi', 'Kluuvi']
    """
    names = (
        areas["name"].astype("string")
        if "name" in areas
        else pd.Series(pd.NA, index=areas.index, dtype="string")
    )
    if "grid_id" in areas and "place" in areas:
        return areas["place"].astype("string").fillna(names)
    return names


def network_grid(
    bounds: tuple[float, float, float, float],
    crs: CRS,
    holdings: Sequence[gpd.GeoDataFrame],
    *,
    size_m: float = 250.0,
    places: gpd.GeoDataFrame | None = None,
    path: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """The default areas: the cells of :func:`grid_areas` that hold the network.

    The grid covers ``bounds`` grown to every feature of ``holdings`` (an extract's
    ways run past its header's box: their segments at the edge get a cell too),
    and keeps only the cells that a feature of ``holdings`` (the street segments
    and the buildings) touches: cells of sea, fields or beyond a filtered extract
    are not areas with zero of everything. ``area_id`` runs 0..n-1 over the kept
    cells, in the grid's order, and so do the numbers of their names within each
    place (``Kluuvi 1``, ``Kluuvi 2`` ...).

    Parameters
    ----------
    bounds
        The study box in the metric ``crs``.
    holdings
        Layers in ``crs`` whose features keep the cells they touch.
    size_m, places, path
        As for :func:`grid_areas`.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`grid_areas`; every cell when no layer has a feature.
    """
    frames = [h for h in holdings if len(h)]
    x0, y0, x1, y1 = bounds
    for frame in frames:
        fx0, fy0, fx1, fy1 = (float(v) for v in frame.total_bounds)
        x0, y0, x1, y1 = min(x0, fx0), min(y0, fy0), max(x1, fx1), max(y1, fy1)
    grid = grid_areas((x0, y0, x1, y1), crs, size_m=size_m, places=places, path=path)
    if not frames:
        return grid
    tree = shapely.STRtree(grid.geometry.to_numpy())
    keep = np.zeros(len(grid), dtype=bool)
    for frame in frames:
        _, cells = tree.query(frame.geometry.to_numpy(), predicate="intersects")
        keep[cells] = True
    grid = grid.loc[keep].reset_index(drop=True)
    grid["area_id"] = np.arange(len(grid), dtype=np.int64)
    if "place" in grid:  # number the kept cells only: Kluuvi 1, 2, 3 ...
        grid["name"] = numbered_names(grid["place"], grid["grid_id"])
    return grid


def fit_to_study(
    areas: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Clip areas far larger than the study to it; leave out areas wholly beyond it.

    The study box is grown by max(:data:`AREA_SLACK_M`, the study's span) on every
    side; an area reaching beyond that is clipped to it (its polygonal part kept),
    an area wholly beyond it is left out. Areas within it are untouched, so areas
    near the study keep their shape: only whole-country or far-away polygons
    change. This bounds every computation over the areas' extent (density
    rasters, hot-spot grids) by the study's size.

    Parameters
    ----------
    areas
        Areas in the study's metric CRS.
    bounds
        The study box (``minx, miny, maxx, maxy``) in that CRS.

    Returns
    -------
    areas, record
        The fitted areas (index reset), and what changed: ``clipped`` and
        ``left_out`` lists of ``area_id``, the ``clip_box`` and a ``note`` for the
        user (an empty dict when nothing changed).
    """
    x0, y0, x1, y1 = bounds
    margin = max(AREA_SLACK_M, x1 - x0, y1 - y0)
    box = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    geoms = areas.geometry.to_numpy()
    b = shapely.bounds(geoms)
    within = (b[:, 0] >= box[0]) & (b[:, 1] >= box[1]) & (b[:, 2] <= box[2]) & (b[:, 3] <= box[3])
    if within.all():
        return areas, {}
    out = areas.copy()
    clipped_geoms = geoms.copy()
    rows = np.flatnonzero(~within)
    cut = shapely.clip_by_rect(geoms[rows], *box)
    polygons = np.array([_polygonal(g) for g in cut], dtype=object)
    clipped_geoms[rows] = polygons
    empty = np.zeros(len(out), dtype=bool)
    empty[rows] = [g is None for g in polygons]
    out = out.set_geometry(clipped_geoms.tolist(), crs=areas.crs)
    clipped = rows[~empty[rows]]
    record: dict[str, Any] = {
        "clipped": [_plain(v) for v in out["area_id"].to_numpy()[clipped]],
        "left_out": [_plain(v) for v in out["area_id"].to_numpy()[empty]],
        "clip_box": [round(float(v), 1) for v in box],
    }
    parts = []
    for what, which in (("clipped to the study", clipped), ("left out", np.flatnonzero(empty))):
        if len(which):
            parts.append(f"{len(which):,} {what} ({_names(out, which)})")
    record["note"] = (
        f"areas reaching more than {margin / 1000:,.1f} km beyond the study extent: "
        + "; ".join(parts)
    )
    return out.loc[~empty].reset_index(drop=True), record


def _names(areas: gpd.GeoDataFrame, rows: np.ndarray, limit: int = 5) -> str:
    """``area_id`` (and name) of the first few rows, for a message."""
    items = []
    for i in rows[:limit]:
        label = f"area_id {_plain(areas['area_id'].iloc[i])}"
        if "name" in areas and isinstance(areas["name"].iloc[i], str):
            label += f" {areas['name'].iloc[i]!r}"
        items.append(label)
    more = len(rows) - limit
    return ", ".join(items) + (f" and {more:,} more" if more > 0 else "")


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal part of a clipped geometry, or None when it has no area."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, shapely.GeometryCollection):
        parts = [g for g in geom.geoms if isinstance(g, shapely.Polygon | shapely.MultiPolygon)]
        geom = shapely.union_all(parts) if parts else None
    if geom is None or geom.is_empty or geom.area <= 0:
        return None
    return geom


def _plain(value: Any) -> Any:
    """A numpy scalar as a plain Python value (JSON-ready)."""
    return value.item() if isinstance(value, np.generic) else value
