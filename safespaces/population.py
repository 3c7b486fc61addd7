"""Estimate residents per building and per area where no population is given.

    residents = footprint_m2 x levels x residential_share(building) / gfa_per_resident_m2

levels come from ``building:levels``, else ``height / level_height_m``, else the
typical storeys of the building type (:attr:`ResidentParams.levels_by_type`),
else the configured default. Untyped buildings (``building=yes``) the size of a
garage hold nobody; those the size of a house get a house's storeys.

The residential share (:func:`residential_share`) is that of the building's use,
read from the strongest OSM evidence first:

1. ``building:use``, where tagged, names the use (its share in
   :attr:`ResidentParams.residential_share`).
2. A building whose type does not say whether it holds homes (:data:`UNKNOWN_USE`:
   ``yes``, ``block``) is non-residential (``premises_share``, 0) where its own
   outline carries a premises tag (``amenity=library``, ``shop=mall``,
   ``office=government``, ``tourism=hotel`` ...: in OSM a feature tagged on a
   building outline is that building) or a hotel, hostel or guest house lies in it
   (lodging fills the upper floors that the mixed-use share counts as homes); care
   homes and monasteries (:data:`HOME_PREMISES`) house residents and are exempt.
3. Such a building inside a land-use area of non-residential use
   (``landuse=commercial|retail|industrial|...`` or the grounds of a school,
   university or hospital; :attr:`ResidentParams.landuse_share`) takes that land
   use's share: 0. The OSM wiki describes these land uses as predominantly offices,
   shops, industry ... (Key:landuse); the HSY 2021 grid counts 24 residents in the
   two 250 m cells of central Helsinki whose untyped buildings lie in
   ``landuse=commercial`` and for which the type share gave 2,600.
4. Otherwise the type's share (``yes``: 0.5, a mixed block with shops below and
   homes above; ``apartments``, ``house`` ...: 1; ``office``, ``retail``,
   ``church`` ...: 0).

Rules 2 and 3 follow the dasymetric practice of classing OSM buildings by the
points of interest in them and the land use around them (Bakillah et al. 2014,
"Fine-resolution population mapping using OpenStreetMap points-of-interest",
IJGIS 28(9), 1940-1963, doi:10.1080/13658816.2014.909045). On the default extract
of central Helsinki they bring the estimate from 22,736 residents (3.8 x the HSY
2021 grid's 6,020 over the same area) to 7,842 (1.3 x); Monaco's 2019 extract
gives 31,186 against the 37,308 of its 2016 census (-16 %, was -8 %: its hotels,
churches and police stations no longer count as homes; the rest of the gap is its
towers' untagged storeys). Where OSM maps a commercial centre as
``landuse=residential`` and its buildings as ``yes`` (Munich's Altstadt: 2.8 x its
published count), nothing in the data tells offices from flats and the estimate
stays high: pass a real population there. The assumptions and their sources are in
:class:`ResidentParams` and ``docs/data-formats.md#residents``.

A real population (a grid of counts, :mod:`safespaces.sources.population`)
calibrates the estimate: :func:`calibrate_residents` scales the buildings of
each cell so that they hold the cell's population. A tenure table, where given,
is better evidence still: its dwellings times the average household size
replace the estimate building by building.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.errors import InputError
from safespaces.overlay import anchor_points, area_index, sum_into_areas
from safespaces.sources.osm import OsmData
from safespaces.sources.osm.tags import SITE_AMENITIES
from safespaces.sources.population import read_population
from safespaces.validation import Number, Rules, check_section

#: OSM ``building`` values that say nothing of the use: the footprint decides.
UNTYPED = ("yes",)

#: ``building`` values that do not say whether the building holds homes: ``yes`` and
#: ``block`` (a city block mapped as one outline). Their share yields to the evidence of
#: premises, lodging and land use (:func:`residential_share`).
UNKNOWN_USE = ("yes", "block")

#: Building columns of OSM evidence of use (:func:`residential_share`), added by
#: :func:`safespaces.sources.osm.layers.feature_layers`; buildings without them get the
#: type's share.
USE_EVIDENCE = ("premises", "landuse", "lodging")

#: Land uses whose buildings of unknown use hold no homes by default
#: (:attr:`ResidentParams.landuse_share`): the ``landuse`` values the OSM wiki defines as
#: predominantly non-residential (Key:landuse) and the grounds of institutions mapped with
#: ``amenity`` (:data:`safespaces.sources.osm.tags.SITE_AMENITIES`).
NONRESIDENTIAL_LANDUSE = (
    "commercial",
    "retail",
    "industrial",
    "military",
    "railway",
    "port",
    "garages",
    "depot",
    "education",
    "religious",
    "cemetery",
    *sorted(SITE_AMENITIES),
)

#: Premises tags (``key=value``, as the ``premises`` column) of buildings whose
#: occupants are residents: care homes (``amenity=social_facility``, the deprecated
#: ``amenity=nursing_home``) and monasteries.
HOME_PREMISES = frozenset({"amenity=social_facility", "amenity=nursing_home", "amenity=monastery"})


@dataclasses.dataclass(frozen=True)
class ResidentParams:
    """Estimate of residents per building where no population is given.

    residents = footprint_m2 x levels x residential_share / gfa_per_resident_m2

    Attributes
    ----------
    gfa_per_resident_m2
        Gross floor area per resident. Helsinki averages about 34 m2 of dwelling
        floor area per resident (Statistics Finland, dwellings and housing
        conditions 2019); gross floor area is about 1.3 x dwelling area (walls,
        stairs, common rooms), giving 45 m2.
    default_levels
        Levels assumed where ``building:levels`` and ``height`` are missing and the
        type has no typical storeys in ``levels_by_type`` (``apartments``,
        ``residential``, large untyped buildings). Central Helsinki blocks are
        typically 5-7 storeys; 5 is conservative.
    level_height_m
        Storey height used to turn a tagged ``height`` into levels.
    levels_by_type
        Typical storeys above ground per OSM ``building`` value, used where a
        building has neither ``building:levels`` nor ``height``. Single-family
        houses have 1-2 storeys (a loft counts as half), terraced and semi-detached
        houses 2, bungalows and cabins 1: the example buildings of the TABULA /
        EPISCOPE national building typologies (Loga, Stein & Diefenbach 2016,
        Energy and Buildings 132, 4-12) for single-family and terraced houses,
        and Statistics Finland's building stock (detached houses are mostly of
        1-1.5 storeys). Dormitories are small blocks (3-4 storeys).
    residential_share
        Share of floor area that is housing, per OSM ``building`` value. ``yes``
        is the untyped default; in central Helsinki most such buildings are mixed
        blocks with shops below and homes above, hence 0.5. Values not listed
        count as 0.
    outbuilding_max_m2
        Untyped buildings (``building=yes``) with a smaller footprint hold no
        residents: garages, sheds and kiosks (a detached house's footprint is
        rarely below 40 m2; a single garage is 15-25 m2). 0 turns this off.
    house_max_m2
        Untyped buildings with a smaller footprint and no tagged levels or height
        get the storeys of ``levels_by_type["house"]`` instead of
        ``default_levels``: a footprint this small is a house, a shop or a barn,
        not a city block (single-family house footprints are typically
        60-180 m2). 0 turns this off.
    landuse_share
        Residential share of a building of unknown use (:data:`UNKNOWN_USE`) whose
        representative point lies in a land-use area of this value (``landuse``, or
        the ``amenity`` of school, college, university, kindergarten and hospital
        grounds). The defaults (:data:`NONRESIDENTIAL_LANDUSE`) are 0: land the OSM
        wiki describes (Key:landuse) as predominantly of businesses and their
        offices (commercial), of shops (retail), of industry (industrial), or of
        one non-residential use (military, railway, port, garages, depot,
        education, religious, cemetery), and the institution grounds. Values not
        listed (``residential`` among them) leave the type's share.
    premises_share
        Residential share of a building of unknown use that carries a premises tag
        on its own outline, or holds a hotel, hostel or guest house.
    """

    gfa_per_resident_m2: float = 45.0
    default_levels: float = 5.0
    level_height_m: float = 3.2
    levels_by_type: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "house": 1.5,
            "detached": 1.5,
            "semidetached_house": 2.0,
            "terrace": 2.0,
            "bungalow": 1.0,
            "cabin": 1.0,
            "farm": 2.0,
            "dormitory": 4.0,
        }
    )
    residential_share: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "apartments": 1.0,
            "residential": 1.0,
            "house": 1.0,
            "detached": 1.0,
            "semidetached_house": 1.0,
            "terrace": 1.0,
            "bungalow": 1.0,
            "farm": 1.0,
            "dormitory": 1.0,
            "block": 0.7,
            "yes": 0.5,
        }
    )
    outbuilding_max_m2: float = 30.0
    house_max_m2: float = 200.0
    landuse_share: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: dict.fromkeys(NONRESIDENTIAL_LANDUSE, 0.0)
    )
    premises_share: float = 0.0


RESIDENT_RULES: Rules = {
    "gfa_per_resident_m2": Number(1, 1000, unit="m2"),
    "default_levels": Number(0, 200),
    "level_height_m": Number(1, 20, unit="m", why="it divides a tagged height into levels"),
    "levels_by_type": Number(0, 200),
    "residential_share": Number(0, 1),
    "outbuilding_max_m2": Number(0, 10000, unit="m2"),
    "house_max_m2": Number(0, 100000, unit="m2"),
    "landuse_share": Number(0, 1),
    "premises_share": Number(0, 1),
}


def validate_residents(params: ResidentParams) -> None:
    """Check ``[residents]``."""
    check_section("residents", params, RESIDENT_RULES)


#: Average household size, Helsinki 2020 (Statistics Finland): 1.8 persons per dwelling.
PERSONS_PER_DWELLING = 1.8


def _untyped_small(buildings: gpd.GeoDataFrame, max_m2: float) -> np.ndarray:
    """Untyped buildings whose footprint is below ``max_m2`` (0: none)."""
    if max_m2 <= 0:
        return np.zeros(len(buildings), dtype=bool)
    untyped = buildings["building"].isin(UNTYPED).to_numpy()
    return untyped & (buildings.geometry.area.to_numpy() < max_m2)


def building_levels(buildings: gpd.GeoDataFrame, params: ResidentParams) -> pd.Series:
    """Storeys above ground: tagged levels, else height / storey height, else the
    typical storeys of the type (house-sized untyped buildings: a house's), else the default."""
    levels = buildings["levels"].astype(float)
    from_height = np.round(buildings["height_m"].astype(float) / params.level_height_m)
    typical = buildings["building"].map(dict(params.levels_by_type)).astype(float)
    house = params.levels_by_type.get("house")
    if house is not None:
        small = _untyped_small(buildings, params.house_max_m2)
        typical = typical.where(~small, house)
    levels = levels.fillna(from_height).fillna(typical).fillna(params.default_levels)
    return levels.clip(lower=1.0).rename("levels_used")


def _column(buildings: gpd.GeoDataFrame, name: str) -> pd.Series:
    """A column of the buildings, or all missing where they lack it (buildings not
    read from OSM)."""
    if name in buildings:
        return buildings[name]
    return pd.Series(None, index=buildings.index, dtype=object)


def residential_share(buildings: gpd.GeoDataFrame, params: ResidentParams) -> pd.Series:
    """Share of each building's floor area that is homes (0-1), from the OSM
    evidence in the order of the module docstring: ``building:use``; for buildings
    of unknown use (:data:`UNKNOWN_USE`), a premises tag on the outline or a lodging
    inside (``premises_share``), then the land use around them (``landuse_share``);
    else the type's share (``residential_share``; types not listed: 0).

    Reads the columns ``building`` and, where present, ``use``, ``premises``,
    ``lodging`` and ``landuse`` (:func:`safespaces.sources.osm.layers.feature_layers`).
    """
    building = buildings["building"]
    use = _column(buildings, "use").fillna(building)
    shares = dict(params.residential_share)
    share = use.map(shares).fillna(0.0).astype(float)
    unknown = building.isin(UNKNOWN_USE) & (use == building)
    landuse = _column(buildings, "landuse").map(dict(params.landuse_share))
    share = share.where(~(unknown & landuse.notna()), landuse)
    premises = _column(buildings, "premises")
    lodging = _column(buildings, "lodging").eq(True).to_numpy(dtype=bool)  # None: no lodging
    serves = (premises.notna() & ~premises.isin(HOME_PREMISES)) | lodging
    share = share.where(~(unknown & serves), params.premises_share)
    return share.astype(float).rename("residential_share")


def estimate_residents(buildings: gpd.GeoDataFrame, params: ResidentParams) -> pd.Series:
    """Estimated residents per building (floating point, not rounded).

    Formula: footprint area x levels x residential share / gross floor area per
    resident (:func:`building_levels`, :func:`residential_share`). Buildings with
    no residential share, and untyped buildings smaller than
    ``params.outbuilding_max_m2``, get 0.
    """
    share = residential_share(buildings, params)
    share = share.where(~_untyped_small(buildings, params.outbuilding_max_m2), 0.0)
    gfa = buildings.geometry.area * building_levels(buildings, params)
    return (gfa * share / params.gfa_per_resident_m2).rename("residents_est")


@dataclasses.dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate_residents` did (``run_metadata`` and the summary).

    Attributes
    ----------
    estimated
        Sum of the building estimate over the whole study, before calibration.
    estimated_in_cells
        The same for the buildings inside the grid's cells (what the grid total is
        compared with).
    grid_total
        Population of the grid over the study: each cell's count times the share of
        the cell inside the study area.
    calibrated
        Sum of the calibrated residents (the grid total less the population of
        cells with no residential building, plus the estimate of buildings outside
        every cell).
    cells
        Grid cells overlapping the study area.
    empty_cells, empty_population
        Cells with population but no residential building in the study, and their
        population (held by no building: reported, not placed).
    outside_buildings, outside_estimate
        Residential buildings beyond the grid's extent, and their estimate (kept as is).
    absent_buildings, absent_estimate
        Residential buildings inside the grid's extent but in no cell (grids publish
        populated cells only: nobody lives there), and their estimate (set to 0).
    """

    estimated: float
    estimated_in_cells: float
    grid_total: float
    calibrated: float
    cells: int
    empty_cells: int
    empty_population: float
    outside_buildings: int
    outside_estimate: float
    absent_buildings: int = 0
    absent_estimate: float = 0.0

    def record(self) -> dict[str, Any]:
        """The calibration as a ``run_metadata`` record (rounded counts)."""
        return {
            "estimated_from_buildings": round(self.estimated),
            "estimated_in_grid_cells": round(self.estimated_in_cells),
            "population_grid_total": round(self.grid_total),
            "calibrated_total": round(self.calibrated),
            "grid_cells": self.cells,
            "cells_with_population_but_no_residential_building": self.empty_cells,
            "population_in_those_cells": round(self.empty_population),
            "residential_buildings_outside_the_grid": self.outside_buildings,
            "their_estimate_kept": round(self.outside_estimate),
            "residential_buildings_in_no_cell_within_the_grid": self.absent_buildings,
            "their_estimate_set_to_0": round(self.absent_estimate),
        }

    def notes(self) -> list[str]:
        """Warnings for the user: population no building holds, buildings off the grid."""
        out = []
        if self.empty_cells:
            out.append(
                f"population grid: {self.empty_cells} cells with {round(self.empty_population):,} "
                "residents hold no residential building in the OSM data (their residents are "
                "left out; map the buildings or check the grid's CRS)"
            )
        if self.outside_buildings:
            out.append(
                f"population grid: {self.outside_buildings} residential buildings lie beyond the "
                f"grid and keep the building estimate ({round(self.outside_estimate):,} residents)"
            )
        if self.absent_buildings:
            out.append(
                f"population grid: {self.absent_buildings} residential buildings lie in no cell of "
                f"the grid (no residents there); their estimate of "
                f"{round(self.absent_estimate):,} residents is set to 0"
            )
        return out


def calibrate_residents(
    buildings: gpd.GeoDataFrame,
    estimate: pd.Series,
    grid: gpd.GeoDataFrame,
    study_area: shapely.Geometry | None = None,
    covered: shapely.Geometry | None = None,
) -> tuple[pd.Series, Calibration]:
    """Scale the building estimate so that each grid cell's buildings hold its population.

    For a cell c with population P_c, of which the share f_c of its area lies inside
    the study area, and buildings b (by representative point) with estimates e_b:

        residents_b = e_b x f_c P_c / sum_{b in c} e_b

    Cells with population but no estimated resident are reported (their population is
    held by no building). Buildings in no cell but inside ``covered`` (the grid's
    extent: grids publish populated cells only) get 0; beyond it they keep their
    estimate.

    Parameters
    ----------
    buildings
        Buildings in a metric CRS.
    estimate
        The building estimate (:func:`estimate_residents`), aligned to ``buildings``.
    grid
        Polygons with a ``population`` column (:func:`safespaces.sources.population.
        read_population`), in the buildings' CRS.
    study_area
        The study area (cells reaching beyond it keep the share of their population
        inside it); None: whole cells.
    covered
        The extent the grid describes (default: the cells' bounding box).

    Returns
    -------
    residents, calibration
        Calibrated residents per building (``residents_est``) and the record of it.
    """
    est = estimate.to_numpy(dtype=float)
    population = grid["population"].to_numpy(dtype=float)
    share = np.ones(len(grid))
    if study_area is not None and len(grid):
        cells = grid.geometry.to_numpy()
        area = shapely.area(cells)
        inside = shapely.area(shapely.intersection(cells, study_area))
        share = np.divide(inside, area, out=np.zeros(len(grid)), where=area > 0)
        population = population * np.clip(share, 0.0, 1.0)
    cell = area_index(buildings, grid)
    in_cell = cell >= 0
    sums = sum_into_areas(est, cell, len(grid))
    scale = np.divide(population, sums, out=np.zeros(len(grid)), where=sums > 0)
    out = est.copy()
    out[in_cell] = est[in_cell] * scale[cell[in_cell]]
    if covered is None:
        covered = shapely.box(*grid.total_bounds)
    within = shapely.within(anchor_points(buildings.geometry), covered)
    absent = ~in_cell & (est > 0) & within
    out[absent] = 0.0
    empty = (population > 0) & (sums <= 0)
    outside = ~in_cell & (est > 0) & ~within
    calibration = Calibration(
        estimated=float(est.sum()),
        estimated_in_cells=float(est[in_cell].sum()),
        grid_total=float(population.sum()),
        calibrated=float(out.sum()),
        cells=int((share > 0).sum()),
        empty_cells=int(empty.sum()),
        empty_population=float(population[empty].sum()),
        outside_buildings=int(outside.sum()),
        outside_estimate=float(est[outside].sum()),
        absent_buildings=int(absent.sum()),
        absent_estimate=float(est[absent].sum()),
    )
    return pd.Series(out, index=estimate.index, name="residents_est"), calibration


def calibrated_residents(
    path: Path, osm: OsmData, *, column: str | None = None, crs: str | None = None
) -> tuple[pd.Series, dict[str, Any]]:
    """The study's building estimate (``osm.buildings["residents_est"]``) calibrated to
    the population file ``path`` (:func:`calibrate_residents`).

    Returns
    -------
    residents, note
        Calibrated residents per building, and the record for ``run_metadata``
        (file, column, :meth:`Calibration.record`, ``warnings``).

    Raises
    ------
    InputError
        The file cannot be read (:func:`~safespaces.sources.population.read_population`),
        or no cell overlaps the study area.
    """
    grid = read_population(path, column=column, crs=crs, bounds=osm.bounds, bounds_crs=osm.crs)
    name = grid.attrs["population_column"]
    grid = grid.to_crs(osm.crs)
    covered = shapely.box(*grid.total_bounds)
    grid = grid[grid.intersects(osm.study_area).to_numpy()].reset_index(drop=True)
    if grid.empty:
        raise InputError(
            "no cell of the population grid overlaps the OpenStreetMap extract",
            path=path,
            fix="give a grid that covers the study area (check its CRS, or pass --crs)",
        )
    residents, calibration = calibrate_residents(
        osm.buildings, osm.buildings["residents_est"], grid, osm.study_area, covered
    )
    note = {
        "file": Path(path).name,
        "column": name,
        "calibration": calibration.record(),
        "warnings": calibration.notes(),
    }
    return residents, note


def residents_summary(estimated: float, calibration: dict[str, Any] | None) -> dict[str, Any]:
    """The run summary's residents line: the building estimate beside any known total.

    ``calibration`` is :meth:`Calibration.record` (None: no population input).
    """
    if not calibration:
        return {"residents (estimated)": round(estimated)}
    return {
        "residents (estimated)": f"{calibration['estimated_in_grid_cells']:,} in the grid's "
        f"cells; from the population grid: {calibration['population_grid_total']:,} (buildings "
        "calibrated to it per cell)"
    }


def sum_by_area(
    areas: gpd.GeoDataFrame, features: gpd.GeoDataFrame, columns: list[str]
) -> pd.DataFrame:
    """Sum ``columns`` of features (buildings or points) into the area holding each
    feature (:func:`safespaces.overlay.area_index`). Returns a frame aligned to ``areas``."""
    index = area_index(features, areas)
    sums = sum_into_areas(features[columns].to_numpy(dtype=float), index, len(areas))
    return pd.DataFrame(sums, index=areas.index, columns=columns)
