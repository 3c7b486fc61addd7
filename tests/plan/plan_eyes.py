"""The eyes model as ``plan hours`` runs it, for checking a plan's proposal: shared by the
Helsinki and the other-city tests."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pandas as pd

from safespaces.eyes import EyesResult, analyse_eyes
from safespaces.lighting import LightingResult
from safespaces.stages import residents_from_tenure
from safespaces.study import Study


def eyes_model(
    study: Study, lighting: LightingResult, darkness: pd.DataFrame | None
) -> tuple[gpd.GeoDataFrame, Callable[[gpd.GeoDataFrame], EyesResult]]:
    """The study's buildings with ``residents`` and the eyes model for given premises."""
    buildings = study.osm.buildings.assign(residents=residents_from_tenure(study))

    def eyes(pois: gpd.GeoDataFrame) -> EyesResult:
        return analyse_eyes(
            lighting.segments,
            buildings,
            pois,
            study.osm.entrances,
            study.config.eyes,
            lighting=lighting.segments,
            darkness=darkness,
        )

    return buildings, eyes
