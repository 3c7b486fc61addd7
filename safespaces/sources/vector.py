"""Read a vector file of points or polygons (GeoPackage, GeoJSON, Shapefile ...), with
clear errors.

One layer per file; its CRS settled (declared, or given by the user), degrees
checked where a geographic CRS is declared, text cut short by GDAL at a NUL
refused, geometry types checked and invalid polygons repaired. Every error
names the file, the feature or column and the fix. CSV files and zips are read
by :mod:`safespaces.sources.tabular`.
"""

from __future__ import annotations

import json
import mmap
import re
import sqlite3
import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from safespaces.errors import CRSError, InputError
from safespaces.safety import check_size, sniff

_VECTOR_FIX = "check that the file is a complete GeoPackage, GeoJSON or Shapefile"


def open_vector(path: Path, *, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """Read a vector file's single layer and settle its CRS, with clear errors.

    GDAL's warnings about the file are not passed on (they would be noise, or
    errors under ``-W error``); a file GDAL cannot open is named by what it
    really is (:func:`safespaces.safety.sniff`). A file with several layers is
    refused (the loaders take one layer), and so are coordinates that are not
    degrees in a file that declares a geographic CRS (GeoJSON is always WGS 84).
    """
    check_size(path, "vector")
    layers, gdf = _read_single_layer(path)
    if len(layers) != 1:
        names = ", ".join(str(name) for name in layers[:10, 0])
        raise InputError(
            f"the file has {len(layers)} layers ({names or 'none'}); safespaces reads one",
            path=path,
            fix="save the layer you mean as its own file (in QGIS: Export > Save Features As)",
        )
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            f"the layer '{layers[0, 0]}' is a table without geometry (no points or polygons)",
            path=path,
            fix="give a layer with geometry; to add a table's columns to a layer, join them "
            "in QGIS (Layer Properties > Joins) and save the joined layer",
        )
    if gdf.empty:
        raise InputError("the file has no features", path=path, fix="give a file with data")
    _refuse_cut_text(path, str(layers[0, 0]), gdf)
    return _settle_crs(gdf, path, crs)


def frame_layer(
    frame: gpd.GeoDataFrame, label: Path, *, crs: CRS | None = None
) -> gpd.GeoDataFrame:
    """A GeoDataFrame given in code, checked as :func:`open_vector` checks a file's layer.

    Returns a copy (the caller's frame is never changed) whose geometry column is
    named ``geometry``, with ``crs`` set where the frame has none.

    Raises
    ------
    InputError
        No rows.
    CRSError
        No CRS and none given, or coordinates that are not degrees under a
        geographic CRS.
    """
    if frame.empty:
        raise InputError("the frame has no rows", path=label, fix="give a frame with data")
    gdf = frame.copy()
    gdf.attrs = {}
    if gdf.geometry.name != "geometry":
        if "geometry" in gdf.columns:
            gdf = gdf.rename(columns={"geometry": "user_geometry"})
        gdf = gdf.rename_geometry("geometry")
    if gdf.crs is None and crs is None:
        raise CRSError(
            "the GeoDataFrame has no CRS",
            path=label,
            fix="set it: frame.set_crs('EPSG:4326') for longitudes and latitudes, or the "
            "CRS its coordinates are in",
        )
    return _settle_crs(gdf, label, crs)


