"""Lamp model: mounting height and luminous intensity of every lamp.

Each lamp gets a height and an intensity from, in order of preference, the lamp
register, its OSM tags, or a documented default for its context (street, park
path, pedestrian area). Register lamps replace OSM lamps wherever the register
covers the area. The defaults and their sources are in ``docs/lighting.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.errors import InputError
from safespaces.lighting.params import LightingParams, validate
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
}

#: Columns added by :func:`lamp_model`.
MODEL_COLUMNS: tuple[str, ...] = (
    "light_context",
    "light_height_m",
    "light_intensity_cd",
    "light_height_from",
    "light_intensity_from",
    "light_source_of_values",
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
) -> gpd.GeoDataFrame:
    """Resolve the mounting height and luminous intensity of every lamp.

    Height: the register's or OSM's ``height_m`` (OSM ``height`` /
    ``light:height``), else the height for its ``lamp_mount`` / ``support``
    (``mount_height_m``), else the default for its context. Intensity: the
    register's ``intensity_cd``, else ``lumen`` x ``lumen_to_cd``, else the
    context's default flux x ``lumen_to_cd``; OSM lamps with ``light:count`` n
    have n luminaires, so n times the intensity. Register lamps replace OSM lamps
    inside :func:`register_coverage`.

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

    Returns
    -------
    geopandas.GeoDataFrame
        The kept lamps with ``light_context``, ``light_height_m``,
        ``light_intensity_cd``, ``light_height_from``, ``light_intensity_from``
        and ``light_source_of_values`` ('register', 'osm tag' or
        'default:<context>').

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
    out = _with_optional_columns(lamps)
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    if not out.geometry.geom_type.isin(["Point"]).all():
        out = out.set_geometry(out.geometry.representative_point())
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

    # Intensity: given cd > lumen > context default flux; x light:count for OSM.
    given_i = _positive(out["intensity_cd"])
    given_lm = _positive(out["lumen"])
    has_i = np.isfinite(given_i)
    has_lm = ~has_i & np.isfinite(given_lm)
    intensity = np.where(
        has_i,
        given_i,
        lumen_to_candela(np.where(has_lm, given_lm, default_lm), params),
    )
    src_prefix = np.where(is_reg, "register", "osm tag")
    i_from = np.where(
        has_i,
        np.char.add(src_prefix.astype(str), " intensity_cd"),
        np.where(has_lm, np.char.add(src_prefix.astype(str), " lumen"), default_tag),
    ).astype(object)
    count = _positive(out["light_count"])
    use_count = np.isfinite(count) & ~is_reg
    intensity = np.where(use_count, intensity * np.where(use_count, count, 1.0), intensity)
    i_from = np.where(use_count, np.char.add(i_from.astype(str), " x light:count"), i_from)

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
    return out


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
