"""What-if on a toy case with a known answer."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from safespaces.errors import InputError
from safespaces.mix import MixParams, what_if

PARAMS = MixParams(neighbourhood_m=0.0)  # neighbourhood = the area and those touching it


def strip() -> gpd.GeoDataFrame:
    """Three 100 m squares in a row: A all ARA rental, B mixed, C all owner-occupied."""
    return gpd.GeoDataFrame(
        {"name": ["A", "B", "C"], "ara_rental": [20, 10, 0], "owner": [0, 10, 20]},
        geometry=[shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(3)],
        crs=3067,
    )


def value(table, scope: str, metric: str, col: str = "after") -> float:
    row = table[(table["scope"] == scope) & (table["metric"] == metric)]
    assert len(row) == 1, (scope, metric)
    return float(row[col].iloc[0])


def test_development_balances_the_area() -> None:
    dev = gpd.GeoDataFrame({"tenure_owner": [20]}, geometry=[shapely.box(10, 10, 60, 60)], crs=3067)
    t = what_if(strip(), dev, ["ara_rental", "owner"], params=PARAMS, id_column="name")
    assert set(t["scope"]) == {"area", "neighbourhood", "city"}
    assert set(t.loc[t["scope"] == "area", "area"]) == {"A"}
    # area A: 20 ARA -> 20 ARA + 20 owner
    assert value(t, "area", "entropy", "before") == 0.0
    assert value(t, "area", "entropy") == pytest.approx(1.0)
    assert value(t, "area", "simpson") == pytest.approx(0.5)
    assert value(t, "area", "dwellings", "change") == 20
    # neighbourhood A+B: (30, 10) -> (30, 30)
    assert value(t, "neighbourhood", "dwellings", "before") == 40
    assert value(t, "neighbourhood", "share_owner", "before") == pytest.approx(0.25)
    assert value(t, "neighbourhood", "share_owner") == pytest.approx(0.5)
    # city: D = sum t|p - P| / (2TP(1-P)): 20/30 before, 15/37.5 after
    assert value(t, "city", "dissimilarity_ara_rental", "before") == pytest.approx(2 / 3)
    assert value(t, "city", "dissimilarity_ara_rental") == pytest.approx(0.4)
    assert value(t, "city", "multigroup_dissimilarity", "change") == pytest.approx(0.4 - 2 / 3)
    # AM 2023 gap of area A: ARA 100 % - 30 % = 70 points before, 50 % - 30 % after
    assert value(t, "area", "target_gap_ara_rental", "before") == pytest.approx(70.0)
    assert value(t, "area", "target_gap_ara_rental") == pytest.approx(20.0)


def test_polygon_goes_to_largest_overlap_and_points_inside() -> None:
    dev = gpd.GeoDataFrame(
        {"owner": [10, 10]},
        geometry=[shapely.box(190, 10, 290, 90), shapely.Point(50, 50)],  # mostly in C; in A
        crs=3067,
    )
    t = what_if(strip(), dev, ["ara_rental", "owner"], params=PARAMS, id_column="name")
    assert set(t.loc[t["scope"] == "area", "area"]) == {"A", "C"}


def test_wider_neighbourhood_and_other_crs() -> None:
    areas = strip()
    dev = gpd.GeoDataFrame({"owner": [20]}, geometry=[shapely.Point(50, 50)], crs=3067).to_crs(4326)
    t = what_if(areas, dev, ["ara_rental", "owner"], params=MixParams(neighbourhood_m=150.0))
    assert value(t, "neighbourhood", "dwellings", "before") == 60  # A, B and C


def test_small_area_is_suppressed() -> None:
    areas = strip()
    areas.loc[0, "ara_rental"] = 3
    dev = gpd.GeoDataFrame({"owner": [3]}, geometry=[shapely.Point(50, 50)], crs=3067)
    t = what_if(areas, dev, ["ara_rental", "owner"], params=PARAMS)
    area = t[t["scope"] == "area"]
    assert area["before"].isna().all() and area["after"].isna().all()


def test_development_outside_or_without_counts() -> None:
    far = gpd.GeoDataFrame({"owner": [5]}, geometry=[shapely.Point(5000, 5000)], crs=3067)
    with pytest.raises(InputError, match="outside every area"):
        what_if(strip(), far, ["ara_rental", "owner"])
    none = gpd.GeoDataFrame({"x": [5]}, geometry=[shapely.Point(50, 50)], crs=3067)
    with pytest.raises(InputError, match="no dwelling counts"):
        what_if(strip(), none, ["ara_rental", "owner"])
