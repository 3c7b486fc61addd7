"""Lamp register, incident, tenure and area loaders on small hand-made files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from safespaces.errors import CRSError, InputError
from safespaces.sections import HELSINKI_TENURE
from safespaces.sources.areas import grid_areas, read_areas
from safespaces.sources.incidents import read_incidents
from safespaces.sources.lamps import read_lamp_register
from safespaces.sources.tenure import read_tenure

HELSINKI_BOX = (24.93, 60.16, 24.96, 60.18)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- lamp register -------------------------------------------------------------------------


def test_lamps_lonlat_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path, "lamps.csv", "lon,lat,height_m,intensity_cd\n24.94,60.17,5,1000\n24.95,60.17,,\n"
    )
    lamps = read_lamp_register(path)
    assert lamps.crs.to_epsg() == 4326
    assert lamps["source"].eq("register").all()
    assert lamps["height_m"].tolist()[0] == 5.0 and np.isnan(lamps["height_m"].iloc[1])
    assert lamps["intensity_cd"].iloc[0] == 1000.0
    assert np.isnan(lamps["lumen"]).all()


def test_lamps_xy_with_declared_crs_and_mapped_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "lamps.csv", "E;N;korkeus\n385800;6672000;8\n")
    lamps = read_lamp_register(
        path, crs="EPSG:3067", columns={"x": "E", "y": "N", "height_m": "korkeus"}
    )
    assert lamps.crs.to_epsg() == 3067
    assert lamps.geometry.iloc[0].equals(shapely.Point(385800, 6672000))
    assert lamps["height_m"].iloc[0] == 8.0


def test_lamps_vector_file(tmp_path: Path) -> None:
    path = tmp_path / "lamps.gpkg"
    gpd.GeoDataFrame(
        {"height_m": [6.0]}, geometry=[shapely.Point(385800, 6672000)], crs=3067
    ).to_file(path)
    assert read_lamp_register(path)["height_m"].tolist() == [6.0]


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "pattern"),
    [
        ("empty.csv", "", {}, "empty.csv: the file is empty"),
        ("header.csv", "lon,lat\n", {}, "header but no rows"),
        ("nocoords.csv", "a,b\n1,2\n", {}, "no coordinate columns .*Fix: add 'lon' and 'lat'"),
        ("xy.csv", "x,y\n385800,6672000\n", {}, "no CRS declared.*--crs"),
        ("text.csv", "lon,lat\n24.94,sixty\n", {}, "row 2, column 'lat': 'sixty' is not a number"),
        ("lat.csv", "lon,lat\n24.94,160.17\n", {}, "row 2, column 'lat': latitude 160.17"),
        ("height.csv", "lon,lat,height_m\n24.94,60.17,400\n", {}, "column 'height_m'.*plausible"),
        ("crs.csv", "x,y\n1,2\n", {"crs": "EPSG:999999"}, "unknown CRS"),
        ("lamps.xlsx", "x", {}, "unsupported file type '.xlsx'"),
    ],
)
def test_lamp_register_errors(
    tmp_path: Path, name: str, content: str, kwargs: dict[str, str], pattern: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(InputError, match=pattern):
        read_lamp_register(path, **kwargs)  # type: ignore[arg-type]


def test_swapped_lat_lon_is_detected(tmp_path: Path) -> None:
    path = write(tmp_path, "swapped.csv", "lon,lat\n60.17,24.94\n60.171,24.945\n")
    with pytest.raises(InputError, match="swapped.*Fix: swap"):
        read_lamp_register(path, expected_lonlat=HELSINKI_BOX)


def test_latin1_csv_gets_encoding_advice(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.csv", "lon,lat,nimi\n24.94,60.17,Töölö\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8.*CSV UTF-8"):
        read_lamp_register(path)


def test_wrong_geometry_type(tmp_path: Path) -> None:
    path = tmp_path / "lines.geojson"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=4326).to_file(path)
    with pytest.raises(InputError, match="LineString, expected points"):
        read_lamp_register(path)


def test_vector_without_crs(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3067"}},
                "features": [],
            }
        )
    )
    # an empty collection is an error of its own
    with pytest.raises(InputError, match="no features|cannot read"):
        read_lamp_register(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_prj(tmp_path: Path) -> None:
    path = tmp_path / "lamps.shp"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(385800, 6672000)]).to_file(path)
    with pytest.raises(CRSError, match="declares no CRS"):
        read_lamp_register(path)
    assert read_lamp_register(path, crs="EPSG:3067").crs.to_epsg() == 3067


# --- incidents -----------------------------------------------------------------------------


def test_incidents_detect_columns_and_times(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "inc.csv",
        "longitude,latitude,occurred_at,category\n"
        "24.94,60.17,2025-03-30T02:30:00,theft\n"  # winter time, +02:00
        "24.94,60.17,2025-03-30T04:30:00,theft\n"  # after the change, +03:00
        "24.94,60.17,2025-06-01T12:00:00Z,violence\n"  # UTC -> 15:00 local
        "24.94,60.17,2025-07-01,harassment\n",  # date only
    )
    load = read_incidents(path)
    pts = load.points
    assert [t.utcoffset().total_seconds() / 3600 for t in pts["time"]] == [2, 3, 3, 3]
    assert pts["time"].iloc[2].hour == 15
    assert pts["hour_known"].tolist() == [True, True, True, False]
    assert pts["category"].tolist() == ["theft", "theft", "violence", "harassment"]
    assert set(load.dropped.values()) == {0}


def test_incidents_drop_and_count_bad_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "inc.csv",
        "lon,lat,time\n24.94,60.17,2025-01-01T10:00\n,60.17,2025-01-01T10:00\n"
        "24.94,95,2025-01-01T10:00\n24.94,60.17,\n24.94,60.17,never\n",
    )
    with pytest.raises(InputError, match="row 3, column 'lon/lat': missing or invalid coordinates"):
        read_incidents(path)
    load = read_incidents(path, drop_invalid=True)
    assert len(load.points) == 1
    assert dict(load.dropped) == {
        "missing_coordinates": 1,
        "bad_coordinates": 1,
        "missing_time": 1,
        "bad_time": 1,
        "time_out_of_range": 0,
    }


def test_incident_time_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path, "inc.csv", "lon,lat,time\n24.94,60.17,2025-01-01T10:00\n24.94,60.17,yesterday\n"
    )
    with pytest.raises(InputError, match="row 3, column 'time': cannot read 'yesterday'"):
        read_incidents(path)
    load = read_incidents(path, drop_invalid=True)
    assert len(load.points) == 1 and load.dropped["bad_time"] == 1
    bad = write(tmp_path, "bad.csv", "lon,lat,time\n24.94,60.17,soon\n")
    with pytest.raises(InputError, match="no row has both usable coordinates and a time.*ISO 8601"):
        read_incidents(bad, drop_invalid=True)
    notime = write(tmp_path, "notime.csv", "lon,lat,what\n24.94,60.17,x\n")
    with pytest.raises(InputError, match="no time column.*--time-col"):
        read_incidents(notime)


def test_incident_flag_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, "inc.csv", "lon,lat,pvm,laji\n24.94,60.17,2025-01-01T10:00,ilkivalta\n")
    pts = read_incidents(path, time_column="pvm", category_column="laji").points
    assert pts["category"].tolist() == ["ilkivalta"]


# --- tenure --------------------------------------------------------------------------------


def test_tenure_wide_with_code_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "lon,lat,ARA,omistus\n24.94,60.17,10,5\n24.95,60.17,0,3\n")
    t = read_tenure(
        path, categories=HELSINKI_TENURE, codes={"ARA": "ara_rental", "omistus": "owner"}
    )
    assert t["tenure_ara_rental"].tolist() == [10, 0]
    assert t["tenure_owner"].tolist() == [5, 3]
    assert t["tenure_other"].tolist() == [0, 0]
    assert t["dwellings"].tolist() == [15, 3]
    assert t["tenure_level"].iloc[0] == "building"


def test_tenure_long_layout_on_polygons(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    square = shapely.box(385000, 6672000, 385250, 6672250)
    gpd.GeoDataFrame(
        {"tenure": ["ara_rental", "owner"], "dwellings": [4, 6]},
        geometry=[square, square],
        crs=3067,
    ).to_file(path)
    t = read_tenure(path, categories=HELSINKI_TENURE)
    assert len(t) == 1
    assert (t["tenure_ara_rental"].iloc[0], t["tenure_owner"].iloc[0]) == (4, 6)
    assert t["tenure_level"].iloc[0] == "area"


def test_tenure_errors(tmp_path: Path) -> None:
    neg = write(tmp_path, "neg.csv", "lon,lat,tenure_owner\n24.94,60.17,-2\n")
    with pytest.raises(InputError, match="row 2, column 'tenure_owner': negative count"):
        read_tenure(neg, categories=HELSINKI_TENURE)
    none = write(tmp_path, "none.csv", "lon,lat,foo\n24.94,60.17,2\n")
    with pytest.raises(InputError, match="no tenure count columns.*tenure_codes"):
        read_tenure(none, categories=HELSINKI_TENURE)
    code = write(tmp_path, "code.csv", "lon,lat,tenure,dwellings\n24.94,60.17,castle,2\n")
    with pytest.raises(InputError, match="row 2, column 'tenure': unknown tenure code 'castle'"):
        read_tenure(code, categories=HELSINKI_TENURE)


# --- areas ---------------------------------------------------------------------------------


def test_user_areas_keep_attributes_and_order(tmp_path: Path) -> None:
    path = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(
        {"nimi": ["B", "A"], "code": [2, 1]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=3067,
    ).to_file(path)
    areas = read_areas(path)
    assert areas["nimi"].tolist() == ["B", "A"] and areas["code"].tolist() == [2, 1]
    assert areas["name"].tolist() == ["B", "A"]
    assert areas["area_id"].tolist() == [0, 1]


def test_areas_must_be_polygons(tmp_path: Path) -> None:
    path = tmp_path / "pts.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=3067).to_file(path)
    with pytest.raises(
        InputError, match="pts.geojson, row 1: feature 1 is a Point, expected polygons"
    ):
        read_areas(path)


def test_grid_is_aligned_and_labelled() -> None:
    places = gpd.GeoDataFrame(
        {"name": ["West", "East"]},
        geometry=[shapely.Point(100, 100), shapely.Point(900, 100)],
        crs=3067,
    )
    grid = grid_areas((130.0, 10.0, 880.0, 240.0), places.crs, size_m=250, places=places)
    x0, y0, x1, y1 = grid.total_bounds
    assert (x0, y0, x1, y1) == (0.0, 0.0, 1000.0, 250.0)
    assert grid["grid_id"].tolist() == ["0_0", "250_0", "500_0", "750_0"]
    # centres x = 125, 375, 625, 875: nearest West (100), West, East (900), East; the names
    # number the cells within their place
    assert grid["place"].tolist() == ["West", "West", "East", "East"]
    assert grid["name"].tolist() == ["West 1", "West 2", "East 1", "East 2"]
    assert np.allclose(grid.area, 62_500)
