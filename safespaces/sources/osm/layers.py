"""Feature layers (buildings, premises, entrances, lamps, public spaces, cameras,
places, water) as projected GeoDataFrames from the rows gathered while reading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safespaces.sources.osm.tags import LODGING, Collector, drop_implausible


def _points(rows: list[dict[str, Any]], crs: CRS, id_name: str) -> gpd.GeoDataFrame:
    """Points from node rows (``xy``) and area rows (``wkb``: a point on the surface)."""
    frame = pd.DataFrame(rows)
    geometry = np.empty(len(frame), dtype=object)
    if "xy" in frame:
        has_xy = frame["xy"].notna().to_numpy()
        if has_xy.any():
            geometry[has_xy] = shapely.points(np.array(frame["xy"][has_xy].tolist(), dtype=float))
        frame = frame.drop(columns="xy")
    if "wkb" in frame:
        has_wkb = frame["wkb"].notna().to_numpy()
        geometry[has_wkb] = shapely.point_on_surface(
            shapely.make_valid(shapely.from_wkb(frame["wkb"][has_wkb].to_numpy()))
        )
        frame = frame.drop(columns="wkb")
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326").to_crs(crs)
    gdf.insert(0, id_name, np.arange(len(gdf), dtype=np.int64))
    return gdf


def _polygons(rows: list[dict[str, Any]], crs: CRS, id_name: str) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    geoms = (
        shapely.from_wkb(frame.pop("wkb").to_numpy())
        if not frame.empty
        else np.array([], dtype=object)
    )
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326").to_crs(crs)
    if len(gdf):
        gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
        gdf = gdf[~gdf.geometry.is_empty].reset_index(drop=True)
    gdf.insert(0, id_name, np.arange(len(gdf), dtype=np.int64))
    return gdf


def _ensure(gdf: gpd.GeoDataFrame, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Add missing columns (a layer with no feature still has its schema)."""
    for column in columns:
        if column not in gdf:
            gdf[column] = pd.Series(index=gdf.index, dtype=object)
    return gdf


def _buildings(rows: list[dict[str, Any]], target: CRS) -> gpd.GeoDataFrame:
    buildings = _polygons(rows, target, "building_id")
    for column in (
        "osm_type",
        "osm_id",
        "building",
        "use",
        "name",
        "levels",
        "height_m",
        "flats",
        "premises",
    ):
        if column not in buildings:
            buildings[column] = pd.Series(dtype=float if column in ("levels", "flats") else object)
    buildings["footprint_m2"] = buildings.geometry.area
    return buildings


def land_use_of(buildings: gpd.GeoDataFrame, land: gpd.GeoDataFrame) -> pd.Series:
    """The ``landuse`` of the smallest land-use area holding each building's
    representative point (None: in none). Nested areas (a ``landuse=retail`` inside a
    ``landuse=residential``) give the inner, more specific one."""
    out = pd.Series(None, index=buildings.index, dtype=object, name="landuse")
    if buildings.empty or land.empty:
        return out
    points = shapely.point_on_surface(buildings.geometry.to_numpy())
    polygons = land.geometry.to_numpy()
    building, area = shapely.STRtree(polygons).query(points, predicate="within")
    if len(building) == 0:
        return out
    order = np.lexsort((shapely.area(polygons)[area], building))
    first = np.unique(building[order], return_index=True)[1]
    rows, areas = building[order][first], area[order][first]
    out.iloc[rows] = land["landuse"].to_numpy()[areas]
    return out


def holds_lodging(buildings: gpd.GeoDataFrame, pois: gpd.GeoDataFrame) -> pd.Series:
    """Whether a hotel, hostel or guest house (``tourism`` in
    :data:`~safespaces.sources.osm.tags.LODGING`) lies in or on each building."""
    out = pd.Series(False, index=buildings.index, name="lodging")
    if buildings.empty or pois.empty:
        return out
    lodging = pois[(pois["poi_key"] == "tourism") & pois["category"].isin(LODGING)]
    if lodging.empty:
        return out
    tree = shapely.STRtree(buildings.geometry.to_numpy())
    hit = tree.query(lodging.geometry.to_numpy(), predicate="intersects")[1]
    out.iloc[np.unique(hit)] = True
    return out


def _lamps(rows: list[dict[str, Any]], target: CRS) -> gpd.GeoDataFrame:
    lamps = _points(rows, target, "lamp_id")
    lamps.insert(1, "source", "osm")
    lamps = lamps.rename(columns={"light_method": "lamp_type_method"})
    for column in ("height_m", "light_count", "lumen"):
        if column not in lamps:
            lamps[column] = pd.Series(dtype=float)
    if "intensity_cd" not in lamps:
        lamps["intensity_cd"] = np.nan
    if "lamp_type" not in lamps:
        lamps["lamp_type"] = None
    if "lamp_type_method" in lamps:
        lamps["lamp_type"] = lamps["lamp_type"].fillna(lamps.pop("lamp_type_method"))
    return lamps


def feature_layers(
    col: Collector, target: CRS
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, int]]:
    """Every layer but ``segments``, in ``target``, and the implausible tags ignored.

    Buildings carry the evidence of their use beside their tags: ``premises`` (the
    premises tag of their own outline), ``landuse`` (:func:`land_use_of`) and
    ``lodging`` (:func:`holds_lodging`), read by
    :func:`safespaces.population.residential_share`.

    Returns
    -------
    layers
        ``buildings``, ``pois``, ``entrances``, ``lamps``, ``public_spaces``,
        ``cameras``, ``places``, ``water``, each with its full schema even when empty.
    implausible
        Numeric tags set to NaN, by ``layer.column``
        (:func:`~safespaces.sources.osm.tags.drop_implausible`).
    """
    buildings = _buildings(col.rows["buildings"], target)
    lamps = _lamps(col.rows["lamps"], target)
    implausible = drop_implausible({"buildings": buildings, "lamps": lamps})
    pois = _ensure(
        _points(col.rows["pois"], target, "poi_id"),
        ("osm_type", "osm_id", "poi_key", "category", "name", "opening_hours"),
    )
    land = _ensure(_polygons(col.rows["land"], target, "land_id"), ("landuse",))
    buildings["landuse"] = land_use_of(buildings, land)
    buildings["lodging"] = holds_lodging(buildings, pois)
    layers = {
        "buildings": buildings,
        "pois": pois,
        "entrances": _ensure(
            _points(col.rows["entrances"], target, "entrance_id"), ("osm_id", "entrance")
        ),
        "lamps": _ensure(lamps, ("osm_id", "lamp_mount", "support", "light_colour")),
        "public_spaces": _ensure(
            _polygons(col.rows["public_spaces"], target, "space_id"),
            ("osm_type", "osm_id", "kind", "name"),
        ),
        "cameras": _ensure(
            _points(col.rows["cameras"], target, "camera_id"),
            ("osm_id", "surveillance", "surveillance_type", "camera_type"),
        ),
        "places": _ensure(
            _points(col.rows["places"], target, "place_id"), ("osm_id", "place", "name")
        ),
        "water": _ensure(
            _polygons(col.rows["water"], target, "water_id"),
            ("osm_type", "osm_id", "kind", "name"),
        ),
    }
    return layers, implausible
