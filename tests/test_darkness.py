"""Hours of darkness by the NOAA solar equations, checked on published figures."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import safespaces
from safespaces.darkness import (
    darkness_hours,
    darkness_of_year,
    darkness_years,
    study_darkness,
    study_latlon,
)
from safespaces.errors import InputError

LAT, LON = 60.17, 24.94  # Helsinki


@pytest.fixture(scope="module")
def helsinki():
    return darkness_hours(LAT, LON, 2026).set_index("date")


def test_one_row_per_day(helsinki):
    assert len(helsinki) == 365
    assert len(darkness_hours(LAT, LON, 2028)) == 366


def test_winter_solstice(helsinki):
    day = helsinki.loc[dt.date(2026, 12, 21)]
    # Published: sunrise 9:24, sunset 15:13 EET, 5 h 49 min of daylight (sunrise to sunset)
    assert day["daylight_h"] == pytest.approx(5.8, abs=0.5)
    assert day["daylight_h"] == pytest.approx(6.0, abs=0.5)
    sunrise = day["sunrise"]
    assert sunrise.hour == 9
    assert 19 <= sunrise.minute <= 29
    assert day["sunset"].hour == 15
    assert 8 <= day["sunset"].minute <= 18
    # civil twilight (sun above -6 degrees) lasts longer: ~7.8 h, so ~16.2 h of darkness
    assert day["civil_daylight_h"] == pytest.approx(7.8, abs=0.3)
    assert day["darkness_h"] == pytest.approx(24 - day["civil_daylight_h"])


def test_midsummer(helsinki):
    day = helsinki.loc[dt.date(2026, 6, 21)]
    # Published: sunrise 3:54, sunset 22:50 EEST: 18 h 56 min
    assert day["daylight_h"] == pytest.approx(18.9, abs=0.5)
    assert day["daylight_h"] == pytest.approx(19.0, abs=0.5)
    # the sun dips only ~6.4 degrees below the horizon: civil darkness lasts under 2 h
    assert 0 < day["darkness_h"] < 2
    assert day["sunrise"].utcoffset() == dt.timedelta(hours=3)


def test_polar_day_and_night():
    svalbard = darkness_hours(78.2, 15.6, 2026).set_index("date")
    winter = svalbard.loc[dt.date(2026, 1, 1)]
    summer = svalbard.loc[dt.date(2026, 6, 21)]
    assert winter["polar"] == "polar night"
    assert winter["darkness_h"] == 24.0
    assert summer["polar"] == "polar day"
    assert summer["darkness_h"] == 0.0
    assert summer["sunrise"] is None or str(summer["sunrise"]) == "NaT"


def test_several_years_are_each_years_own_table() -> None:
    both = darkness_years(LAT, LON, [2027, 2026, 2027])
    assert len(both) == 365 + 365
    alone = darkness_hours(LAT, LON, 2027)
    pd.testing.assert_frame_equal(darkness_of_year(both, 2027), alone)
    # a table of one year is returned as it is
    assert darkness_of_year(alone, 2027) is alone
    with pytest.raises(ValueError, match="no row of 2030"):
        darkness_of_year(both, 2030)


def test_study_darkness_is_placed_at_the_segments_centre() -> None:
    # a segment across Helsinki's centre, in ETRS-TM35FIN
    seg = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(385000, 6671000), (387000, 6673000)])], crs="EPSG:3067"
    )
    lat, lon = study_latlon(seg)
    assert lat == pytest.approx(60.17, abs=0.02) and lon == pytest.approx(24.94, abs=0.05)
    table = study_darkness(seg, {2026}, timezone="Europe/Helsinki")
    pd.testing.assert_frame_equal(table, darkness_hours(lat, lon, 2026, timezone="Europe/Helsinki"))
    with pytest.raises(InputError, match="cannot place the study area"):
        study_latlon(seg.iloc[:0])


FAMILIES = ("lighting", "eyes", "mix", "incidents")


def _imports(path: Path) -> set[str]:
    """Every ``safespaces.*`` module a file imports (type-only imports included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m.startswith("safespaces.")}


def test_darkness_is_a_floor_below_the_families() -> None:
    package = Path(safespaces.__file__).parent
    assert _imports(package / "darkness.py") == {"safespaces.errors"}
    for family in FAMILIES:
        others = {f"safespaces.{f}" for f in FAMILIES if f != family}
        for path in sorted((package / family).glob("*.py")):
            # another family's names only, from its vocabulary (docs/architecture.md)
            reached = {
                m
                for m in _imports(path)
                if ".".join(m.split(".")[:2]) in others and not m.endswith(".vocabulary")
            }
            assert not reached, (path.name, reached)
    # the incidents' light windows read the study's darkness table, not the lighting family's
    assert "safespaces.darkness" in _imports(package / "incidents" / "windows.py")
