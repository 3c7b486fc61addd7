"""Synthetic tiled cities: the default extract repeated k x k and joined into one network.

Benchmarks and scale tests need cities larger than the embedded central-Helsinki
extract, with the same kind of streets, buildings, lamps and premises. A k x k
city places copies of every layer of the default study side by side, translated
by multiples of the extract's width and height in the metric CRS, so the k x k
city holds k^2 times the segments, buildings, lamps and points of interest.

Ids are kept apart per tile: ``segment_id``, ``building_id``, ``lamp_id`` and the
other row ids are renumbered from 0; node ids ``u``/``v``, ``osm_id``,
``osm_way_id`` and tenure's ``osm_building_id`` are shifted by
``tile * ID_STRIDE`` (keeping their sign; negative node ids are cut points).

The tiles are joined into one walking network: dead-end nodes within ``band_m``
of a shared tile edge are paired with the nearest dead end on the other side of
the edge (mutual nearest, at most ``max_gap_m`` apart), and each pair gets a
short connector segment (``highway="footway"``, ``osm_way_id`` -1).

The SYNTHETIC tenure and incident layers are tiled the same way; areas are the
study's grid cells recomputed over the tiled extent, as :func:`load_study` does.
"""

from __future__ import annotations

import dataclasses
import warnings

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from safespaces.config import Config
from safespaces.population import sum_by_area
from safespaces.sources.areas import network_grid
from safespaces.sources.incidents import IncidentLoad
from safespaces.sources.osm import OsmData
from safespaces.study import Inputs, Study, load_study

#: Shift of node and OSM ids per tile (larger than any OSM id in the default).
ID_STRIDE = 10**11

#: Layers of :class:`OsmData` and their row-id column.
OSM_LAYERS = {
    "segments": "segment_id",
    "buildings": "building_id",
    "pois": "poi_id",
    "entrances": "entrance_id",
    "lamps": "lamp_id",
    "public_spaces": "space_id",
    "cameras": "camera_id",
    "places": "place_id",
    "water": "water_id",
}


def _shift_ids(values: pd.Series, shift: int) -> pd.Series:
    """Shift integer ids away from zero by ``shift``, keeping sign, dtype and missing values.

    Text ids (e.g. a tenure file's ``osm_building_id``) stay text.
    """
    if not len(values) or shift == 0:
        return values
    numeric = pd.to_numeric(values, errors="coerce").astype("Int64")
    shifted = numeric + np.sign(numeric) * shift
    if pd.api.types.is_integer_dtype(values.dtype) and not shifted.isna().any():
        return shifted.astype(values.dtype)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return shifted.astype(float)
    text = shifted.astype(object).map(lambda v: None if pd.isna(v) else str(v))
    return text.astype(values.dtype)


def _translate(frame: gpd.GeoDataFrame, offset: np.ndarray) -> gpd.GeoDataFrame:
    """A copy of ``frame`` moved by ``offset`` (dx, dy)."""
    out = frame.copy()
    if len(out):
        geoms = out.geometry.to_numpy()
        coords = shapely.get_coordinates(geoms) + offset
        out[out.geometry.name] = shapely.set_coordinates(geoms.copy(), coords)
    return out


@dataclasses.dataclass(frozen=True)
class Lattice:
    """Where the tiles go: tile (i, j) is the base moved by ``i * ex + j * ey``.

    The extract is a lon/lat box, a slightly skewed quadrilateral in the metric
    CRS; ``ex`` and ``ey`` are its bottom and left edges as vectors, so the east
    edge of one tile lies on the west edge of the next.
    """

    corners: np.ndarray  # SW, SE, NE, NW (4, 2)
    ex: np.ndarray
    ey: np.ndarray
    k: int

    def offset(self, t: int) -> np.ndarray:
        """Offset of tile t = i * k + j."""
        i, j = divmod(t, self.k)
        return i * self.ex + j * self.ey

    def bounds(self, base: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """Bounds of the base bounds moved to every tile."""
        shifts = np.array([self.offset(t) for t in range(self.k * self.k)])
        lo = np.array(base[:2]) + shifts.min(axis=0)
        hi = np.array(base[2:]) + shifts.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def lattice(osm: OsmData, k: int) -> Lattice:
    """The tile lattice of an extract: from its lon/lat header box when it has one."""
    x0, y0, x1, y1 = osm.bounds
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)
    if osm.path is not None:
        box = osmium.io.Reader(str(osm.path), osmium.osm.osm_entity_bits.NOTHING).header().box()
        if box.valid():
            lo, hi = box.bottom_left, box.top_right
            to_metric = Transformer.from_crs("EPSG:4326", osm.crs, always_xy=True)
            xs, ys = to_metric.transform(
                [lo.lon, hi.lon, hi.lon, lo.lon], [lo.lat, lo.lat, hi.lat, hi.lat]
            )
            corners = np.column_stack([xs, ys]).astype(float)
    ex = ((corners[1] - corners[0]) + (corners[2] - corners[3])) / 2
    ey = ((corners[3] - corners[0]) + (corners[2] - corners[1])) / 2
    return Lattice(corners, ex, ey, k)


