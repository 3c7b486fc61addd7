"""Lighting of parks and squares: lit share of their paths and dark stretches.

Path samples (see :func:`safespaces.lighting.illuminance.sample_lines`) are
joined to the public spaces that contain them. The piece of a segment inside a
space is classed by the EN 13201-2 P classes from its own samples (trapezoid
average, minimum), and its length is the sum of its samples' trapezoid weights.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.lighting.illuminance import (
    BELOW_P6,
    CONFLICT_YES_NO_LAMPS,
    SEGMENT_INPUTS,
    UNLIT,
    LineSamples,
    light_class,
    meets_p6,
    sample_lines,
    sample_segments,
    segment_lighting_from_samples,
    station_illuminance,
)
from safespaces.lighting.lamps import check_same_crs, modelled
from safespaces.lighting.params import LightingParams
from safespaces.lighting.vocabulary import (
    CLASS_COLUMN,
    EVIDENCE_MAPPED,
    EVIDENCE_NO_LAMP_DATA,
    EVIDENCE_NOT_MAPPED,
    NO_LAMP_DATA,
)
from safespaces.sources.frames import public_spaces as public_space_frame
from safespaces.sources.frames import street_segments

#: Columns added to public spaces by :func:`public_space_lighting`.
SPACE_COLUMNS: tuple[str, ...] = (
    "light_path_length_m",
    "light_share_p6_or_better",
    "light_dark_path_length_m",
    "light_unknown_path_length_m",
    "light_lux_avg",
)

DARK_PATH_COLUMNS: tuple[str, ...] = (
    "dark_rank",
    "segment_id",
    "space_id",
    "space_name",
    "space_kind",
    "length_m",
    "light_lux_mean",
    "light_lux_max",
    "lit_tag",
    "light_tag_conflict",
    "light_evidence",
)
#: Column types of ``dark_paths`` other than text.
DARK_PATH_TYPES: dict[str, type | str] = {
    "dark_rank": "int64",
    "segment_id": "int64",
    "space_id": "int64",
    "length_m": float,
    "light_lux_mean": float,
    "light_lux_max": float,
}


def empty_dark_paths(crs: object) -> gpd.GeoDataFrame:
    """An empty dark-paths layer with its schema (ids as integers, so they join
    ``street_segments.segment_id`` and ``public_spaces.space_id``)."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=DARK_PATH_TYPES.get(c, object)) for c in DARK_PATH_COLUMNS},
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )


