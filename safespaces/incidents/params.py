"""Configuration of the incident analysis (section ``[incidents]``)."""

from __future__ import annotations

import dataclasses

from safespaces.errors import SettingError
from safespaces.eyes.vocabulary import window_column
from safespaces.lighting.vocabulary import CLASS_COLUMN
from safespaces.validation import Count, Note, Number, OneOf, Rules, check_section

#: Most incident categories with a column of their own (``incidents.max_categories``):
#: each adds a count and a flag to two layers, far below SQLite's 2,000 columns.
MAX_CATEGORIES = 50


@dataclasses.dataclass(frozen=True)
class IncidentParams:
    """Incident settings; the reasons for each default are in ``docs/incidents.md``.

    Attributes
    ----------
    k_min
        Counts from 1 to ``k_min - 1`` are suppressed in every output (NULL and a
        ``*_suppressed`` flag), and so is every value derived from them. 0 is
        published (see ``publish_zero``).
    publish_zero
        Publish counts of 0. False suppresses 0 as well (stricter, at the cost of
        blanking most street segments).
    secondary_suppression
        Suppress further cells so that no suppressed count can be derived from a
        published total by subtraction (complementary disclosure).
    snap_distance_m
        Incidents farther than this from any street segment are not snapped to
        one (they still count in areas).
    night_start_hour
        Dark hours from civil dusk until this local hour (24 = midnight) are
        ``evening``; dark hours from it until civil dawn are ``night``.
    grid_size_m
        Cell size of the hotspot grid (and of the areas when none are given).
    hotspot_units
        ``"areas"`` (Gi* on the given areas) or ``"grid"`` (on a regular grid).
    hotspot_permutations
        Conditional permutations of Gi* (0 = analytical p-values only).
    hotspot_fdr
        False-discovery rate of the Benjamini-Hochberg correction of the Gi*
        p-values (the 99 % class uses 0.01).
    density_bandwidth_m
        Radius of the quartic kernel of ``incident_density.tif``.
    min_bandwidth_m
        Smallest bandwidth allowed without the raw-output opt-in.
    density_cell_m
        Cell size of the density raster.
    density_max_cells
        Largest raster (cells); a larger study area gets a coarser cell.
    mask_density_below_k
        Mask raster cells with fewer than ``k_min`` incidents within the bandwidth.
    environment_columns
        Segment columns described in ``incident_environment`` and used in the
        count model, where present: numeric ones by quintile, text ones by value.
    ci_level
        Confidence level of the intervals in the environment and model tables.
    model_min_per_parameter
        The count model is fitted only with at least this many segments and this
        many incidents per parameter (otherwise every term is "not estimable").
    residents_columns
        Area columns read as residents (first present wins).
    max_categories
        Categories with a column of their own (``incidents_cat_<slug>``): the most
        frequent ones with at least ``k_min`` incidents, at most
        :data:`safespaces.incidents.counts.MAX_CATEGORIES` (50); the others count
        together in ``incidents_cat_other``.

    Examples
    --------
    >>> params = IncidentParams()
    >>> params.k_min, params.grid_size_m
    (5, 250.0)
    >>> IncidentParams(k_min=10).k_min
    10
    """

    k_min: int = 5
    publish_zero: bool = True
    secondary_suppression: bool = True
    snap_distance_m: float = 30.0
    night_start_hour: int = 24
    grid_size_m: float = 250.0
    hotspot_units: str = "areas"
    hotspot_permutations: int = 999
    hotspot_fdr: float = 0.05
    density_bandwidth_m: float = 150.0
    min_bandwidth_m: float = 100.0
    density_cell_m: float = 10.0
    density_max_cells: int = 25_000_000
    mask_density_below_k: bool = True
    environment_columns: tuple[str, ...] = (window_column("night"), CLASS_COLUMN)
    ci_level: float = 0.95
    model_min_per_parameter: int = 10
    residents_columns: tuple[str, ...] = (
        "residents",
        "population",
        "inhabitants",
        "asukkaita",
        "asukkaat",
        "residents_est",
    )
    max_categories: int = 20


#: Allowed range of every setting (docs/config.md); see :mod:`safespaces.validation`.
RULES: Rules = {
    "k_min": Number(1, 1000),
    "snap_distance_m": Number(0, 1000, unit="m"),
    "night_start_hour": Number(
        12, 24, why="dark hours after midnight are always night; 24 = the night starts at midnight"
    ),
    "grid_size_m": Number(
        50, 10_000, unit="m", why="a finer grid makes millions of cells and discloses more"
    ),
    "hotspot_units": OneOf(("areas", "grid")),
    "hotspot_permutations": Number(
        0, 99_999, why="99,999 resolves p = 0.00001; more only costs memory and time"
    ),
    "max_categories": Number(
        0, MAX_CATEGORIES, why="each category adds columns to the areas and segments layers"
    ),
    "hotspot_fdr": Number(0, 1, lo_open=True, hi_open=True),
    "density_bandwidth_m": (
        Number(1, 10_000, unit="m"),
        Note(
            "above incidents.density_cell_m; below incidents.min_bandwidth_m only with "
            "--include-raw-points"
        ),
    ),
    "min_bandwidth_m": Number(0, 10_000, unit="m"),
    "density_cell_m": Number(1, 1000, unit="m"),
    "density_max_cells": Number(
        10_000, 50_000_000, why="8 bytes a cell, several copies: 50 million cells take GBs"
    ),
    "environment_columns": Count(distinct=True),
    "ci_level": Number(0, 1, lo_open=True, hi_open=True),
    "model_min_per_parameter": Number(
        1, 1000, why="the events-per-variable rule of thumb is 10; below it estimates are unstable"
    ),
    "residents_columns": Count(distinct=True),
}


def validate(params: IncidentParams) -> None:
    """Check every incident setting: :data:`RULES`, then the density bandwidth and cell.

    Raises
    ------
    SettingError
        The first setting outside its range.
    """
    check_section("incidents", params, RULES)
    if params.density_bandwidth_m <= params.density_cell_m:
        raise SettingError(
            "incidents.density_cell_m",
            params.density_cell_m,
            f"not below incidents.density_bandwidth_m = {params.density_bandwidth_m:g} m",
            "give a cell smaller than the bandwidth (a tenth of it or less)",
            related=("incidents.density_bandwidth_m",),
        )


def check_bandwidth(bandwidth_m: float, min_bandwidth_m: float, include_raw_points: bool) -> None:
    """Refuse a density bandwidth below the privacy minimum without the raw-output opt-in.

    Raises
    ------
    SettingError
        ``bandwidth_m < min_bandwidth_m`` and not ``include_raw_points``.
    """
    if bandwidth_m < min_bandwidth_m and not include_raw_points:
        raise SettingError(
            "incidents.density_bandwidth_m",
            bandwidth_m,
            f"below the privacy minimum incidents.min_bandwidth_m = {min_bandwidth_m:g} m "
            "(a small kernel outlines single incidents)",
            "use a larger bandwidth, or opt in to raw output with --include-raw-points",
            related=("incidents.min_bandwidth_m",),
        )
