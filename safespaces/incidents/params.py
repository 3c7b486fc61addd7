"""Configuration of the incident analysis (section ``[incidents]``)."""

from __future__ import annotations

import dataclasses


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
    residents_columns
        Area columns read as residents (first present wins).
    max_categories
        Categories with a column of their own (``incidents_cat_<slug>``): the most
        frequent ones with at least ``k_min`` incidents, at most
        :data:`safespaces.incidents.counts.MAX_CATEGORIES` (50); the others count
        together in ``incidents_cat_other``.
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
    environment_columns: tuple[str, ...] = ("eyes_night", "light_class")
    ci_level: float = 0.95
    residents_columns: tuple[str, ...] = (
        "residents",
        "population",
        "inhabitants",
        "asukkaita",
        "asukkaat",
        "residents_est",
    )
    max_categories: int = 20
