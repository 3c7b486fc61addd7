"""Lamp model: mounting height and luminous intensity of every lamp.

Each lamp gets a height and an intensity from, in order of preference, the lamp
register, its OSM tags, or a documented default for its context (street, park
path, pedestrian area). Register lamps replace OSM lamps wherever the register
covers the area. The defaults and their sources are in ``docs/lighting.md``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.errors import InputError
from safespaces.lighting.params import GENERIC_DISTRIBUTIONS, LightingParams, validate
from safespaces.lighting.photometry import Photometry, generic, read_photometry
from safespaces.sources.frames import lamp_points, street_segments

#: Optional lamp columns and their fill value when a source does not provide them.
OPTIONAL_LAMP_COLUMNS: dict[str, object] = {
    "lamp_id": None,
    "source": "osm",
    "height_m": np.nan,
    "intensity_cd": np.nan,
    "lumen": np.nan,
    "light_count": np.nan,
    "lamp_mount": None,
    "support": None,
    "lamp_type": None,
    "luminaire": None,
}

#: Columns added by :func:`lamp_model`.
MODEL_COLUMNS: tuple[str, ...] = (
    "light_context",
    "light_height_m",
    "light_intensity_cd",
    "light_height_from",
    "light_intensity_from",
    "light_source_of_values",
    "light_distribution",
    "light_flux_lm",
    "light_azimuth_deg",
)


def lumen_to_candela(lumen: np.ndarray | float, params: LightingParams) -> np.ndarray:
    """Convert luminous flux to the intensity of the point-source model.

    Under E = I cos^3(gamma) / h^2 with a constant intensity I, the flux reaching
    the ground plane is the integral of E over the plane,
    2 pi r dr x I h / (h^2 + r^2)^(3/2) integrated from 0 to infinity = 2 pi I.
    Setting it equal to the lamp's flux gives I = lumen / (2 pi) (the default
    ``lumen_to_cd``); a Lambertian downlight would give lumen / pi at nadir.

    Parameters
    ----------
    lumen
        Luminous flux in lumen.
    params
        ``lumen_to_cd`` is the factor (cd per lm).

    Returns
    -------
    numpy.ndarray
        Intensity in candela.

    Examples
    --------
    A 6000 lm lamp under the default 1 / (2 pi):

    >>> from safespaces.lighting import LightingParams
    >>> round(float(lumen_to_candela(6000.0, LightingParams())), 1)
    954.9
    """
    return np.asarray(lumen, dtype=float) * params.lumen_to_cd


def _with_optional_columns(lamps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = lamps.copy()
    for col, fill in OPTIONAL_LAMP_COLUMNS.items():
        if col not in out.columns:
            out[col] = fill
    for col in ("height_m", "intensity_cd", "lumen", "light_count"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def _norm(values: pd.Series) -> np.ndarray:
    """Lower-case strings with spaces as underscores; missing values as ''."""
    s = pd.Series(values, copy=False).astype("string").fillna("")
    s = s.str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
    return s.to_numpy(dtype=object)


def _positive(values: pd.Series) -> np.ndarray:
    a = values.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(a) & (a > 0), a, np.nan)


def check_same_crs(*frames: gpd.GeoDataFrame | None) -> None:
    """Raise :class:`InputError` unless every frame has the same projected CRS."""
    crss = [f.crs for f in frames if f is not None and len(f.columns)]
    if not crss:
        return
    first = crss[0]
    if first is None or not first.is_projected:
        raise InputError(
            f"lighting needs a projected (metric) CRS, got {first}",
            fix="reproject the inputs to the study area's metric CRS (EPSG:3067 in Finland)",
        )
    for other in crss[1:]:
        if other is not None and other != first:
            raise InputError(
                f"inputs are in different CRSs ({first.to_string()} and {other.to_string()})",
                fix="reproject every input to one metric CRS before the lighting analysis",
            )


def register_coverage(lamps: gpd.GeoDataFrame, buffer_m: float) -> shapely.Geometry | None:
    """Area covered by the lamp register: convex hull of its lamps, buffered.

    Parameters
    ----------
    lamps
        Lamps with a ``source`` column; rows with ``source == 'register'`` count.
    buffer_m
        Buffer around the convex hull, in metres.

    Returns
    -------
    shapely.Geometry or None
        ``None`` when there are no register lamps.
    """
    if "source" not in lamps.columns:
        return None
    reg = lamps.geometry[lamps["source"].astype(object) == "register"]
    reg = reg[~reg.is_empty & reg.notna()]
    if reg.empty:
        return None
    hull = shapely.convex_hull(shapely.union_all(reg.to_numpy()))
    return shapely.buffer(hull, buffer_m)


def _prepared(lamps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lamps with the optional columns, no empty geometry, each at a point."""
    out = _with_optional_columns(lamp_points(lamps))
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    if not out.geometry.geom_type.isin(["Point"]).all():
        out = out.set_geometry(out.geometry.representative_point())
    return out