def _ranked(dark: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dark paths darkest first, numbered in ``dark_rank`` (1 = darkest).

    Known darkness (mapped lamps) before unknown, then the lowest mean
    illuminance, then the longest; a stable sort, so ties keep the input order.
    """
    unknown = dark["light_evidence"].to_numpy(dtype=object) != EVIDENCE_MAPPED
    out = dark.assign(_unknown=unknown).sort_values(
        ["_unknown", "light_lux_mean", "length_m"], ascending=[True, True, False], kind="stable"
    )
    out = out.drop(columns="_unknown")
    out.insert(0, "dark_rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def merge_dark_paths(
    parts: list[gpd.GeoDataFrame], segments: gpd.GeoDataFrame, spacing: float
) -> gpd.GeoDataFrame:
    """The dark paths of disjoint sets of segments, ranked as one list.

    Rows are first put in the order :func:`dark_paths` gives on all
    ``segments`` at once (segment position, then the stretch's first sample
    along the segment), then ranked (:func:`_ranked`). A stretch's first point
    is one of its segment's samples, bit for bit (samples do not depend on the
    batch), so its sample number is found by exact matching: no projection,
    which would be ambiguous on a line that meets itself.

    Parameters
    ----------
    parts
        Dark paths of each part (rows of its own segments only).
    segments
        Every segment of the study, with ``segment_id``.
    spacing
        The sample spacing (``lighting.sample_spacing_m``).
    """
    parts = [f for f in parts if len(f)]
    if not parts:
        return empty_dark_paths(segments.crs)
    dark = pd.concat(parts, ignore_index=True).drop(columns="dark_rank")
    position = pd.Series(segments.index.to_numpy(), index=segments["segment_id"].to_numpy())
    seg_pos = position.loc[dark["segment_id"].to_numpy()].to_numpy()
    lines, line_of = np.unique(seg_pos, return_inverse=True)
    samples = sample_lines(segments.geometry.to_numpy()[lines], spacing)
    table = pd.DataFrame(
        {
            "line": samples.line,
            "x": samples.xy[:, 0],
            "y": samples.xy[:, 1],
            "sample": np.arange(len(samples)) - samples.starts[samples.line],
        }
    ).drop_duplicates(["line", "x", "y"])  # a ring's end is its start: keep the first
    first = shapely.get_coordinates(shapely.get_point(dark.geometry.to_numpy(), 0))
    found = pd.DataFrame({"line": line_of, "x": first[:, 0], "y": first[:, 1]}).merge(
        table, on=["line", "x", "y"], how="left", validate="many_to_one"
    )
    if found["sample"].isna().any():
        raise RuntimeError("a dark path does not start on a sample of its segment")
    order = np.lexsort((found["sample"].to_numpy(), seg_pos))
    dark = dark.iloc[order].reset_index(drop=True)
    return gpd.GeoDataFrame(_ranked(dark), crs=segments.crs)


def _reported_spaces(public_spaces: gpd.GeoDataFrame, params: LightingParams) -> np.ndarray:
    kind = public_spaces["kind"].astype("string").str.lower()
    return kind.isin(list(params.public_space_kinds)).to_numpy(dtype=bool, na_value=False)


def samples_in_spaces(
    samples: LineSamples,
    segments: gpd.GeoDataFrame,
    public_spaces: gpd.GeoDataFrame,
    params: LightingParams,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Pairs (sample index, position among the reported spaces), sorted by sample."""
    spaces = public_spaces[_reported_spaces(public_spaces, params)]
    return _samples_in_spaces(samples, segments, spaces)


