"""Estimate residents per building and per area where no population is given.

    residents = footprint_m2 x levels x residential_share(building) / gfa_per_resident_m2

levels come from ``building:levels``, else ``height / level_height_m``, else the
configured default. The assumptions are in :class:`ResidentParams`
and ``docs/data-formats.md``. A tenure table, where given, is better evidence:
its dwellings times the average household size replace the estimate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.overlay import area_index, sum_into_areas
from safespaces.validation import Number, Rules, check_section


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
        Levels assumed where ``building:levels`` and ``height`` are missing
        (central Helsinki blocks are typically 5-7 storeys; 5 is conservative).
    level_height_m
        Storey height used to turn a tagged ``height`` into levels.
    residential_share
        Share of floor area that is housing, per OSM ``building`` value. ``yes``
        is the untyped default; in central Helsinki most such buildings are mixed
        blocks with shops below and homes above, hence 0.5. Values not listed
        count as 0.
    """

    gfa_per_resident_m2: float = 45.0
    default_levels: float = 5.0
    level_height_m: float = 3.2
    residential_share: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "apartments": 1.0,
            "residential": 1.0,
            "house": 1.0,
            "detached": 1.0,
            "semidetached_house": 1.0,
            "terrace": 1.0,
            "dormitory": 1.0,
            "block": 0.7,
            "yes": 0.5,
        }
    )


RESIDENT_RULES: Rules = {
    "gfa_per_resident_m2": Number(1, 1000, unit="m2"),
    "default_levels": Number(0, 200),
    "level_height_m": Number(1, 20, unit="m", why="it divides a tagged height into levels"),
    "residential_share": Number(0, 1),
}


def validate_residents(params: ResidentParams) -> None:
    """Check ``[residents]``."""
    check_section("residents", params, RESIDENT_RULES)


#: Average household size, Helsinki 2020 (Statistics Finland): 1.8 persons per dwelling.
PERSONS_PER_DWELLING = 1.8


def building_levels(buildings: gpd.GeoDataFrame, params: ResidentParams) -> pd.Series:
    """Storeys above ground: tagged levels, else height / storey height, else the default."""
    levels = buildings["levels"].astype(float)
    from_height = np.round(buildings["height_m"].astype(float) / params.level_height_m)
    levels = levels.fillna(from_height).fillna(params.default_levels)
    return levels.clip(lower=1.0).rename("levels_used")


def estimate_residents(buildings: gpd.GeoDataFrame, params: ResidentParams) -> pd.Series:
    """Estimated residents per building (floating point, not rounded).

    Formula: footprint area x levels x residential share / gross floor area per
    resident. Buildings whose ``building`` value has no residential share get 0.
    """
    share = buildings["building"].map(dict(params.residential_share)).fillna(0.0).astype(float)
    gfa = buildings.geometry.area * building_levels(buildings, params)
    return (gfa * share / params.gfa_per_resident_m2).rename("residents_est")


def sum_by_area(
    areas: gpd.GeoDataFrame, features: gpd.GeoDataFrame, columns: list[str]
) -> pd.DataFrame:
    """Sum ``columns`` of features (buildings or points) into the area holding each
    feature (:func:`safespaces.overlay.area_index`). Returns a frame aligned to ``areas``."""
    index = area_index(features, areas)
    sums = sum_into_areas(features[columns].to_numpy(dtype=float), index, len(areas))
    return pd.DataFrame(sums, index=areas.index, columns=columns)