def study_register_cover(
    lamps: gpd.GeoDataFrame, params: LightingParams | None = None
) -> shapely.Geometry | None:
    """The register coverage of a whole study's lamps, as :func:`lamp_model` computes it.

    What a spatial partition passes to :func:`lamp_model` (``register_cover``): the
    convex hull of every register lamp of the study, not of the partition's.
    """
    params = LightingParams() if params is None else params
    return register_coverage(_prepared(lamps), params.register_buffer_m)


def lamp_context(
    lamps: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    public_spaces: gpd.GeoDataFrame | None,
    params: LightingParams,
) -> np.ndarray:
    """Context of each lamp: ``street``, ``park_path`` or ``pedestrian``.

    The nearest segment within ``context_distance_m`` decides: a path highway
    (``path_highways``) inside a park is a park path; a pedestrian highway, or a
    lamp inside a square or pedestrian area, is a pedestrian area; everything
    else is a street. A lamp with no segment near it inside a park is a park-path
    lamp.

    Returns
    -------
    numpy.ndarray of str
        One context per lamp, in the lamps' order.
    """
    n = len(lamps)
    geoms = lamps.geometry.to_numpy()
    near_hw = np.full(n, "", dtype=object)
    if len(segments) and n:
        idx = segments.sindex.nearest(
            geoms, max_distance=params.context_distance_m, return_all=False
        )
        hw = (
            segments["highway"]
            if "highway" in segments.columns
            else pd.Series([""] * len(segments))
        )
        hw_norm = _norm(hw.reset_index(drop=True))
        near_hw[idx[0]] = hw_norm[idx[1]]
    in_park = np.zeros(n, dtype=bool)
    in_ped = np.zeros(n, dtype=bool)
    if public_spaces is not None and len(public_spaces) and n:
        kind = _norm(public_spaces["kind"].reset_index(drop=True))
        pairs = public_spaces.sindex.query(geoms, predicate="intersects")
        park_hit = np.isin(kind[pairs[1]], np.array(params.park_kinds, dtype=object))
        ped_hit = np.isin(kind[pairs[1]], np.array(params.pedestrian_kinds, dtype=object))
        in_park[pairs[0][park_hit]] = True
        in_ped[pairs[0][ped_hit]] = True
    is_path = np.isin(near_hw, np.array(params.path_highways, dtype=object))
    is_ped_hw = np.isin(near_hw, np.array(params.pedestrian_highways, dtype=object))
    no_segment = near_hw == ""
    return np.select(
        [
            in_park & (is_path | no_segment),
            is_ped_hw | in_ped,
        ],
        ["park_path", "pedestrian"],
        default="street",
    ).astype(object)


def _lookup(mapping: Mapping[str, float], keys: np.ndarray) -> np.ndarray:
    # every context has a value: validate() checked ``default_height_m`` and ``default_lumen``
    return pd.Series(keys).map({str(k): float(v) for k, v in mapping.items()}).to_numpy(float)


