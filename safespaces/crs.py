"""Choose the one metric CRS that every computation uses, and the study's clock.

``general.crs = "auto"`` (the default) picks a national grid where the study's
centre lies in a country that has one, else the WGS 84 UTM zone of the centre
(pyproj's :func:`~pyproj.database.query_utm_crs_info`). The country comes from
the IANA time zone at the centre (offline, ``timezonefinder``); the grid must
also cover the centre (its area of use in the EPSG registry, or the longitude
band the country uses for it):

=========  ==============================================  ===========================
country    grid                                             used where
=========  ==============================================  ===========================
Finland    EPSG:3067 ETRS89 / TM35FIN(E,N)                   everywhere (Maanmittauslaitos)
Sweden     EPSG:3006 SWEREF99 TM                             everywhere (Lantmäteriet)
Norway     EPSG:25832 / 25833 / 25835 ETRS89 / UTM 32/33/35  west of 12 E / 12-22.5 E /
                                                            east of 22.5 E (Kartverket:
                                                            Nordland and Troms in 33,
                                                            Finnmark in 35)
Denmark    EPSG:25832 / 25833 ETRS89 / UTM 32/33             west of 13.5 E / Bornholm
Iceland    EPSG:3057 ISN93 / Lambert 1993                    everywhere (Landmælingar)
=========  ==============================================  ===========================

``general.timezone = "auto"`` (the default) is the IANA zone at the study's centre
(:func:`zone_at`); a zone written in the configuration wins.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import geopandas as gpd
from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

#: Country of a time zone, for the countries with a national grid (Åland keeps Finland's).
ZONE_COUNTRY: dict[str, str] = {
    "Europe/Helsinki": "Finland",
    "Europe/Mariehamn": "Finland",
    "Europe/Stockholm": "Sweden",
    "Europe/Oslo": "Norway",
    "Arctic/Longyearbyen": "Norway",
    "Europe/Copenhagen": "Denmark",
    "Atlantic/Reykjavik": "Iceland",
}

#: National grids: country -> ((east limit of the longitude band, EPSG code), ...), west to east.
NATIONAL_GRIDS: dict[str, tuple[tuple[float, int], ...]] = {
    "Finland": ((180.0, 3067),),
    "Sweden": ((180.0, 3006),),
    "Norway": ((12.0, 25832), (22.5, 25833), (180.0, 25835)),
    "Denmark": ((13.5, 25832), (180.0, 25833)),
    "Iceland": ((180.0, 3057),),
}

#: Degrees a centre may lie outside a grid's EPSG area of use (coastal waters, border towns).
AREA_MARGIN_DEG = 1.5


@dataclasses.dataclass(frozen=True)
class Location:
    """Where the study lies and what that decides (stored in ``run_metadata["location"]``).

    Attributes
    ----------
    lat, lon
        The study's centre (degrees, WGS 84).
    timezone
        The IANA zone of every local clock time.
    timezone_source
        ``"from coordinates"`` or ``"from the configuration"``.
    crs
        The metric CRS, as ``EPSG:n`` (or PROJ text).
    crs_source
        ``"national grid"``, ``"UTM zone"`` or ``"from the configuration"``.
    """

    lat: float
    lon: float
    timezone: str
    timezone_source: str
    crs: str
    crs_source: str

    def line(self) -> str:
        """One line for the run summary, e.g. ``Europe/Oslo (from coordinates), ...``."""
        hemi = "N" if self.lat >= 0 else "S"
        return (
            f"{self.timezone} ({self.timezone_source}), {self.crs} ({self.crs_source}), "
            f"darkness at {abs(self.lat):.2f}{hemi}"
        )

    def record(self) -> dict[str, Any]:
        """The ``run_metadata`` record."""
        return {**dataclasses.asdict(self), "lat": round(self.lat, 5), "lon": round(self.lon, 5)}


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


@functools.lru_cache(maxsize=1)
def _finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@functools.lru_cache(maxsize=256)
def zone_at(lon: float, lat: float) -> str:
    """The IANA time zone at ``lon``, ``lat`` (offline, from timezonefinder's polygons).

    At sea, where no land zone applies, the nautical zone ``Etc/GMT±n`` of the
    longitude (as timezonefinder's ocean zones).
    """
    lon = _wrap(lon)
    zone = _finder().timezone_at(lng=lon, lat=max(-90.0, min(90.0, lat)))
    if zone:
        return str(zone)
    offset = round(lon / 15.0)
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def national_grid(lon: float, lat: float) -> CRS | None:
    """The national grid of the country at ``lon``, ``lat`` (see the module table), or None."""
    lon = _wrap(lon)
    country = ZONE_COUNTRY.get(zone_at(lon, lat))
    if country is None:
        return None
    epsg = next(code for east, code in NATIONAL_GRIDS[country] if lon < east)
    crs = CRS.from_epsg(epsg)
    area = crs.area_of_use
    if area is not None:
        m = AREA_MARGIN_DEG
        if not (area.south - m <= lat <= area.north + m and area.west - m <= lon <= area.east + m):
            return None
    return crs


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM zone of ``lon``, ``lat`` (pyproj's choice; EPSG:326xx / 327xx)."""
    lon = _wrap(lon)
    infos = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    codes = sorted(int(i.code) for i in infos if i.auth_name == "EPSG")
    if codes:
        zone = int((lon + 180.0) // 6.0) % 60 + 1
        formula = (32600 if lat >= 0 else 32700) + zone
        return CRS.from_epsg(formula if formula in codes else codes[0])
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def crs_choice(lon: float, lat: float) -> tuple[CRS, str]:
    """The metric CRS for a study centred on ``lon``, ``lat`` and why it was chosen.

    Returns
    -------
    tuple of (pyproj.CRS, str)
        The national grid (``"national grid"``) or the UTM zone (``"UTM zone"``).
    """
    grid = national_grid(lon, lat)
    return (grid, "national grid") if grid is not None else (utm_crs(lon, lat), "UTM zone")


def metric_crs(lon: float, lat: float) -> CRS:
    """Return the metric CRS for a study area centred on ``lon``, ``lat``.

    Parameters
    ----------
    lon, lat
        Centre of the study area in degrees (EPSG:4326).

    Returns
    -------
    pyproj.CRS
        The country's national grid (module table: EPSG:3067 in Finland), else the
        WGS 84 UTM zone of the point.
    """
    return crs_choice(lon, lat)[0]


def crs_label(crs: CRS) -> str:
    """``EPSG:n`` when the CRS has an EPSG code, else its PROJ text."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def locate(lon: float, lat: float, *, timezone: str, crs: CRS, crs_setting: str) -> Location:
    """The :class:`Location` of a study centred on ``lon``, ``lat``.

    Parameters
    ----------
    timezone
        ``general.timezone``: ``"auto"`` (the zone at the centre) or an IANA zone.
    crs
        The CRS the study uses.
    crs_setting
        ``general.crs``: ``"auto"`` or the CRS as configured.
    """
    if timezone == "auto":
        zone, zone_source = zone_at(lon, lat), "from coordinates"
    else:
        zone, zone_source = timezone, "from the configuration"
    auto = crs_setting == "auto"
    crs_source = crs_choice(lon, lat)[1] if auto else "from the configuration"
    return Location(float(lat), float(_wrap(lon)), zone, zone_source, crs_label(crs), crs_source)


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
