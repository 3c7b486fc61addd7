"""Areas: the user's district polygons, or a default 250 m grid.

The default grid has cells aligned to multiples of the cell size in the metric
CRS (as Statistics Finland's and HSY's grids are in EPSG:3067 / 3879), covering
the study area. Each cell is labelled with the OSM neighbourhood it falls in:
the nearest ``place=suburb|quarter|neighbourhood`` node (a Voronoi assignment,
since the extract's neighbourhood boundary relations are clipped).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

from safespaces.errors import InputError
from safespaces.sources.columns import ColumnRule, own_columns
from safespaces.sources.tabular import VECTOR_SUFFIXES, input_file, parse_crs, read_vector

NAME_COLUMNS = ("name", "nimi", "namn", "name_fi", "nimi_fi", "district", "area_name")


#: The areas layer's names: the user's own columns of these names (or with these
#: prefixes, which later stages add) are kept as ``user_<name>``; a unique ``area_id``
#: in any spelling is the id, and a ``name`` in any spelling the name.
AREA_RULE = ColumnRule(
    ours=("residents_est", "dwellings", "grid_id"),
    shared=("name",),
    prefixes=("tenure_", "mix_", "incidents_", "score_", "safe_space_"),
    id_column="area_id",
    id_target="area_id",
)


def read_areas(path: str | Path, *, crs: str | CRS | None = None) -> gpd.GeoDataFrame:
    """Read the user's area polygons, keeping their attributes and order.

    The file's own ``area_id`` (in any case spelling) is the id; it must be
    unique and complete. Without one, ``area_id`` 0..n-1 is added. ``name`` is
    the file's ``name`` (in any spelling: a census ``NAME`` becomes ``name``), else
    a copy of the first name-like column (``nimi``, ``namn`` ...), else the id.
    The other attributes keep their names, except where they would clash with
    a column of ours (:data:`AREA_RULE`: ``user_<name>``, recorded in
    ``attrs["renamed_columns"]``). Invalid polygons are repaired with
    ``make_valid`` (only their polygonal parts are kept; a repair that would
    add area is refused); names are kept as given (text, never markup). A
    ``.zip`` holding one vector file is extracted safely.

    Raises
    ------
    InputError
        Not a polygon layer (the first other feature is named), no CRS, no
        features, a polygon with no area, a hole outside its polygon, a NUL in a
        text, a missing or duplicate ``area_id``.
    """
    path = Path(path)
    crs_obj = parse_crs(crs, path) if not isinstance(crs, CRS) else crs
    with input_file(path, VECTOR_SUFFIXES, "areas") as real:
        gdf = read_vector(real, geometry="polygon", crs=crs_obj)
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
    gdf = own_columns(gdf, AREA_RULE)
    if "area_id" not in gdf:
        gdf.insert(0, "area_id", np.arange(len(gdf), dtype=np.int64))
    if "name" not in gdf:
        lower = {str(c).casefold(): c for c in gdf.columns}
        source = next((lower[n] for n in NAME_COLUMNS if n in lower), None)
        gdf["name"] = gdf[source].astype("string") if source else gdf["area_id"].astype("string")
    return gdf


def grid_areas(
    bounds: tuple[float, float, float, float],
    crs: CRS,
    *,
    size_m: float = 250.0,
    places: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Square cells aligned to multiples of ``size_m`` that cover ``bounds``.

    Parameters
    ----------
    bounds
        ``minx, miny, maxx, maxy`` in the metric ``crs``.
    places
        Named points (``name`` column) to label each cell by the nearest one.

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id``, ``grid_id`` (``"{x}_{y}"`` of the lower-left corner), ``name``.
    """
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
        gdf["name"] = places["name"].to_numpy()[nearest]
    else:
        gdf["name"] = gdf["grid_id"]
    return gdf