def _read_single_layer(path: Path) -> tuple[np.ndarray, object]:
    """The file's layers (name, geometry type) and, when there is one, its frame.

    Raises
    ------
    InputError
        GDAL cannot open or read the file; the message says what the file is.
    """
    # GDAL's GML driver writes a .gfs schema file beside the input unless told not to.
    options = {"WRITE_GFS": "NO"} if path.suffix.lower() == ".gml" else {}
    gdf: object = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = _list_layers(path, options)
            if len(layers) == 1:
                gdf = gpd.read_file(path, **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        with path.open("rb") as handle:
            kind = sniff(handle.read(4096))
        what = f"it looks like {kind}" if kind else str(exc).split(";")[0][:160]
        if "supported file format" in str(exc) and not kind:  # GDAL < 3.9: "as a supported"
            what = "GDAL does not recognise the format"
        if path.suffix.lower() == ".gpkg" and kind and "GeoPackage" in kind:
            what = "the GeoPackage is truncated or corrupt"
        raise InputError(
            f"cannot read as a vector file ({what})", path=path, fix=_VECTOR_FIX
        ) from exc
    except (
        pyogrio.errors.GeometryError,
        pyogrio.errors.FieldError,
        pyogrio.errors.FeatureError,
        pyogrio.errors.CRSError,
        shapely.errors.GEOSException,  # e.g. a ring that does not close
        ValueError,
    ) as exc:
        if "closed linestring" in str(exc):
            raise InputError(
                "a polygon ring is not closed (its last point must repeat its first)",
                path=path,
                fix="close the ring, or repair the layer (in QGIS: Vector > Geometry Tools > "
                "Fix Geometries)",
            ) from exc
        raise InputError(
            f"cannot read as a vector file ({str(exc)[:160]})", path=path, fix=_VECTOR_FIX
        ) from exc
    return layers, gdf


def _settle_crs(gdf: gpd.GeoDataFrame, path: Path, crs: CRS | None) -> gpd.GeoDataFrame:
    """Set ``crs`` where the file declares none; refuse non-degree coordinates under a
    geographic CRS.

    Raises
    ------
    CRSError
        No CRS declared or given, or coordinates beyond +-180 / +-90 in a file that
        declares a geographic CRS.
    """
    if gdf.crs is None:
        if crs is None:
            raise CRSError(
                "the file declares no CRS",
                path=path,
                fix="set the CRS in the file (e.g. in QGIS: Layer CRS) or pass --crs EPSG:xxxx",
            )
        gdf = gdf.set_crs(crs)
    if gdf.crs.is_geographic:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            x0, y0, x1, y1 = gdf.geometry.total_bounds
        if np.isfinite([x0, y0, x1, y1]).all() and (
            min(x0, y0) < -180 or max(x1, y1) > 180 or y0 < -90 or y1 > 90
        ):
            raise CRSError(
                f"coordinates up to ({x1:.0f}, {y1:.0f}) are not degrees, but the file "
                f"declares {gdf.crs.name}",
                path=path,
                fix="declare the CRS the coordinates are in (e.g. EPSG:3067 or EPSG:3879); "
                "GeoJSON must be in WGS 84 degrees",
            )
    return gdf


def _list_layers(path: Path, options: Mapping[str, str]) -> np.ndarray:
    """``pyogrio.list_layers``, or for GML layer by layer with the open ``options``.

    ``list_layers`` takes no open options, and GDAL's GML driver would write a
    ``.gfs`` file beside the input; ``read_info`` passes ``WRITE_GFS=NO``.
    """
    if not options:
        return np.asarray(pyogrio.list_layers(path))
    rows: list[list[object]] = []
    while len(rows) <= 10:
        try:
            info = pyogrio.read_info(path, layer=len(rows), **options)
        except pyogrio.errors.DataLayerError:
            break
        rows.append([info["layer_name"], info["geometry_type"]])
    if not rows:
        raise pyogrio.errors.DataSourceError(f"{path.name}: no layer found")
    return np.array(rows, dtype=object)


_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _refuse_cut_text(path: Path, layer: str, gdf: gpd.GeoDataFrame) -> None:
    """Refuse text that GDAL cut short at a NUL character (GeoJSON, GeoPackage).

    GDAL ends text at a NUL (``\\u0000`` in JSON), so ``"Kamppi\\u0000x"`` would be
    read as ``"Kamppi"`` without a word. The file is checked for a NUL in text,
    and the feature and column are named.
    """
    suffix = path.suffix.lower()
    where: tuple[int, str] | None = None
    if suffix in (".geojson", ".json"):
        where = _json_nul(path)
    elif suffix == ".gpkg":
        where = _gpkg_nul(path, layer, [str(c) for c in gdf.columns])
    if where is not None:
        raise InputError(
            "the text contains a NUL character, which would cut it short",
            path=path,
            row=where[0],
            column=where[1],
            fix="remove the NUL (\\0) characters from the text",
        )


def _json_nul(path: Path) -> tuple[int, str] | None:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        if _JSON_NUL.search(m) is None:
            return None
    try:
        features = json.loads(path.read_bytes()).get("features") or []
    except (ValueError, AttributeError):
        return (1, "?")
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for key, value in (props or {}).items():
            if "\x00" in str(key) or (isinstance(value, str) and "\x00" in value):
                return (i + 1, str(key).replace("\x00", "\\0"))
    return (1, "?")


def _gpkg_nul(path: Path, layer: str, columns: list[str]) -> tuple[int, str] | None:
    """First (feature, column) of a GeoPackage text value holding a NUL byte."""
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        info = con.execute(f'PRAGMA table_info("{layer.replace(chr(34), chr(34) * 2)}")')
        text = [row[1] for row in info.fetchall() if row[1] in columns]
        table = layer.replace('"', '""')
        for column in text:
            quoted = column.replace('"', '""')
            hit = con.execute(
                f'SELECT rowid FROM "{table}" WHERE typeof("{quoted}") = \'text\' '
                f"AND instr(CAST(\"{quoted}\" AS BLOB), x'00') > 0 ORDER BY rowid LIMIT 1"
            ).fetchone()
            if hit is not None:
                rank = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE rowid <= ?', (hit[0],)
                ).fetchone()
                return (int(rank[0]), column)
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return None


