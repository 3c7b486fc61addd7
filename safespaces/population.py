"""Estimate residents per building and per area where no population is given.

    residents = footprint_m2 x levels x residential_share(building) / gfa_per_resident_m2

levels come from ``building:levels``, else ``height / level_height_m``, else the
configured default. The assumptions are in :class:`safespaces.config.ResidentParams`
and ``docs/data-formats.md``. A tenure table, where given, is better evidence:
its dwellings times the average household size replace the estimate.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.config import ResidentParams
from safespaces.overlay import area_index, sum_into_areas

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
