"""Location decides the defaults, and a study has a name (issue 17, Must show 1).

Real extracts: Sydney (southern hemisphere, tests/data/cities/, in the repository)
and the extracts of ../shared/data/cities/ (Oslo-Skøyen and Lund: two Nordic cities
other than Helsinki; Baltimore, München, Portland). Darkness is checked against an
almanac, PyEphem (tests/almanac.py), at Tromsø (69.65 N, above the Arctic Circle) in
polar night and midnight sun, and at Sydney; tests/test_darkness_almanac.py checks
many more days and places.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from almanac import CIVIL, solar_day
from conftest import CITIES, require

from safespaces.config import Config
from safespaces.crs import crs_choice, zone_at
from safespaces.darkness import darkness_hours
from safespaces.io import existing_metadata, read_layer
from safespaces.pipeline import run
from safespaces.sections import GeneralParams, name_from_file
from safespaces.study import Inputs, load_study, study_name

OWN = Path(__file__).resolve().parent / "data" / "cities"
SYDNEY = OWN / "sydney_valhallabench.osm.pbf"
TROMSO = (69.6492, 18.9553)


@pytest.mark.parametrize(
    ("place", "lon", "lat", "epsg", "source"),
    [
        ("Helsinki", 24.94, 60.17, 3067, "national grid"),
        ("Oslo", 10.68, 59.92, 25832, "national grid"),
        ("Tromsø", 18.96, 69.65, 25833, "national grid"),
        ("Kirkenes", 30.05, 69.73, 25835, "national grid"),
        ("Stockholm", 18.06, 59.33, 3006, "national grid"),
        ("Copenhagen", 12.57, 55.68, 25832, "national grid"),
        ("Rønne, Bornholm", 14.70, 55.10, 25833, "national grid"),
        ("Reykjavik", -21.90, 64.14, 3057, "national grid"),
        ("Tallinn", 24.75, 59.44, 32635, "UTM zone"),
        ("Sydney", 151.17, -33.91, 32756, "UTM zone"),
        ("Baltimore", -76.61, 39.29, 32618, "UTM zone"),
    ],
)
def test_crs_auto_is_the_national_grid_else_utm(
    place: str, lon: float, lat: float, epsg: int, source: str
) -> None:
    crs, why = crs_choice(lon, lat)
    assert (crs.to_epsg(), why) == (epsg, source), place


@pytest.mark.parametrize(
    ("lon", "lat", "zone"),
    [
        (24.94, 60.17, "Europe/Helsinki"),
        (10.68, 59.92, "Europe/Oslo"),
        (13.19, 55.70, "Europe/Stockholm"),
        (151.17, -33.91, "Australia/Sydney"),
        (-76.61, 39.29, "America/New_York"),
        (-122.68, 45.52, "America/Los_Angeles"),
    ],
)
def test_time_zone_from_coordinates(lon: float, lat: float, zone: str) -> None:
    assert zone_at(lon, lat) == zone


def test_defaults_are_auto_and_a_written_setting_wins() -> None:
    general = GeneralParams()
    assert (general.name, general.timezone, general.crs) == ("auto", "auto", "auto")
    config = Config().replace(general=GeneralParams(name="oslo"))
    assert study_name(config, Inputs(osm=Path("x/skoyen.osm.pbf"))) == "oslo"
    assert study_name(Config(), Inputs()) == "helsinki"
    assert study_name(Config(), Inputs(osm=Path("x/Oslo Skøyen.osm.pbf"))) == "oslo-skøyen"


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("lund_otp.osm.pbf", "lund_otp"),
        ("Berlin.OSM.BZ2", "berlin"),
        ("a/b/tromsø sentrum.osm", "tromsø-sentrum"),
        ("con.osm.pbf", "con-study"),
        ("...osm.pbf", "study"),
    ],
)
def test_name_from_file(file: str, name: str) -> None:
    assert name_from_file(Path(file)) == name


def utc_minutes(stamp: pd.Timestamp, day: dt.date) -> float:
    utc = stamp.tz_convert("UTC")
    start = pd.Timestamp(day, tz="UTC")
    return (utc - start).total_seconds() / 60.0


@pytest.mark.parametrize(
    ("lat", "lon", "zone", "day", "minutes"),
    [
        (*TROMSO, "Europe/Oslo", dt.date(2025, 12, 21), 2.0),  # no sunrise: civil twilight only
        # near the equinox the declination moves 0.4 degrees a day and twilight at 70 N
        # is long and shallow: the events are computed at their own time, not at noon
        (*TROMSO, "Europe/Oslo", dt.date(2025, 3, 20), 2.0),
        (-33.91, 151.17, "Australia/Sydney", dt.date(2025, 6, 21), 2.0),
        (-33.91, 151.17, "Australia/Sydney", dt.date(2025, 12, 21), 2.0),
        (59.92, 10.68, "Europe/Oslo", dt.date(2025, 11, 15), 2.0),
    ],
)
def test_civil_dawn_and_dusk_match_the_almanac(
    lat: float, lon: float, zone: str, day: dt.date, minutes: float
) -> None:
    table = darkness_hours(lat, lon, day.year, timezone=zone)
    row = table.iloc[day.timetuple().tm_yday - 1]
    peer = solar_day(lat, lon, day, CIVIL)
    assert peer.rise is not None and peer.set is not None
    assert str(row["civil_dawn"].tz) == zone
    assert utc_minutes(row["civil_dawn"], day) == pytest.approx(
        utc_minutes(peer.rise, day), abs=minutes
    )
    assert utc_minutes(row["civil_dusk"], day) == pytest.approx(
        utc_minutes(peer.set, day), abs=minutes
    )
    assert row["darkness_h"] == pytest.approx(24.0 - peer.hours_up, abs=2 * minutes / 60)


def test_polar_night_and_midnight_sun_at_tromso() -> None:
    table = darkness_hours(*TROMSO, 2025, timezone="Europe/Oslo").set_index("date")
    december, june = table.loc[dt.date(2025, 12, 21)], table.loc[dt.date(2025, 6, 21)]
    # December: the sun never rises, but comes within 6 degrees of the horizon near noon
    assert december["polar"] == "polar night"
    assert pd.isna(december["sunrise"]) and pd.isna(december["sunset"])
    assert 19.0 < december["darkness_h"] < 22.0
    assert december["civil_dawn"].hour in (9, 10) and december["civil_dusk"].hour in (13, 14)
    # June: the sun never sets: no darkness, no civil dusk
    assert june["polar"] == "polar day"
    assert june["darkness_h"] == 0.0 and pd.isna(june["civil_dusk"])
    assert solar_day(*TROMSO, dt.date(2025, 6, 21), CIVIL).set is None
    # the months of midnight sun: no darkness at all from late May to late July
    summer = table.loc[dt.date(2025, 5, 25) : dt.date(2025, 7, 20), "darkness_h"]
    assert (summer == 0.0).all()


@pytest.fixture(scope="module")
def shared_cities() -> Path:
    require(CITIES.is_dir(), f"{CITIES} is absent (it sits beside the repository in CI)")
    return CITIES


@pytest.mark.parametrize(
    ("file", "zone", "epsg", "lat_sign"),
    [
        ("oslo-skoyen_otp.osm.pbf", "Europe/Oslo", 25832, 1),
        ("lund_otp.osm.pbf", "Europe/Stockholm", 3006, 1),
        ("baltimore_valhalla.osm.pbf", "America/New_York", 32618, 1),
        ("portland-central-filtered_otp.osm.pbf", "America/Los_Angeles", 32610, 1),
    ],
)
def test_real_extracts_get_their_local_zone_crs_and_name(
    shared_cities: Path, file: str, zone: str, epsg: int, lat_sign: int
) -> None:
    path = shared_cities / file
    study = load_study(Inputs(osm=path), Config())
    assert study.crs.to_epsg() == epsg
    assert study.config.general.timezone == zone
    assert study.config.general.name == name_from_file(path)
    assert study.location is not None
    assert study.location.timezone_source == "from coordinates"
    assert study.location.lat * lat_sign > 0


def test_an_explicit_zone_and_crs_win(shared_cities: Path) -> None:
    general = GeneralParams(timezone="UTC", crs="EPSG:32632")
    study = load_study(
        Inputs(osm=shared_cities / "oslo-skoyen_otp.osm.pbf"), Config().replace(general=general)
    )
    assert study.config.general.timezone == "UTC"
    assert study.crs.to_epsg() == 32632
    assert study.location is not None
    assert study.location.line().startswith("UTC (from the configuration), EPSG:32632 (from")


def test_sydney_run_is_local_and_never_labelled_helsinki(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole run of a southern-hemisphere extract, with no --out: its own folder."""
    monkeypatch.chdir(tmp_path)
    result = run(Inputs(osm=SYDNEY), Config())
    folder = tmp_path / "layers" / "sydney_valhallabench"
    assert result.path == folder / "safespaces.gpkg"
    assert not (tmp_path / "layers" / "helsinki").exists()
    assert result.summary["study"] == "sydney_valhallabench"
    assert result.summary["location"] == (
        "Australia/Sydney (from coordinates), EPSG:32756 (UTM zone), darkness at 33.91S"
    )
    meta = existing_metadata(result.path)
    assert meta["study_name"] == "sydney_valhallabench"
    assert meta["location"]["timezone"] == "Australia/Sydney"
    assert meta["location"]["crs"] == "EPSG:32756"
    assert meta["config"]["general"]["timezone"] == "Australia/Sydney"
    # the darkness table in Sydney's clock: on the summer solstice the almanac's sunrise
    # is 05:41 and sunset 20:05 AEDT (+11:00), the evening dark from civil dusk ~20:34
    table = read_layer(result.path, "light_darkness")
    assert table is not None
    row = table[table["date"].astype(str).str.endswith("12-21")].iloc[0]
    sunrise, sunset = pd.Timestamp(row["sunrise"]), pd.Timestamp(row["sunset"])
    assert sunrise.utcoffset() == dt.timedelta(hours=11)
    morning = pd.Timestamp(f"{sunrise.date()}T05:41:00+11:00")
    evening = pd.Timestamp(f"{sunset.date()}T20:05:00+11:00")
    assert abs((sunrise - morning).total_seconds()) < 180
    assert abs((sunset - evening).total_seconds()) < 180
    with zipfile.ZipFile(folder / "safespaces.qgz") as qgz:
        project = "".join(qgz.read(n).decode("utf-8", "replace") for n in qgz.namelist())
    assert "safespaces: sydney_valhallabench" in project
    assert "safespaces:sydney_valhallabench:street_segments" in project
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"helsinki" not in path.read_bytes().lower(), path.name