def repair_polygons(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Repair invalid polygons with ``make_valid``, keeping only their polygonal parts.

    A self-crossing "bow tie" becomes a MultiPolygon, a spike is dropped. A
    polygon with no area left after repair is an error naming its feature. A
    repair may only remove area, never add it: a polygon whose repair would be
    larger than the area inside its outer rings (a hole larger than its shell,
    or rings in the wrong order, which ``make_valid`` turns into the ring
    between them) is an error naming the feature. The number of repaired
    features is in ``gdf.attrs["repaired_geometries"]``.
    """
    geoms = gdf.geometry.to_numpy()
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    gdf.attrs["repaired_geometries"] = len(invalid)
    if not len(invalid):
        return gdf
    fixed = shapely.make_valid(geoms[invalid])
    out = geoms.copy()
    for i, geom, before in zip(invalid, fixed, geoms[invalid], strict=True):
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            flat = shapely.get_parts(shapely.get_parts(geom))
            parts = [p for p in flat if p.geom_type == "Polygon"]
            geom = shapely.union_all(parts) if parts else shapely.Polygon()
        if geom.is_empty or geom.area <= 0:
            raise InputError(
                "the polygon has no area (it collapses to a line or a point when repaired)",
                path=path,
                row=int(i) + 1,
                fix="fix or remove the feature (in QGIS: Vector > Geometry Tools > Check Validity)",
            )
        area, outline = float(shapely.area(geom)), float(shapely.area(_outline(before)))
        if area > outline * (1 + 1e-9) + 1e-12:
            raise InputError(
                f"a hole lies outside its polygon's outer ring (repairing it would make the "
                f"area {area / max(outline, 1e-300):,.1f} times its outline)",
                path=path,
                row=int(i) + 1,
                fix="the rings are in the wrong order or a hole is larger than its polygon: write "
                "the outer ring first (in QGIS: Vector > Geometry Tools > Fix Geometries, then "
                "check the result)",
            )
        out[i] = geom
    gdf = gdf.copy()
    gdf["geometry"] = gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs)
    gdf.attrs["repaired_geometries"] = len(invalid)
    return gdf


def _outline(geom: shapely.Geometry) -> shapely.Geometry:
    """The area inside the outer rings of a (possibly invalid) polygon, holes ignored."""
    shells = [
        shapely.make_valid(shapely.Polygon(part.exterior))
        for part in shapely.get_parts(geom)
        if part.geom_type == "Polygon"
    ]
    return shapely.union_all(shells) if shells else shapely.Polygon()


def read_vector(
    path: Path,
    *,
    geometry: str,
    crs: CRS | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector file and check its geometry type and CRS.

    Parameters
    ----------
    geometry
        ``"point"`` or ``"polygon"``: the type every feature must have. Invalid
        polygons are repaired (:func:`repair_polygons`).
    crs
        CRS to assume where the file declares none (otherwise an error).
    """
    return check_geometries(open_vector(path, crs=crs), path, geometry)


def check_geometries(gdf: gpd.GeoDataFrame, path: Path, geometry: str) -> gpd.GeoDataFrame:
    """Check that every feature has a finite geometry of one type; repair polygons.

    Parameters
    ----------
    geometry
        ``"point"`` or ``"polygon"``.

    Raises
    ------
    InputError
        A feature without geometry, of another type (the first one is named, and
        the types of a mixed layer listed), or with a non-finite coordinate.
    """
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise InputError("feature without geometry", path=path, row=i + 1, fix="remove or fix it")
    types = gdf.geometry.geom_type.to_numpy()
    ok = {"point": ("Point",), "polygon": ("Polygon", "MultiPolygon")}[geometry]
    wrong = ~np.isin(types, ok)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        mixed = len(set(types)) > 1
        raise InputError(
            f"feature {i + 1} is a {types[i]}, expected {geometry}s"
            + (f" (the layer mixes {', '.join(sorted(set(types)))})" if mixed else ""),
            path=path,
            row=i + 1,
            fix=f"give a layer of {geometry}s only (convert or split it in QGIS)",
        )
    coords = shapely.get_coordinates(gdf.geometry.to_numpy())
    if not np.isfinite(coords).all():
        raise InputError(
            "a coordinate is not a finite number", path=path, fix="fix or remove the feature"
        )
    if geometry == "polygon":
        gdf = repair_polygons(gdf, path)
    return gdf
