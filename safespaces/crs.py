"""Choose the one metric CRS that every computation uses.

EPSG:3067 (ETRS-TM35FIN) inside Finland, otherwise the local UTM zone of the
study area's centre (EPSG:326xx north, 327xx south).
"""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS

FINLAND_BOUNDS = (19.0, 59.3, 31.6, 70.1)  # lon/lat, Finland's EEZ with margin
FINLAND_CRS = "EPSG:3067"


def metric_crs(lon: float, lat: float) -> CRS:
    """Return the metric CRS for a study area centred on ``lon``, ``lat``.

    Parameters
    ----------
    lon, lat
        Centre of the study area in degrees (EPSG:4326).

    Returns
    -------
    pyproj.CRS
        EPSG:3067 inside Finland; otherwise the WGS 84 UTM zone of the point.
    """
    x0, y0, x1, y1 = FINLAND_BOUNDS
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return CRS.from_user_input(FINLAND_CRS)
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return CRS.from_epsg(epsg)


def layer_crs(frame: gpd.GeoDataFrame, setting: str = "auto") -> CRS:
    """The metric CRS of a study known only from one layer (areas without OSM).

    Parameters
    ----------
    frame
        The layer, in any CRS.
    setting
        ``general.crs``: ``"auto"`` (the default) or a CRS that is used as given.

    Returns
    -------
    pyproj.CRS
        ``setting``, or :func:`metric_crs` of the centre of the layer's union.
    """
    if setting != "auto":
        return CRS.from_user_input(setting)
    centre = frame.to_crs(4326).geometry.union_all().centroid
    return metric_crs(centre.x, centre.y)
