"""Lamp-data coverage: is a place dark, or are its lamps just not mapped?

Most OpenStreetMap cities map few street lamps. Reading a street with no mapped
lamp as "unlit" would call whole cities dark; this module estimates where the
mapped lamps can be trusted and marks the rest ``no lamp data``.

Coverage of a cell c (square cells of ``coverage_cell_m``, aligned on the CRS
origin)::

    coverage_c = L_reached,c / L_ref,c

``L_ref,c`` is the reference length in the cell: segments whose midpoint lies
in c and that are tagged lit (any ``lit`` value other than ``lit_no_values``)
or are main roads (``highway`` in ``coverage_highways``: primary, secondary,
tertiary and their links, residential), the streets a city lights. ``L_reached,c``
is the length of the reference segments that a mapped lamp reaches (average
illuminance E_avg > 0 from the mapped lamps: a lamp within ``cutoff_m`` of the
segment's samples). A cell with less than ``coverage_min_reference_m`` of reference
length takes the coverage of the whole study (of the partition in a partitioned
run, where the result's ``assemble`` and ``merge`` then classify again from the
whole study's segments); a study with no reference length at all counts as covered when it has a
mapped lamp, else as not covered.

Defaults: 1000 m cells, ``coverage_min`` = 0.1. A segment in a cell with coverage
below ``coverage_min`` (fewer than one in ten metres of the streets a city lights
reached by a mapped lamp: the lamps there are essentially not mapped) has no lamp
data: its
``light_class`` ``unlit`` or ``below P6`` becomes ``no lamp data`` (its lux
columns keep what the mapped lamps give, a lower bound; every reader of the class
treats its light as unknown, not as 0), unless it is tagged ``lit=no`` (the tag then is
the data). The threshold is low on purpose: partly mapped lamps (the Helsinki
default's cells reach 0.19 to 1) keep their classes. Classes P1..P6 stay (the
mapped lamps alone already meet them), and so does ``lit, lamps not mapped``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.lighting.params import LightingParams
from safespaces.lighting.vocabulary import DARK_CLASSES, NO_LAMP_DATA


def _lit_flags(lit_tag: pd.Series, params: LightingParams) -> tuple[np.ndarray, np.ndarray]:
    s = pd.Series(lit_tag, copy=False).astype("string").str.strip().str.lower()
    unknown = (s.isna() | (s == "")).to_numpy(dtype=bool, na_value=True)
    is_no = s.isin(list(params.lit_no_values)).to_numpy(dtype=bool, na_value=False) & ~unknown
    return ~unknown & ~is_no, is_no


def reference_mask(
    highway: pd.Series, lit_tag: pd.Series, params: LightingParams
) -> npt.NDArray[np.bool_]:
    """True for the segments whose lamps a city maps if it maps any: tagged lit or main roads."""
    lit_yes, _ = _lit_flags(lit_tag, params)
    main = pd.Series(highway, copy=False).isin(list(params.coverage_highways)).to_numpy(bool)
    return lit_yes | main


def cell_keys(geometry: npt.ArrayLike, cell_m: float) -> npt.NDArray[np.int64]:
    """One integer key per line: the ``cell_m`` cell (aligned on the origin) of its midpoint."""
    geoms = np.asarray(geometry, dtype=object)
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.int64)
    mid = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    xy = np.nan_to_num(shapely.get_coordinates(mid, include_z=False))
    ix = np.floor(xy[:, 0] / cell_m).astype(np.int64)
    iy = np.floor(xy[:, 1] / cell_m).astype(np.int64)
    return ix * 10_000_019 + iy


def lamp_coverage(
    keys: npt.NDArray[np.int64],
    reference_m: npt.NDArray[np.float64],
    reached_m: npt.NDArray[np.float64],
    any_lamp: bool,
    params: LightingParams,
) -> tuple[npt.NDArray[np.float64], float]:
    """Coverage of each segment's cell, and of the whole study (formula in the module docstring).

    Parameters
    ----------
    keys
        Cell key per segment (:func:`cell_keys`).
    reference_m, reached_m
        Reference length of each segment (0 for other segments) and its part
        reached by a mapped lamp.
    any_lamp
        Whether the study has a mapped lamp (decides a study with no reference length).
    params
        Lighting settings (``coverage_min_reference_m``).

    Returns
    -------
    per_segment, study
        Coverage 0..1 of each segment's cell, and the study's.
    """
    total_ref = float(reference_m.sum())
    no_reference = 1.0 if any_lamp else 0.0
    study = float(reached_m.sum()) / total_ref if total_ref > 0 else no_reference
    if len(keys) == 0:
        return np.zeros(0), study
    cells, inverse = np.unique(keys, return_inverse=True)
    ref = np.bincount(inverse, weights=reference_m, minlength=len(cells))
    got = np.bincount(inverse, weights=reached_m, minlength=len(cells))
    enough = ref >= params.coverage_min_reference_m
    cover = np.where(enough, got / np.where(enough, ref, 1.0), study)
    return cover[inverse], study


def no_lamp_data(
    coverage: npt.NDArray[np.float64], lit_tag: pd.Series, params: LightingParams
) -> npt.NDArray[np.bool_]:
    """Segments without lamp data: in a cell below ``coverage_min`` and not tagged ``lit=no``.

    The caller applies it to the dark classes only (``unlit``, ``below P6``).
    """
    _, is_no = _lit_flags(lit_tag, params)
    return (coverage < params.coverage_min) & ~is_no


def apply_coverage(
    geometry: npt.ArrayLike,
    highway: pd.Series,
    lit_tag: pd.Series,
    lux_avg: npt.ArrayLike,
    classes: npt.ArrayLike,
    any_lamp: bool,
    params: LightingParams,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Classes with ``no lamp data`` where coverage is missing, and each segment's coverage.

    Parameters
    ----------
    geometry
        The segments' lines.
    highway, lit_tag
        Their OSM ``highway`` and raw ``lit`` values.
    lux_avg
        Average illuminance from the mapped lamps (NaN where not assessed): a
        reference segment with E_avg > 0 counts as reached over its whole length.
    classes
        ``light_class`` before coverage (P classes, ``below P6``, ``unlit``,
        ``lit, lamps not mapped``).
    any_lamp
        Whether any lamp is mapped (decides a study with no reference length).
    params
        Lighting settings.

    Returns
    -------
    classes, coverage
        The classes with ``unlit``/``below P6`` replaced by ``no lamp data`` where
        :func:`no_lamp_data`, and the coverage of each segment's cell (0..1, 4 decimals).
    """
    geoms = np.asarray(geometry, dtype=object)
    length = shapely.length(geoms) if len(geoms) else np.zeros(0)
    reference = reference_mask(highway, lit_tag, params)
    reached = reference & (np.nan_to_num(np.asarray(lux_avg, dtype=float)) > 0)
    cover, _ = lamp_coverage(
        cell_keys(geoms, params.coverage_cell_m),
        np.where(reference, length, 0.0),
        np.where(reached, length, 0.0),
        any_lamp,
        params,
    )
    out = np.asarray(classes, dtype=object).copy()
    out[np.isin(out, DARK_CLASSES) & no_lamp_data(cover, lit_tag, params)] = NO_LAMP_DATA
    return out, np.round(cover, 4)


__all__ = ["apply_coverage", "cell_keys", "lamp_coverage", "no_lamp_data", "reference_mask"]