def lamp_model(
    lamps: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    public_spaces: gpd.GeoDataFrame | None = None,
    params: LightingParams | None = None,
    *,
    register_cover: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Resolve the mounting height and luminous intensity of every lamp.

    Height: the register's or OSM's ``height_m`` (OSM ``height`` /
    ``light:height``), else the height for its ``lamp_mount`` / ``support``
    (``mount_height_m``), else the default for its context. Distribution: the
    register's ``luminaire`` (a ``.ldt`` / ``.ies`` path, a generic name, or a type of
    ``luminaires``), else ``distribution[context]``. Flux: from the register's peak
    ``intensity_cd`` (flux = 1000 x I / the table's peak), else ``lumen``, else the
    photometry file's own flux, else the context's default; OSM lamps with
    ``light:count`` n have n luminaires, so n times the flux. The intensity
    ``light_intensity_cd`` is the lamp's peak; aiming in :func:`lamp_azimuth`.
    Register lamps replace OSM lamps inside :func:`register_coverage`.

    Parameters
    ----------
    lamps
        Points with the optional columns ``source`` ('osm', the default, or
        'register'), ``height_m``, ``intensity_cd``, ``lumen``, ``light_count``,
        ``lamp_mount``, ``support``, ``lamp_type``; OSM tag columns of osmnx or
        pyrosm (``light:height`` ...) are read where those are missing
        (:func:`safespaces.sources.frames.lamp_points`).
    segments
        Walking segments with ``highway`` (for the context), same metric CRS.
    public_spaces
        Polygons with ``kind`` (for the context), or ``None``.
    params
        Lighting settings (default: :class:`LightingParams`).
    register_cover
        The study's register coverage (:func:`register_coverage` of all its
        lamps); None: computed from ``lamps``.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept lamps with ``light_context``, ``light_height_m``,
        ``light_intensity_cd`` (peak, cd), ``light_height_from``,
        ``light_intensity_from``, ``light_source_of_values`` ('register', 'osm tag'
        or 'default:<context>'), ``light_distribution`` (generic name or file path),
        ``light_flux_lm`` and ``light_azimuth_deg`` (NaN when not aimed).
    Examples
    --------
    A lamp tagged 6 m high beside a footway, and an untagged one (outside a park, a
    footway lamp has the context ``street``):

    >>> import geopandas as gpd, shapely
    >>> path = gpd.GeoDataFrame({"highway": ["footway"]},
    ...     geometry=[shapely.LineString([(0, 0), (100, 0)])], crs="EPSG:3067")
    >>> lamps = gpd.GeoDataFrame({"light:height": ["6", None]},
    ...     geometry=[shapely.Point(10, 2), shapely.Point(60, 2)], crs="EPSG:3067")
    >>> model = lamp_model(lamps, path)
    >>> model[["light_height_m", "light_height_from"]].values.tolist()
    [[6.0, 'osm tag'], [8.0, 'default:street']]
    """
    params = LightingParams() if params is None else params
    validate(params)
    segments = street_segments(segments, need=("highway",))
    lamps = lamp_points(lamps)
    check_same_crs(lamps, segments, public_spaces)
    out = _prepared(lamps)
    cover = register_cover
    if cover is None:
        cover = register_coverage(out, params.register_buffer_m)
    is_reg = (out["source"].astype(object) == "register").to_numpy()
    if cover is not None:
        inside = shapely.intersects(cover, out.geometry.to_numpy())
        out = out[is_reg | ~inside]
        is_reg = (out["source"].astype(object) == "register").to_numpy()
    out = out.copy()
    ctx = lamp_context(out, segments, public_spaces, params)
    default_h = _lookup(params.default_height_m, ctx)
    default_lm = _lookup(params.default_lumen, ctx)
    default_tag = np.char.add("default:", ctx.astype(str)).astype(object)

    # Height: given > mount type > context default.
    given_h = _positive(out["height_m"])
    mount = _norm(out["lamp_mount"])
    support = _norm(out["support"])
    mount_map = {str(k): float(v) for k, v in params.mount_height_m.items()}
    mount_h = pd.Series(mount).map(mount_map).to_numpy(float, na_value=np.nan)
    support_h = pd.Series(support).map(mount_map).to_numpy(float, na_value=np.nan)
    mount_h = np.where(np.isfinite(mount_h), mount_h, support_h)
    has_h = np.isfinite(given_h)
    has_mount = ~has_h & np.isfinite(mount_h) & ~is_reg
    height = np.where(has_h, given_h, np.where(has_mount, mount_h, default_h))
    h_from = np.where(
        has_h,
        np.where(is_reg, "register", "osm tag"),
        np.where(has_mount, "osm lamp_mount", default_tag),
    ).astype(object)

    # Distribution: the register's luminaire (file or type) > the context's default.
    dist = _distributions(out, ctx, params)
    tables = {name: load_distribution(name) for name in pd.unique(dist)}
    peak = np.array([tables[d].peak_cd_per_klm for d in dist])
    own_flux = np.array([tables[d].flux_lm for d in dist])
    isotropic = dist == "isotropic"
    # the isotropic table is Phi/(2 pi) per lm; lumen_to_cd rescales it
    per_lm = np.where(isotropic, params.lumen_to_cd * 2 * math.pi, 1.0)

    # Flux: given peak cd > lumen > the file's own flux > context default; x light:count (OSM).
    given_i = _positive(out["intensity_cd"])
    given_lm = _positive(out["lumen"])
    has_i = np.isfinite(given_i)
    has_lm = ~has_i & np.isfinite(given_lm)
    has_file = ~has_i & ~has_lm & np.isfinite(own_flux)
    flux = np.where(
        has_i,
        given_i * 1000.0 / peak / per_lm,
        np.where(has_lm, given_lm, np.where(has_file, own_flux, default_lm)),
    )
    src_prefix = np.where(is_reg, "register", "osm tag")
    i_from = np.where(
        has_i,
        np.char.add(src_prefix.astype(str), " intensity_cd"),
        np.where(
            has_lm,
            np.char.add(src_prefix.astype(str), " lumen"),
            np.where(has_file, "photometry file", default_tag),
        ),
    ).astype(object)
    count = _positive(out["light_count"])
    use_count = np.isfinite(count) & ~is_reg
    flux = np.where(use_count, flux * np.where(use_count, count, 1.0), flux)
    i_from = np.where(use_count, np.char.add(i_from.astype(str), " x light:count"), i_from)
    intensity = flux / 1000.0 * peak * per_lm

    from_tags = has_h | has_mount | has_i | has_lm | use_count
    source_of_values = np.where(
        is_reg, "register", np.where(from_tags, "osm tag", default_tag)
    ).astype(object)

    out["light_context"] = ctx
    out["light_height_m"] = height
    out["light_intensity_cd"] = intensity
    out["light_height_from"] = h_from
    out["light_intensity_from"] = i_from.astype(object)
    out["light_source_of_values"] = source_of_values
    out["light_distribution"] = dist
    out["light_flux_lm"] = flux
    out["light_azimuth_deg"] = lamp_azimuth(out, segments, tables, params)
    return out


def _distributions(
    lamps: gpd.GeoDataFrame, ctx: np.ndarray, params: LightingParams
) -> npt.NDArray[np.object_]:
    """Distribution of each lamp: its ``luminaire`` (a file, a generic name, or a type of
    ``params.luminaires``), else ``params.distribution[context]``."""
    default = pd.Series(ctx).map({str(k): str(v) for k, v in params.distribution.items()})
    lum = pd.Series(lamps["luminaire"].to_numpy(dtype=object)).astype("string").str.strip()
    lum = lum.where(lum != "")
    types = {str(k).strip(): str(v) for k, v in params.luminaires.items()}
    is_file = lum.str.lower().str.endswith((".ldt", ".ies")).fillna(False).astype(bool)
    is_generic = lum.isin(list(GENERIC_DISTRIBUTIONS)).fillna(False).astype(bool)
    mapped = lum.map(types)
    unknown = lum.notna() & ~is_file & ~is_generic & mapped.isna()
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"luminaire type {lum.iloc[i]!r} has no photometry file",
            column="luminaire",
            row=i + 1,
            fix="name its .ldt / .ies file in [lighting] luminaires = { "
            f'"{lum.iloc[i]}" = "path/to/file.ldt" }}, or put the file\'s path in the '
            "register's luminaire column",
        )
    chosen = lum.where(is_file | is_generic, mapped).fillna(default)
    return chosen.to_numpy(dtype=object)


@functools.lru_cache(maxsize=64)
def _read_cached(path: str, mtime: float) -> Photometry:
    return read_photometry(path)


def load_distribution(name: str) -> Photometry:
    """The distribution named by a lamp's ``light_distribution``: a generic name or a
    ``.ldt`` / ``.ies`` path (read once per file and modification time)."""
    if name in GENERIC_DISTRIBUTIONS:
        return generic(name)
    path = Path(name)
    mtime = path.stat().st_mtime if path.is_file() else -1.0
    return _read_cached(str(path), mtime)


def lamp_azimuth(
    lamps: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    tables: Mapping[str, Photometry],
    params: LightingParams,
) -> npt.NDArray[np.float64]:
    """Map direction of each lamp's C = 0 plane, degrees counter-clockwise from the x axis.

    A luminaire at the kerb throws its light across the way it serves: the lamp is
    turned so that its distribution's street side
    (:meth:`~safespaces.lighting.photometry.Photometry.street_side_deg`; C = 90 when
    the distribution has none) points from the lamp to the nearest point of the
    nearest segment within ``cutoff_m``. A lamp on the segment itself takes the normal
    to the segment (to its left). NaN for rotationally symmetric distributions and for
    lamps with no segment in reach (they shine the same in every direction or are
    treated as aimed along the x axis).
    """
    n = len(lamps)
    out = np.full(n, np.nan)
    dist = lamps["light_distribution"].to_numpy(dtype=object)
    aimed = np.array([not tables[d].rotational for d in dist], dtype=bool)
    if not aimed.any() or len(segments) == 0:
        return np.where(aimed, 0.0, out)
    geoms = lamps.geometry.to_numpy()[aimed]
    idx = segments.sindex.nearest(geoms, max_distance=params.cutoff_m, return_all=False)
    lamp_pos = np.flatnonzero(aimed)[idx[0]]
    seg = segments.geometry.to_numpy()[idx[1]]
    pts = lamps.geometry.to_numpy()[lamp_pos]
    along = shapely.line_locate_point(seg, pts)
    foot = shapely.line_interpolate_point(seg, along)
    xy = shapely.get_coordinates(pts)
    fxy = shapely.get_coordinates(foot)
    d = fxy - xy
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(seg, along + 0.5))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(seg, along - 0.5))
    tangent = ahead - behind
    on_line = np.hypot(d[:, 0], d[:, 1]) < 0.1
    d[on_line] = np.column_stack([-tangent[on_line, 1], tangent[on_line, 0]])
    to_path = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    side = np.array([tables[x].street_side_deg() for x in dist[lamp_pos]])
    side = np.where(np.isfinite(side), side, 90.0)
    out[aimed] = 0.0
    out[lamp_pos] = np.mod(to_path - side, 360.0)
    return out


@dataclasses.dataclass(frozen=True)
class LampOptics:
    """Lamps as the illuminance sum needs them (:func:`lamp_optics`).

    Attributes
    ----------
    xyh
        ``(m, 3)``: x, y and mounting height (m).
    scale
        Multiplier of each lamp's table (its flux / 1000 lm; the isotropic table
        also carries ``lumen_to_cd``).
    azimuth_deg
        Map direction of the C = 0 plane (NaN: not aimed).
    kind
        Position of each lamp's distribution in ``distributions``.
    distributions
        The distinct distributions.
    """

    xyh: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    azimuth_deg: npt.NDArray[np.float64]
    kind: npt.NDArray[np.intp]
    distributions: tuple[Photometry, ...]

    def __len__(self) -> int:
        return len(self.scale)

    @classmethod
    def isotropic(cls, lamps_xyzI: npt.ArrayLike) -> LampOptics:
        """Point sources of constant intensity I below the horizontal (``(m, 4)`` x, y, h, I)."""
        arr = np.asarray(lamps_xyzI, dtype=float).reshape(-1, 4)
        return cls(
            xyh=arr[:, :3],
            scale=arr[:, 3] * 2 * math.pi / 1000.0,
            azimuth_deg=np.full(len(arr), np.nan),
            kind=np.zeros(len(arr), dtype=np.intp),
            distributions=(generic("isotropic"),),
        )

    def subset(self, mask: npt.NDArray[np.bool_]) -> LampOptics:
        """The lamps where ``mask`` is true."""
        return dataclasses.replace(
            self,
            xyh=self.xyh[mask],
            scale=self.scale[mask],
            azimuth_deg=self.azimuth_deg[mask],
            kind=self.kind[mask],
        )


def lamp_optics(lamps: gpd.GeoDataFrame) -> LampOptics:
    """Modelled lamps (:func:`lamp_model`) as :class:`LampOptics`.

    Lamps without ``light_distribution`` (frames built by hand) are isotropic point
    sources of intensity ``light_intensity_cd``.
    """
    arr = lamp_array(lamps)
    if "light_distribution" not in lamps.columns or len(lamps) == 0:
        return LampOptics.isotropic(arr)
    dist = lamps["light_distribution"].to_numpy(dtype=object)
    names = list(pd.unique(dist))
    tables = tuple(load_distribution(str(n)) for n in names)
    kind = pd.Series(dist).map({n: i for i, n in enumerate(names)}).to_numpy(np.intp)
    peak = np.array([t.peak_cd_per_klm for t in tables])[kind]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(peak > 0, arr[:, 3] / peak, 0.0)
    azimuth = (
        lamps["light_azimuth_deg"].to_numpy(dtype=float)
        if "light_azimuth_deg" in lamps.columns
        else np.full(len(lamps), np.nan)
    )
    return LampOptics(
        xyh=arr[:, :3], scale=scale, azimuth_deg=azimuth, kind=kind, distributions=tables
    )


def modelled(
    lamps: gpd.GeoDataFrame | None,
    segments: gpd.GeoDataFrame,
    params: LightingParams,
    public_spaces: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """``lamps`` as :func:`lamp_model` returns them: as given when they carry its
    columns, else modelled here (no lamps for None)."""
    if lamps is None:
        lamps = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=segments.crs), crs=segments.crs)
    if "light_height_m" in lamps.columns and "light_intensity_cd" in lamps.columns:
        return lamps
    return lamp_model(lamps, segments, public_spaces, params)


def lamp_array(lamps: gpd.GeoDataFrame) -> np.ndarray:
    """Return modelled lamps as an ``(n, 4)`` array of x, y, height, intensity.

    Raises
    ------
    InputError
        When the lamps lack the columns added by :func:`lamp_model`.
    """
    missing = [c for c in ("light_height_m", "light_intensity_cd") if c not in lamps.columns]
    if missing:
        raise InputError(
            "lamps lack the modelled height and intensity",
            column=missing[0],
            fix="pass the lamps through safespaces.lighting.lamp_model first",
        )
    if len(lamps) == 0:
        return np.zeros((0, 4))
    xy = shapely.get_coordinates(lamps.geometry.to_numpy())
    return np.column_stack(
        [
            xy,
            lamps["light_height_m"].to_numpy(dtype=float),
            lamps["light_intensity_cd"].to_numpy(dtype=float),
        ]
    )
