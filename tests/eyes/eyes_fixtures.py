"""The toy town (tests/data/toytown.osm), loaded once, and helpers to find its segments."""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from safespaces.config import Config, NetworkParams
from safespaces.study import Inputs, Study, load_study

TOYTOWN = Path(__file__).resolve().parent.parent / "data" / "toytown.osm"
X0, Y0 = 385_000.0, 6_672_000.0  # the toy town's origin in EPSG:3067


def toy_config() -> Config:
    # Each street is 100 m give or take 1 cm (coordinates in the file are rounded to
    # 1e-7 degrees); a 51 m limit splits every street into two equal 50 m segments.
    return Config().replace(network=NetworkParams(max_segment_m=51.0))


@functools.cache
def load_toytown() -> Study:
    """The toy town as the pipeline loads it (read once per test session)."""
    return load_study(Inputs(osm=TOYTOWN), toy_config())


def segment_at(segments: gpd.GeoDataFrame, x: float, y: float) -> int:
    """Row position of the segment nearest the toy-town point (x, y)."""
    dist = shapely.distance(segments.geometry.to_numpy(), shapely.Point(X0 + x, Y0 + y))
    return int(np.argmin(dist))


#: Toy-town segments by a point on each (local metres): A = Kauppakatu (y=0),
#: B = Baarikatu (y=100), C = Länsikuja (x=0), D = Itäkuja (x=100); 1 = west/south half.
SEGMENT_POINTS = {
    "A1": (25.0, 0.0),
    "A2": (75.0, 0.0),
    "B1": (25.0, 100.0),
    "B2": (75.0, 100.0),
    "C1": (0.0, 25.0),
    "C2": (0.0, 75.0),
    "D1": (100.0, 25.0),
    "D2": (100.0, 75.0),
}


def positions(segments: gpd.GeoDataFrame) -> dict[str, int]:
    """Row position of each named toy-town segment."""
    return {k: segment_at(segments, *xy) for k, xy in SEGMENT_POINTS.items()}
