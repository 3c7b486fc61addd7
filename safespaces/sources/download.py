"""Optional online download of OpenStreetMap data (needs the ``download`` extra: osmnx).

Everything in safespaces works offline on local files; this module is the one
exception, for users with internet access who have no extract at hand. It
geocodes a place name with osmnx (Nominatim) or takes a polygon, asks the
Overpass API (osmnx's configured endpoint, ``osmnx.settings.overpass_url``) for
every OSM element inside it as OSM XML, and saves it atomically as a ``.osm``
file that :func:`safespaces.sources.osm.load_osm` reads like any extract.
"""

from __future__ import annotations

import re
from pathlib import Path

import shapely

from safespaces.errors import InputError
from safespaces.io import atomic_path

#: Largest polygon we download (km²): a whole city district, not a country.
MAX_AREA_KM2 = 50.0


def overpass_query(polygon: shapely.Polygon, timeout_s: int = 180) -> str:
    """An Overpass QL query for every element inside ``polygon`` (lon/lat), as OSM XML.

    Ways and relations are completed with their nodes (``(._;>;)``) so that the
    file is self-contained.
    """
    ring = shapely.get_coordinates(polygon.exterior)
    poly = " ".join(f"{lat:.7f} {lon:.7f}" for lon, lat in ring[:-1])
    return f'[out:xml][timeout:{timeout_s}];(nwr(poly:"{poly}"););(._;>;);out meta;'


def _area_km2(polygon: shapely.Polygon) -> float:
    import geopandas as gpd

    from safespaces.crs import metric_crs

    centre = polygon.centroid
    series = gpd.GeoSeries([polygon], crs="EPSG:4326").to_crs(metric_crs(centre.x, centre.y))
    return float(series.area.iloc[0]) / 1e6


def download_osm(place: str | shapely.Polygon, out_dir: str | Path) -> Path:
    """Download the OSM data of a place or polygon into ``out_dir/<name>.osm``.

    Parameters
    ----------
    place
        A place name for Nominatim (``"Kallio, Helsinki"``) or a lon/lat polygon.
    out_dir
        Folder for the file (created if needed).

    Raises
    ------
    InputError
        osmnx missing, the place not found, the area too large, or the
        download failed (no internet, Overpass busy); nothing is written then.
    """
    try:
        import osmnx as ox
        import requests
    except ImportError as exc:
        raise InputError(
            "downloading needs osmnx",
            fix="pip install 'safespaces[download]', or use a local .osm.pbf with --osm",
        ) from exc
    if isinstance(place, str):
        try:
            gdf = ox.geocoder.geocode_to_gdf(place)
        except Exception as exc:  # osmnx raises several types for "not found" / no network
            raise InputError(
                f"cannot find the place {place!r} ({exc})",
                fix="check the name and the internet connection, or use --osm with a local file",
            ) from exc
        polygon = shapely.union_all(gdf.geometry.to_numpy())
        name = re.sub(r"[^a-z0-9]+", "_", place.lower()).strip("_") or "download"
    else:
        polygon, name = place, "download"
    if isinstance(polygon, shapely.MultiPolygon):
        polygon = shapely.convex_hull(polygon)
    if not isinstance(polygon, shapely.Polygon):
        raise InputError("the place is not an area", fix="give a district or city name")
    area = _area_km2(polygon)
    if area > MAX_AREA_KM2:
        raise InputError(
            f"the area is {area:.0f} km², more than {MAX_AREA_KM2:.0f} km²",
            fix="download a district, or use a Geofabrik/BBBike extract with --osm",
        )
    url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
    try:
        response = requests.post(
            url, data={"data": overpass_query(polygon)}, timeout=ox.settings.requests_timeout
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        raise InputError(
            f"download from {url} failed ({exc})",
            fix="check the internet connection or try later; offline, use --osm with a local file",
        ) from exc
    target = Path(out_dir) / f"{name}.osm"
    with atomic_path(target) as tmp:
        tmp.write_bytes(response.content)
    return target