def _samples_in_spaces(
    samples: LineSamples,
    segments: gpd.GeoDataFrame,
    spaces: gpd.GeoDataFrame,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Pairs (sample index, space position) of samples inside spaces, sorted by sample.

    Only samples of segments that touch a space are tested.
    """
    if len(samples) == 0 or len(spaces) == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    seg_hit = np.unique(
        spaces.sindex.query(segments.geometry.to_numpy(), predicate="intersects")[0]
    )
    cand = np.flatnonzero(np.isin(samples.line, seg_hit))
    pts = shapely.points(samples.xy[cand])
    pairs = spaces.sindex.query(pts, predicate="intersects")
    order = np.lexsort((pairs[1], pairs[0]))
    return cand[pairs[0][order]], pairs[1][order].astype(np.intp)


def _space_lighting(
    public_spaces: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    seg_lighting: pd.DataFrame,
    samples: LineSamples,
    lux: npt.NDArray[np.float64],
    params: LightingParams,
    inside: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None = None,
) -> gpd.GeoDataFrame:
    out = public_spaces.copy()
    for col in SPACE_COLUMNS:
        out[col] = np.nan
    reported = _reported_spaces(public_spaces, params)
    spaces = public_spaces[reported]
    s_idx, sp_idx = inside or _samples_in_spaces(samples, segments, spaces)
    n_sp = len(spaces)
    if n_sp == 0:
        return out
    seg_pos = samples.line[s_idx]
    key = seg_pos.astype(np.int64) * n_sp + sp_idx
    pieces, inv = np.unique(key, return_inverse=True)
    w = samples.weight[s_idx]
    e = lux[s_idx]
    p_len = np.bincount(inv, weights=w, minlength=len(pieces))
    p_we = np.bincount(inv, weights=w * e, minlength=len(pieces))
    p_cnt = np.bincount(inv, minlength=len(pieces))
    p_sum = np.bincount(inv, weights=e, minlength=len(pieces))
    p_avg = np.divide(p_we, p_len, out=p_sum / np.maximum(p_cnt, 1), where=p_len > 0)
    p_min = np.full(len(pieces), np.inf)
    np.minimum.at(p_min, inv, e)
    p_seg = (pieces // n_sp).astype(np.intp)
    p_space = (pieces % n_sp).astype(np.intp)
    cls = light_class(p_avg, p_min)
    not_mapped = (
        seg_lighting["light_tag_conflict"].to_numpy(dtype=object)[p_seg] == CONFLICT_YES_NO_LAMPS
    ) | _no_lamp_data(seg_lighting)[p_seg]
    ok = meets_p6(cls) & ~not_mapped
    dark = np.isin(cls, np.array([BELOW_P6, UNLIT], dtype=object)) & ~not_mapped
    length = np.bincount(p_space, weights=p_len, minlength=n_sp)
    lit_len = np.bincount(p_space, weights=p_len * ok, minlength=n_sp)
    dark_len = np.bincount(p_space, weights=p_len * dark, minlength=n_sp)
    unknown_len = np.bincount(p_space, weights=p_len * not_mapped, minlength=n_sp)
    known = ~not_mapped
    lux_len = np.bincount(p_space, weights=p_avg * p_len * known, minlength=n_sp)
    known_len = np.bincount(p_space, weights=p_len * known, minlength=n_sp)
    with np.errstate(divide="ignore", invalid="ignore"):
        out.loc[reported, "light_path_length_m"] = length
        out.loc[reported, "light_share_p6_or_better"] = np.where(
            known_len > 0, lit_len / known_len, np.nan
        )
        out.loc[reported, "light_dark_path_length_m"] = dark_len
        out.loc[reported, "light_unknown_path_length_m"] = unknown_len
        out.loc[reported, "light_lux_avg"] = np.where(known_len > 0, lux_len / known_len, np.nan)
    return out


def _no_lamp_data(seg_lighting: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """True for the segments of class ``no lamp data`` (their light is unknown)."""
    if CLASS_COLUMN not in seg_lighting.columns:
        return np.zeros(len(seg_lighting), dtype=bool)
    return (seg_lighting[CLASS_COLUMN].to_numpy(dtype=object) == NO_LAMP_DATA).astype(bool)


def _dark_paths(
    public_spaces: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    seg_lighting: pd.DataFrame,
    samples: LineSamples,
    lux: npt.NDArray[np.float64],
    params: LightingParams,
    inside: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None = None,
) -> gpd.GeoDataFrame:
    spaces = public_spaces[_reported_spaces(public_spaces, params)]
    s_idx, sp_idx = inside or _samples_in_spaces(samples, segments, spaces)
    # One space per sample (the first, when spaces overlap).
    first = np.ones(len(s_idx), dtype=bool)
    first[1:] = s_idx[1:] != s_idx[:-1]
    s_idx, sp_idx = s_idx[first], sp_idx[first]
    dark = lux[s_idx] < params.dark_lux
    s_idx, sp_idx = s_idx[dark], sp_idx[dark]
    empty = empty_dark_paths(segments.crs)
    if len(s_idx) < 2:
        return empty
    line = samples.line[s_idx]
    new_run = np.ones(len(s_idx), dtype=bool)
    new_run[1:] = (
        (s_idx[1:] != s_idx[:-1] + 1) | (line[1:] != line[:-1]) | (sp_idx[1:] != sp_idx[:-1])
    )
    run = np.cumsum(new_run) - 1
    n_in_run = np.bincount(run)
    keep = n_in_run[run] >= 2
    s_idx, sp_idx, run, line = s_idx[keep], sp_idx[keep], run[keep], line[keep]
    if len(s_idx) == 0:
        return empty
    _, run = np.unique(run, return_inverse=True)
    geoms = shapely.linestrings(samples.xy[s_idx], indices=run)
    length = shapely.length(geoms)
    e = lux[s_idx]
    cnt = np.bincount(run)
    mean = np.bincount(run, weights=e) / cnt
    mx = np.full(len(cnt), -np.inf)
    np.maximum.at(mx, run, e)
    run_first = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    seg_pos = line[run_first]
    sp_pos = sp_idx[run_first]

    def col(frame: pd.DataFrame, name: str, pos: np.ndarray) -> np.ndarray:
        if name not in frame.columns:
            return np.full(len(pos), None, dtype=object)
        return frame[name].to_numpy()[pos]  # the source's type: ids stay integers (they join)

    out = gpd.GeoDataFrame(
        {
            "segment_id": col(segments, "segment_id", seg_pos),
            "space_id": col(spaces, "space_id", sp_pos),
            "space_name": col(spaces, "name", sp_pos),
            "space_kind": col(spaces, "kind", sp_pos),
            "length_m": length,
            "light_lux_mean": mean,
            "light_lux_max": mx,
            "lit_tag": col(segments, "lit_tag", seg_pos),
            "light_tag_conflict": col(seg_lighting, "light_tag_conflict", seg_pos),
            "_no_data": _no_lamp_data(seg_lighting)[seg_pos],
        },
        geometry=geoms,
        crs=segments.crs,
    )
    unknown = out["light_tag_conflict"].to_numpy(dtype=object) == CONFLICT_YES_NO_LAMPS
    out["light_evidence"] = np.where(
        out.pop("_no_data").to_numpy(dtype=bool),
        EVIDENCE_NO_LAMP_DATA,
        np.where(unknown, EVIDENCE_NOT_MAPPED, EVIDENCE_MAPPED),
    )
    return _ranked(out[out["length_m"] >= params.dark_min_length_m])


def public_space_lighting(
    public_spaces: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame | None,
    params: LightingParams | None = None,
    seg_lighting: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Length of paths in each park and square and the share lit to P6 or better.

    The part of each segment inside a space (of a kind in
    ``public_space_kinds``) is classed from its own illuminance samples by
    :func:`safespaces.lighting.light_class`. Dark means ``below P6`` or
    ``unlit``; parts of segments tagged lit with no mapped lamp in range are
    ``unknown`` and left out of the share.

    Parameters
    ----------
    public_spaces
        Polygons with ``space_id``, ``kind``, ``name``.
    segments
        Walking segments (with ``lit_tag``).
    lamps
        Lamps from :func:`safespaces.lighting.lamp_model`.
    params
        Lighting settings.
    seg_lighting
        Output of :func:`segment_lighting` for ``segments`` (computed if omitted).

    Returns
    -------
    geopandas.GeoDataFrame
        ``public_spaces`` with ``light_path_length_m``,
        ``light_share_p6_or_better`` (of the known length),
        ``light_dark_path_length_m``, ``light_unknown_path_length_m`` and
        ``light_lux_avg`` (length-weighted, known paths); NaN for kinds not
        reported.

    Examples
    --------
    A 100 m path through a park, with a lamp near one end: its far end is dark, so
    as a whole it does not meet P6 (a part of a path is classed by its own minimum):

    >>> import geopandas as gpd, shapely
    >>> park = gpd.GeoDataFrame({"leisure": ["park"], "name": ["Esplanadi"]},
    ...     geometry=[shapely.box(0, -20, 100, 20)], crs="EPSG:3067")
    >>> path = gpd.GeoDataFrame({"highway": ["footway"]},
    ...     geometry=[shapely.LineString([(0, 0), (100, 0)])], crs="EPSG:3067")
    >>> lamp = gpd.GeoDataFrame({"height_m": [5.0], "intensity_cd": [800.0]},
    ...     geometry=[shapely.Point(20, 0)], crs="EPSG:3067")
    >>> lit = public_space_lighting(park, path, lamp)
    >>> lit[["kind", "light_path_length_m", "light_share_p6_or_better"]].round(2).values.tolist()
    [['park', 100.0, 0.0]]
    """
    params = LightingParams() if params is None else params
    public_spaces, segments, lamps = _inputs(public_spaces, segments, lamps, params)
    samples = sample_segments(segments, params)
    station = station_illuminance(samples, segments, lamps, params)
    lux = station.mean
    if seg_lighting is None:
        seg_lighting = segment_lighting_from_samples(segments, lamps, samples, station, params)
    return _space_lighting(public_spaces, segments, seg_lighting, samples, lux, params)


def dark_paths(
    public_spaces: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame | None,
    params: LightingParams | None = None,
    seg_lighting: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The dark stretches of paths inside parks and squares.

    Consecutive samples of one segment inside one space with illuminance below
    ``dark_lux`` (0.4 lx, the P6 minimum; 0 where no lamp reaches) are joined into
    a LineString. Stretches shorter than ``dark_min_length_m`` are dropped. A
    stretch on a segment tagged lit with no mapped lamp keeps
    ``light_tag_conflict = 'lit_yes_no_lamps'`` and ``light_evidence = 'tagged lit,
    lamps not mapped'``, and one on a segment of class ``no lamp data`` (lamps
    not mapped where it lies) ``light_evidence = 'no lamp data'``: their darkness
    is not known, so they rank after every stretch whose darkness rests on mapped
    lamps.

    Returns
    -------
    geopandas.GeoDataFrame
        ``dark_rank`` (1 = darkest: known before unknown, then lowest mean, then
        longest), ``segment_id``,
        ``space_id``, ``space_name``, ``space_kind``, ``length_m``,
        ``light_lux_mean``, ``light_lux_max``, ``lit_tag``,
        ``light_tag_conflict``, ``light_evidence``.

    Examples
    --------
    The same park, with the point-source model (isotropic, MF = 1, the centre line:
    :meth:`LightingParams.point_source`): the path is dark (below 0.4 lx) more than
    21 m from the lamp's foot, where 800 x 5 / (25 + d^2)^1.5 < 0.4: from x = 41 m to
    the end, 58 m at the 2 m samples.

    >>> import geopandas as gpd, shapely
    >>> park = gpd.GeoDataFrame({"leisure": ["park"], "name": ["Esplanadi"]},
    ...     geometry=[shapely.box(0, -20, 100, 20)], crs="EPSG:3067")
    >>> path = gpd.GeoDataFrame({"highway": ["footway"]},
    ...     geometry=[shapely.LineString([(0, 0), (100, 0)])], crs="EPSG:3067")
    >>> lamp = gpd.GeoDataFrame({"height_m": [5.0], "intensity_cd": [800.0]},
    ...     geometry=[shapely.Point(20, 0)], crs="EPSG:3067")
    >>> from safespaces.lighting import LightingParams
    >>> dark = dark_paths(park, path, lamp, params=LightingParams.point_source())
    >>> dark[["dark_rank", "space_name", "length_m"]].round(1).values.tolist()
    [[1, 'Esplanadi', 58.0]]
    """
    params = LightingParams() if params is None else params
    public_spaces, segments, lamps = _inputs(public_spaces, segments, lamps, params)
    samples = sample_segments(segments, params)
    station = station_illuminance(samples, segments, lamps, params)
    lux = station.mean
    if seg_lighting is None:
        seg_lighting = segment_lighting_from_samples(segments, lamps, samples, station, params)
    return _dark_paths(public_spaces, segments, seg_lighting, samples, lux, params)


def _inputs(
    spaces: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame | None,
    params: LightingParams,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Spaces, segments and modelled lamps as the kernels read them (derived for plain
    frames: :mod:`safespaces.sources.frames`), in one CRS."""
    spaces = public_space_frame(spaces)
    segments = street_segments(segments, need=SEGMENT_INPUTS)
    lamps = modelled(lamps, segments, params, spaces)
    check_same_crs(spaces, segments, lamps)
    return spaces, segments, lamps
