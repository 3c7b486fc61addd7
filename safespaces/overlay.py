"""Assign features to the areas that hold them (one rule for every family).

A feature belongs to the area that contains its representative point (for a
line, its midpoint). A point on a shared border goes to one of the areas; a
feature outside every area gets position -1.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def anchor_points(geometries: gpd.GeoSeries) -> np.ndarray:
    """Representative points; the midpoint (along the line) for lines."""
    geoms = geometries.to_numpy()
    types = shapely.get_type_id(geoms)
    lines = np.isin(types, (1, 2, 5))  # LineString, LinearRing, MultiLineString
    out = shapely.point_on_surface(geoms)
    if lines.any():
        out[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    return np.asarray(out)


def area_index(features: gpd.GeoDataFrame | gpd.GeoSeries, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Row position in ``areas`` of the area holding each feature (-1 outside all).

    Both inputs must share a CRS; ``features`` is reprojected if it does not.
    """
    geometries = features.geometry if isinstance(features, gpd.GeoDataFrame) else features
    if geometries.crs is not None and areas.crs is not None and geometries.crs != areas.crs:
        geometries = geometries.to_crs(areas.crs)
    points = anchor_points(geometries)
    pos = np.full(len(points), -1, dtype=np.int64)
    left, right = areas.geometry.sindex.query(points, predicate="within")
    pos[left] = right
    return pos


def sum_into_areas(values: np.ndarray, index: np.ndarray, n_areas: int) -> np.ndarray:
    """Sum rows of ``values`` (n,) or (n, k) into ``n_areas`` by ``index`` (-1 ignored)."""
    inside = index >= 0
    if values.ndim == 1:
        return np.bincount(index[inside], weights=values[inside], minlength=n_areas)
    return np.column_stack(
        [
            np.bincount(index[inside], weights=values[inside, j], minlength=n_areas)
            for j in range(values.shape[1])
        ]
    ).reshape(n_areas, values.shape[1])
