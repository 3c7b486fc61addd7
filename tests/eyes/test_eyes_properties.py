"""Property tests on the toy town: locality of a new bar, façades and doors add eyes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from eyes_fixtures import X0, Y0, load_toytown, positions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safespaces.eyes import EyesParams, analyse_eyes
from safespaces.eyes.analysis import HOUR_COLUMNS
from safespaces.eyes.hours import hour_datetimes, open_hours
from safespaces.study import Study

P = EyesParams()
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# bars open at 23:00 on a Friday
BAR_HOURS = st.sampled_from(
    ["Mo-Su 16:00-02:00", "Fr 20:00-24:00", "24/7", "Mo-Sa 22:00-04:00", "Fr 23:00-23:59"]
)


@pytest.fixture(scope="module")
def toy_study() -> Study:
    return load_toytown()


def eyes(osm, pois: gpd.GeoDataFrame | None = None, buildings=None, entrances=None):
    return analyse_eyes(
        osm.segments,
        osm.buildings if buildings is None else buildings,
        osm.pois if pois is None else pois,
        osm.entrances if entrances is None else entrances,
        P,
    ).segments


def with_bar(pois: gpd.GeoDataFrame, x: float, y: float, hours: str) -> gpd.GeoDataFrame:
    bar = gpd.GeoDataFrame(
        {"poi_key": ["amenity"], "category": ["bar"], "name": ["new"], "opening_hours": [hours]},
        geometry=[shapely.Point(X0 + x, Y0 + y)],
        crs=pois.crs,
    )
    return pd.concat([pois, bar], ignore_index=True)


@SETTINGS
@given(
    street=st.sampled_from(["A", "B", "C", "D"]),
    along=st.floats(2.0, 98.0),
    side=st.sampled_from([-1.0, 1.0]),
    offset=st.floats(2.0, 20.0),
    hours=BAR_HOURS,
)
def test_a_bar_open_at_23_only_changes_its_street_when_open(
    toy_study, street, along, side, offset, hours
):
    osm = toy_study.osm
    x, y = {
        "A": (along, side * offset),
        "B": (along, 100 + side * offset),
        "C": (side * offset, along),
        "D": (100 + side * offset, along),
    }[street]
    before = eyes(osm)
    after = eyes(osm, pois=with_bar(osm.pois, x, y, hours))
    # the bar goes to the segment nearest to it
    dist = shapely.distance(osm.segments.geometry.to_numpy(), shapely.Point(X0 + x, Y0 + y))
    mine = int(np.argmin(dist))
    assert after["eyes_h23"].iloc[mine] > before["eyes_h23"].iloc[mine]
    others = np.arange(len(before)) != mine
    eyes_columns = [c for c in before.columns if c.startswith("eyes_")]
    pd.testing.assert_frame_equal(before.loc[others, eyes_columns], after.loc[others, eyes_columns])
    closed = ~open_hours(hours, hour_datetimes(P))
    cols = [c for c, shut in zip(HOUR_COLUMNS, closed, strict=True) if shut]
    np.testing.assert_allclose(before[cols].iloc[mine], after[cols].iloc[mine])


@SETTINGS
@given(
    street=st.sampled_from(["C1", "C2", "D1", "D2"]),
    start=st.floats(0.0, 40.0),
    width=st.floats(4.0, 30.0),
    gap=st.floats(1.0, 20.0),
    levels=st.integers(1, 8),
)
def test_a_facade_and_a_door_add_eyes(toy_study, street, start, width, gap, levels):
    """The same street scores at least as high at every hour with a façade and a door,
    and strictly higher by day."""
    osm = toy_study.osm
    pos = positions(osm.segments)[street]
    x_street = 0.0 if street[0] == "C" else 100.0
    y0 = (0.0 if street[1] == "1" else 50.0) + start
    y1 = min(y0 + width, y0 + 50.0 - start)
    outward = -1.0 if street[0] == "C" else 1.0  # away from the block (no other street there)
    xa, xb = x_street + outward * gap, x_street + outward * (gap + 12.0)
    house = shapely.box(X0 + min(xa, xb), Y0 + y0, X0 + max(xa, xb), Y0 + y1)
    buildings = pd.concat(
        [
            osm.buildings,
            gpd.GeoDataFrame(
                {"building": ["apartments"], "levels": [float(levels)]},
                geometry=[house],
                crs=osm.buildings.crs,
            ),
        ],
        ignore_index=True,
    )
    buildings["residents_est"] = buildings["residents_est"].fillna(house.area * levels / 45.0)
    door = gpd.GeoDataFrame(
        {"entrance": ["main"]},
        geometry=[shapely.Point(X0 + xa, Y0 + (y0 + y1) / 2)],
        crs=osm.entrances.crs,
    )
    entrances = pd.concat([osm.entrances, door], ignore_index=True)
    bare = eyes(osm)
    built = eyes(osm, buildings=buildings, entrances=entrances)
    hours_before = bare[HOUR_COLUMNS].iloc[pos].to_numpy()
    hours_after = built[HOUR_COLUMNS].iloc[pos].to_numpy()
    assert (hours_after >= hours_before - 1e-9).all()
    assert built["eyes_day"].iloc[pos] > bare["eyes_day"].iloc[pos]
    assert built["eyes_frontage_share"].iloc[pos] > 0
    assert built["eyes_doors"].iloc[pos] == bare["eyes_doors"].iloc[pos] + 1