def _tile_layer(
    frame: gpd.GeoDataFrame,
    grid: Lattice,
    *,
    id_column: str | None,
    shifted: tuple[str, ...] = (),
) -> gpd.GeoDataFrame:
    """k x k translated copies of one layer; ids in ``shifted`` moved per tile."""
    parts = []
    for t in range(grid.k * grid.k):
        part = _translate(frame, grid.offset(t))
        for column in shifted:
            if column in part:
                part[column] = _shift_ids(part[column], t * ID_STRIDE)
        parts.append(part)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=frame.crs)
    if id_column is not None and id_column in out:
        out[id_column] = np.arange(len(out), dtype=np.int64)
    return out


def _dead_ends(segments: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Node ids of degree 1 and their coordinates."""
    lines = segments.geometry.to_numpy()
    ids = np.concatenate([segments["u"].to_numpy(), segments["v"].to_numpy()])
    xy = np.concatenate(
        [
            shapely.get_coordinates(shapely.get_point(lines, 0)),
            shapely.get_coordinates(shapely.get_point(lines, -1)),
        ]
    )
    unique, first, counts = np.unique(ids, return_index=True, return_counts=True)
    keep = counts == 1
    return unique[keep], xy[first[keep]]


def _edge_distance(xy: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of points to the line through a and b."""
    d = b - a
    rel = xy - a
    return np.abs(d[0] * rel[:, 1] - d[1] * rel[:, 0]) / np.linalg.norm(d)


def seam_pairs(
    segments: gpd.GeoDataFrame,
    grid: Lattice,
    *,
    band_m: float = 40.0,
    max_gap_m: float = 60.0,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Dead ends of the base tile to join across its east and north seams.

    Returns, per seam (``"east"``: tile (i, j) to (i + 1, j); ``"north"``: to
    (i, j + 1)), the node ids and coordinates on the near side and on the far
    side (far coordinates in the base tile's frame). Pairs are mutual nearest
    neighbours no more than ``max_gap_m`` apart across the seam.
    """
    ids, xy = _dead_ends(segments)
    sw, se, ne, nw = grid.corners
    out = {}
    for seam, (near_edge, far_edge, shift) in {
        "east": ((se, ne), (sw, nw), grid.ex),
        "north": ((nw, ne), (sw, se), grid.ey),
    }.items():
        near = np.flatnonzero(_edge_distance(xy, *near_edge) <= band_m)
        far = np.flatnonzero(_edge_distance(xy, *far_edge) <= band_m)
        if not len(near) or not len(far):
            out[seam] = (ids[:0], xy[:0], ids[:0], xy[:0])
            continue
        far_xy = xy[far] + shift
        d_nf, i_nf = cKDTree(far_xy).query(xy[near], distance_upper_bound=max_gap_m)
        _, i_fn = cKDTree(xy[near]).query(far_xy, distance_upper_bound=max_gap_m)
        ok = np.isfinite(d_nf) & (d_nf > 0)
        a = np.flatnonzero(ok)
        a = a[i_fn[i_nf[a]] == a]
        b = i_nf[a]
        out[seam] = (ids[near[a]], xy[near[a]], ids[far[b]], xy[far[b]])
    return out


def connectors(segments: gpd.GeoDataFrame, grid: Lattice, **options: float) -> gpd.GeoDataFrame:
    """Short segments joining dead ends across every internal seam of the lattice.

    ``segments`` are the base tile's; ``options`` go to :func:`seam_pairs`.
    Returns connector segments with the segments' columns (``segment_id`` unset).
    """
    pairs = seam_pairs(segments, grid, **options)
    k = grid.k
    rows_u, rows_v, starts, ends = [], [], [], []
    for i in range(k):
        for j in range(k):
            t = i * k + j
            for seam, (di, dj) in (("east", (1, 0)), ("north", (0, 1))):
                if i + di >= k or j + dj >= k:
                    continue
                t2 = (i + di) * k + (j + dj)
                a_id, a_xy, b_id, b_xy = pairs[seam]
                rows_u.append(a_id + np.sign(a_id) * t * ID_STRIDE)
                rows_v.append(b_id + np.sign(b_id) * t2 * ID_STRIDE)
                starts.append(a_xy + grid.offset(t))
                ends.append(b_xy + grid.offset(t2))
    if not rows_u or not sum(len(r) for r in rows_u):
        return segments.iloc[:0].copy()
    a = np.concatenate(starts)
    b = np.concatenate(ends)
    lines = shapely.linestrings(
        np.stack([a, b], axis=1).reshape(-1, 2), indices=np.repeat(np.arange(len(a)), 2)
    )
    frame = pd.DataFrame(
        {c: pd.Series([None] * len(a), dtype=object) for c in segments if c != "geometry"}
    )
    frame["osm_way_id"] = np.int64(-1)
    frame["u"] = np.concatenate(rows_u)
    frame["v"] = np.concatenate(rows_v)
    frame["highway"] = "footway"
    out = gpd.GeoDataFrame(frame, geometry=lines, crs=segments.crs)
    out["length_m"] = out.geometry.length
    return out


def tile_osm(osm: OsmData, k: int, *, join: bool = True) -> OsmData:
    """Every layer of ``osm`` repeated k x k, the tiles joined into one network.

    Parameters
    ----------
    osm
        Layers of one extract (segments already split for analysis).
    k
        Tiles per side (1 returns a copy).
    join
        Add connector segments across tile seams.

    Returns
    -------
    OsmData
        Bounds cover all tiles; ``path`` is None.
    """
    if k < 1:
        raise ValueError(f"k = {k}: tiles per side must be 1 or more")
    grid = lattice(osm, k)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name, id_column in OSM_LAYERS.items():
        shifted = ("osm_id",) if name != "segments" else ("u", "v", "osm_way_id")
        layers[name] = _tile_layer(getattr(osm, name), grid, id_column=id_column, shifted=shifted)
    if join and k > 1:
        extra = connectors(osm.segments, grid)
        parts = [f for f in (layers["segments"], extra) if len(f)] or [layers["segments"]]
        with warnings.catch_warnings():
            # pandas 2.x warns that all-NA columns (a tag no connector has) will count
            # towards the dtype in pandas 3; the columns are typed again below or are text
            warnings.filterwarnings("ignore", "The behavior of DataFrame concatenation")
            seg = pd.concat(parts, ignore_index=True)
        seg["segment_id"] = np.arange(len(seg), dtype=np.int64)
        seg["osm_way_id"] = seg["osm_way_id"].astype(np.int64)
        for column in ("u", "v"):
            seg[column] = seg[column].astype(np.int64)
        layers["segments"] = gpd.GeoDataFrame(seg, crs=osm.crs)
    return OsmData(**layers, crs=osm.crs, bounds=grid.bounds(osm.bounds), path=None)


def tile_study(study: Study, k: int, *, join: bool = True) -> Study:
    """A k x k tiled copy of a loaded study: OSM layers, areas, tenure and incidents.

    Areas are the configured grid cells over the tiled extent (as for a study
    without an areas file), with ``residents_est`` summed from the buildings.
    """
    config = study.config
    osm = tile_osm(study.osm, k, join=join)
    grid = lattice(study.osm, k)
    areas = network_grid(
        osm.bounds,
        osm.crs,
        (osm.segments, osm.buildings),
        size_m=config.sources.grid_size_m,
        places=osm.places,
    )
    areas["residents_est"] = sum_by_area(areas, osm.buildings, ["residents_est"])["residents_est"]
    tenure = None
    if study.tenure is not None:
        tenure = _tile_layer(study.tenure, grid, id_column=None, shifted=("osm_building_id",))
    incidents = None
    if study.incidents is not None:
        points = _tile_layer(study.incidents.points, grid, id_column="incident_id")
        dropped = {key: value * k * k for key, value in study.incidents.dropped.items()}
        incidents = IncidentLoad(points, dropped)
    return dataclasses.replace(
        study,
        osm=osm,
        areas=areas,
        tenure=tenure,
        incidents=incidents,
        synthetic=[*study.synthetic],
    )


def tiled_study(k: int, config: Config | None = None, *, join: bool = True) -> Study:
    """The embedded Helsinki default tiled k x k (see the module docstring).

    Parameters
    ----------
    k
        Tiles per side: 1 is the default itself, 10 about 100 times its size.
    config
        Settings (default: :class:`Config`).
    join
        Join the tiles into one walking network.
    """
    config = config or Config()
    base = load_study(Inputs(), config)
    if k == 1:
        return base
    return tile_study(base, k, join=join)
