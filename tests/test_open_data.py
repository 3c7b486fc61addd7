"""Ordinary open data (issue 17): the files a new user has, read as they are meant.

Monthly (police.uk) and date-only incident files go through ``safespaces run`` with
no invented hours; area names come from the user's column; units with no street
and no incident are "no data", never cold spots; compressed OSM XML is read; a
closed ``highway=pedestrian`` without ``area=yes`` is a street, not a square.
"""

from __future__ import annotations

import bz2
import gzip
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CITIES, require

from safespaces.cli import main
from safespaces.errors import InputError
from safespaces.incidents import hotspots
from safespaces.sources.areas import grid_areas, network_grid, read_areas
from safespaces.sources.osm import load_osm

DATA = Path(__file__).resolve().parent / "data"
REPO = DATA.parent.parent
TOYTOWN = DATA / "toytown.osm"
#: A box over the toy town (lon/lat) and its four quarters' names.
BOX = (24.9266, 60.1682, 24.9300, 60.1700)
QUARTERS = ("Söder", "Öster", "Väster", "Norr")


def _points(n: int = 60, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(24.9272, 24.9295, n).round(6), rng.uniform(60.1685, 60.1698, n).round(6)


def _quarters(path: Path, column: str = "namn") -> Path:
    x0, y0, x1, y1 = BOX
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    polys = [
        shapely.box(x0, y0, xm, ym),
        shapely.box(xm, y0, x1, ym),
        shapely.box(x0, ym, xm, y1),
        shapely.box(xm, ym, x1, y1),
    ]
    frame = gpd.GeoDataFrame(
        {column: list(QUARTERS), "kod": ["K1", "K2", "K3", "K4"]}, geometry=polys, crs=4326
    )
    frame.to_file(path)
    return path


def _police_uk(path: Path) -> Path:
    """A police.uk street-level file: ``Month`` only, no day, no hour."""
    lon, lat = _points()
    rng = np.random.default_rng(2)
    pd.DataFrame(
        {
            "Crime ID": [f"c{i}" for i in range(len(lon))],
            "Month": rng.choice(["2019-01", "2019-02", "2019-06", "2019-12"], len(lon)),
            "Reported by": "Test Constabulary",
            "Longitude": lon,
            "Latitude": lat,
            "Location": "On or near Test Street",
            "Crime type": rng.choice(["Burglary", "Anti-social behaviour"], len(lon)),
        }
    ).to_csv(path, index=False)
    return path


def _date_only(path: Path) -> Path:
    """An open-data file with a date per row and no time of day."""
    lon, lat = _points(seed=3)
    rng = np.random.default_rng(4)
    pd.DataFrame(
        {
            "offense": rng.choice(["theft", "assault"], len(lon)),
            "reported": rng.choice(["2024-01-15", "2024-03-02", "2024-07-21"], len(lon)),
            "lon": lon,
            "lat": lat,
        }
    ).to_csv(path, index=False)
    return path


def _run(tmp_path: Path, *args: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    out = tmp_path / "out"
    argv = ["run", "--osm", str(TOYTOWN), "--out", str(out), *args]
    argv += ["--set", "incidents.hotspot_permutations=0"]
    assert main(argv) == 0
    gpkg = out / "safespaces.gpkg"
    return gpd.read_file(gpkg, layer="areas"), gpd.read_file(gpkg, layer="incident_hotspots")


# --- Must show 3: monthly and date-only files through `run`, no invented hours -------------------


def test_police_uk_monthly_file_through_run_has_no_hours(tmp_path: Path) -> None:
    incidents = _police_uk(tmp_path / "monthly.csv")
    areas, spots = _run(
        tmp_path,
        "--incidents",
        str(incidents),
        "--areas",
        str(_quarters(tmp_path / "areas.gpkg")),
        "--time-col",
        "Month",
        "--category-col",
        "Crime type",
    )
    total = int(areas["incidents_count"].sum())
    assert total == 60
    # no hour, no weekday: every incident in "hour unknown", none in day/evening/night
    assert int(areas["incidents_hour_unknown"].sum()) == total
    for window in ("day", "evening", "night"):
        assert int(areas[f"incidents_{window}"].fillna(0).sum()) == 0
    assert int(areas["incidents_week_unknown"].sum()) == total
    assert int(areas["incidents_month_unknown"].fillna(0).sum()) == 0
    # hot spots are labelled with the areas' own names (detected `namn`), not 0..3
    assert sorted(spots["name"]) == sorted(QUARTERS)


def test_date_only_file_through_run_keeps_the_day_not_the_hour(tmp_path: Path) -> None:
    incidents = _date_only(tmp_path / "dated.csv")
    areas, spots = _run(
        tmp_path,
        "--incidents",
        str(incidents),
        "--areas",
        str(_quarters(tmp_path / "areas.gpkg")),
        "--time-col",
        "reported",
        "--category-col",
        "offense",
        "--area-name-col",
        "kod",
    )
    total = int(areas["incidents_count"].sum())
    assert total == 60
    assert int(areas["incidents_hour_unknown"].sum()) == total
    assert int(areas["incidents_night"].fillna(0).sum()) == 0
    # the date is known: weekday/weekend are counted, nothing in "week unknown"
    assert int(areas["incidents_week_unknown"].fillna(0).sum()) == 0
    assert sorted(spots["name"]) == ["K1", "K2", "K3", "K4"]
    assert sorted(areas["name"]) == ["K1", "K2", "K3", "K4"]


def test_area_name_col_not_in_the_file_exits_2_naming_the_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "run",
        "--osm",
        str(TOYTOWN),
        "--areas",
        str(_quarters(tmp_path / "areas.gpkg")),
        "--area-name-col",
        "NAMN_X",
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "no column 'NAMN_X' of area names" in err and "namn, kod" in err
    assert "--area-name-col" in err and "Traceback" not in err


# --- area names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["NAME", "nimi", "namn", "navn", "Navn", "id"])
def test_area_names_are_detected(tmp_path: Path, column: str) -> None:
    areas = read_areas(_quarters(tmp_path / "a.gpkg", column))
    assert list(areas["name"]) == list(QUARTERS)


def test_area_name_column_overrides_detection(tmp_path: Path) -> None:
    areas = read_areas(_quarters(tmp_path / "a.gpkg", "name"), name_column="kod")
    assert list(areas["name"]) == ["K1", "K2", "K3", "K4"]


# --- hot spots: no exposure is no data ------------------------------------------------------------


def _grid(nx: int, ny: int) -> gpd.GeoDataFrame:
    cells = [shapely.box(i, j, i + 1, j + 1) for j in range(ny) for i in range(nx)]
    return gpd.GeoDataFrame(geometry=cells, crs=3067)


def test_units_without_exposure_are_no_data_not_cold() -> None:
    # a town on a 30 x 30 grid with a strip of sea (no street, no incident) on its west shore
    units = _grid(30, 30)
    col = np.arange(900) % 30
    y = np.where(col >= 2, 6.0 + (np.arange(900) % 3), 0.0)
    exposed = col >= 2
    plain = hotspots.gi_star(y, hotspots.contiguity_weights(units), permutations=0)
    assert set(plain.hot_class[~exposed]) & set(hotspots.COLD_CLASSES)  # the old misreading
    gi = hotspots.gi_star_exposed(y, units, exposed, permutations=0)
    assert (gi.hot_class[~exposed] == hotspots.NO_DATA).all()
    assert np.isnan(gi.z[~exposed]).all() and np.isnan(gi.q[~exposed]).all()
    assert not set(gi.hot_class[~exposed]) & set(hotspots.SIGNIFICANT_CLASSES)
    # the exposed units are exactly Gi* over the exposed units alone
    sub = units.loc[exposed].reset_index(drop=True)
    alone = hotspots.gi_star(y[exposed], hotspots.contiguity_weights(sub), permutations=0)
    np.testing.assert_allclose(gi.z[exposed], alone.z)
    assert list(gi.hot_class[exposed]) == list(alone.hot_class)


def test_all_exposed_is_plain_gi_star() -> None:
    units = _grid(4, 4)
    y = np.arange(16, dtype=float)
    gi = hotspots.gi_star_exposed(y, units, np.ones(16, bool), permutations=0)
    plain = hotspots.gi_star(y, hotspots.contiguity_weights(units), permutations=0)
    np.testing.assert_array_equal(gi.z, plain.z)


# --- OSM formats and shapes -----------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "opener"), [(".osm.gz", gzip.open), (".osm.bz2", bz2.open)])
def test_compressed_osm_xml_reads_like_the_plain_file(
    tmp_path: Path, suffix: str, opener: object
) -> None:
    packed = tmp_path / ("toytown" + suffix)
    with TOYTOWN.open("rb") as src, opener(packed, "wb") as dst:  # type: ignore[operator]
        shutil.copyfileobj(src, dst)
    plain, read = load_osm(TOYTOWN), load_osm(packed)
    assert len(read.segments) == len(plain.segments) > 0
    assert len(read.buildings) == len(plain.buildings)
    assert read.segments["length_m"].sum() == pytest.approx(plain.segments["length_m"].sum())


def test_corrupt_compressed_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "city.osm.gz"
    bad.write_bytes(b"<osm version='0.6'></osm>")  # not gzip
    with pytest.raises(InputError, match="not a readable compressed file") as info:
        load_osm(bad)
    assert "decompress" in str(info.value)


def _pedestrian_loop(path: Path, area: str | None) -> Path:
    """A 60 m square loop of highway=pedestrian, closed, with ``area`` as given."""
    lon0, lat0, d = 24.9400, 60.1700, 0.0005
    corners = [(lon0, lat0), (lon0 + 2 * d, lat0), (lon0 + 2 * d, lat0 + d), (lon0, lat0 + d)]
    nodes = "".join(
        f'<node id="{i + 1}" lat="{lat}" lon="{lon}" version="1"/>'
        for i, (lon, lat) in enumerate(corners)
    )
    tags = '<tag k="highway" v="pedestrian"/><tag k="name" v="Kehä"/>'
    if area:
        tags += f'<tag k="area" v="{area}"/>'
    refs = "".join(f'<nd ref="{i}"/>' for i in (1, 2, 3, 4, 1))
    way = f'<way id="10" version="1">{refs}{tags}</way>'
    # a plain footway so the file always has a street
    foot = (
        f'<node id="5" lat="{lat0 - d}" lon="{lon0}" version="1"/>'
        f'<node id="6" lat="{lat0 - d}" lon="{lon0 + 2 * d}" version="1"/>'
    )
    fway = '<way id="11" version="1"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/></way>'
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6" generator="test">'
        f"{nodes}{foot}{way}{fway}</osm>",
        encoding="utf-8",
    )
    return path


def test_closed_pedestrian_loop_without_area_yes_is_a_street(tmp_path: Path) -> None:
    data = load_osm(_pedestrian_loop(tmp_path / "loop.osm", None))
    assert 10 in set(data.segments["osm_way_id"])
    assert "pedestrian_area" not in set(data.public_spaces.get("kind", []))


def test_pedestrian_area_yes_is_a_square(tmp_path: Path) -> None:
    data = load_osm(_pedestrian_loop(tmp_path / "square.osm", "yes"))
    assert 10 not in set(data.segments["osm_way_id"])
    assert list(data.public_spaces["kind"]) == ["pedestrian_area"]


# --- the default grid -----------------------------------------------------------------------------


def _city(name: str) -> Path:
    path = CITIES / name
    require(path.is_file(), f"{path} is absent (../shared/data/cities sits beside the repository)")
    return path


def test_default_grid_covers_segments_beyond_the_header_box() -> None:
    # Munich (valhalla's bench extract): ways run past the header's <bounds>
    osm = load_osm(_city("munchen_valhallabench.osm.pbf"))
    assert (~osm.segments.within(osm.study_area)).sum() > 100  # the old grid missed these
    grid = network_grid(osm.bounds, osm.crs, (osm.segments, osm.buildings))
    cover = shapely.union_all(grid.geometry.to_numpy())
    assert shapely.covers(cover, osm.segments.geometry.to_numpy()).all()
    assert list(grid["area_id"]) == list(range(len(grid)))


def test_default_grid_keeps_only_cells_that_hold_the_network() -> None:
    # Portland (OpenTripPlanner's filtered extract): a third of the box holds no street
    osm = load_osm(_city("portland-central-filtered_otp.osm.pbf"))
    box_grid = grid_areas(osm.bounds, osm.crs)
    grid = network_grid(osm.bounds, osm.crs, (osm.segments, osm.buildings))
    assert len(grid) < 0.7 * len(box_grid)
    hit = gpd.sjoin(grid, osm.segments[["geometry"]], predicate="intersects")
    assert hit["area_id"].nunique() == len(grid)  # every kept cell holds a segment


def test_network_grid_on_a_hand_made_network() -> None:
    from pyproj import CRS

    crs = CRS.from_epsg(3067)
    street = gpd.GeoDataFrame(geometry=[shapely.LineString([(10, 10), (10, 900)])], crs=crs)
    house = gpd.GeoDataFrame(geometry=[shapely.box(600, 600, 620, 620)], crs=crs)
    # the header box stops at y = 500: the street's north half is beyond it
    grid = network_grid((0.0, 0.0, 1000.0, 500.0), crs, (street, house), size_m=250.0)
    assert sorted(grid["grid_id"]) == ["0_0", "0_250", "0_500", "0_750", "500_500"]


def test_default_grid_cells_have_unique_names_numbered_within_their_place() -> None:
    """Each kept cell is named by its nearest place and its number within that place,
    counted over the kept cells only, in the grid's order (south to north, west to east)."""
    from pyproj import CRS

    crs = CRS.from_epsg(3067)
    street = gpd.GeoDataFrame(geometry=[shapely.LineString([(10, 10), (10, 900)])], crs=crs)
    house = gpd.GeoDataFrame(geometry=[shapely.box(600, 600, 620, 620)], crs=crs)
    places = gpd.GeoDataFrame(
        {"name": ["Etelä", "Pohjoinen"]},
        geometry=[shapely.Point(0, 0), shapely.Point(600, 1000)],
        crs=crs,
    )
    grid = network_grid(
        (0.0, 0.0, 1000.0, 500.0), crs, (street, house), size_m=250.0, places=places
    )
    # kept cells in grid order (rows south to north): 0_0, 0_250, 0_500, 500_500, 0_750.
    # Centres to (0, 0) / (600, 1000): (125, 125) 177 / 1006; (125, 375) 395 / 786;
    # (125, 625) 637 / 605; (625, 625) 884 / 376; (125, 875) 884 / 491
    by_cell = dict(zip(grid["grid_id"], grid["name"], strict=True))
    assert by_cell == {
        "0_0": "Etelä 1",
        "0_250": "Etelä 2",
        "0_500": "Pohjoinen 1",
        "500_500": "Pohjoinen 2",
        "0_750": "Pohjoinen 3",
    }
    assert grid["name"].is_unique
    assert grid["place"].tolist() == ["Etelä", "Etelä", "Pohjoinen", "Pohjoinen", "Pohjoinen"]
    from safespaces.sources.areas import district_names

    assert district_names(grid).tolist() == grid["place"].tolist()
    # without places the grid_id names the cell, and there is no place column
    bare = network_grid((0.0, 0.0, 1000.0, 500.0), crs, (street, house), size_m=250.0)
    assert "place" not in bare and bare["name"].tolist() == bare["grid_id"].tolist()
    assert district_names(bare).tolist() == bare["grid_id"].tolist()


def test_user_areas_are_their_own_districts(tmp_path: Path) -> None:
    """A user's areas keep their names and are each their own district; their own
    ``place`` column makes way for ours (``user_place``)."""
    from safespaces.sources.areas import district_names

    path = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(
        {"nimi": ["Kamppi", "Kluuvi"], "place": ["x", "y"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs=3067,
    ).to_file(path)
    areas = read_areas(path)
    assert district_names(areas).tolist() == ["Kamppi", "Kluuvi"]
    assert "place" not in areas and areas["user_place"].tolist() == ["x", "y"]


# --- extracts spanning far-apart regions ----------------------------------------------------------


def test_far_apart_parts_are_labelled() -> None:
    from safespaces.sources.osm.extent import far_apart_parts

    rng = np.random.default_rng(0)
    oslo = np.column_stack([rng.uniform(10.6, 10.8, 50), rng.uniform(59.9, 60.0, 50)])
    sydney = np.column_stack([rng.uniform(151.1, 151.3, 30), rng.uniform(-33.95, -33.8, 30)])
    labels = far_apart_parts(np.vstack([oslo, sydney]))
    assert labels.tolist() == [0] * 50 + [1] * 30
    # a town and its suburb 30 km away are one study
    suburb = oslo + [0.5, 0.0]
    assert set(far_apart_parts(np.vstack([oslo, suburb]))) == {0}


def test_two_continent_extract_is_refused_with_the_split(tmp_path: Path) -> None:
    import resource

    import osmium

    merged = tmp_path / "oslo_portland.osm.pbf"
    reader = osmium.MergeInputReader()
    reader.add_file(str(_city("oslo-skoyen_otp.osm.pbf")))
    reader.add_file(str(_city("portland-central-filtered_otp.osm.pbf")))
    writer = osmium.SimpleWriter(str(merged))
    reader.apply(writer, simplify=True)
    writer.close()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputError, match="2 regions more than 100 km apart") as info:
        load_osm(merged)
    message = str(info.value)
    assert "lon 10.6" in message and "lon -122.7" in message  # Oslo, then Portland
    assert message.count("osmium extract -b") == 2 and "oslo_portland-2.osm.pbf" in message
    # refused while reading: no layer, grid or raster of the 8,000 km between them
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1_000_000  # KiB
