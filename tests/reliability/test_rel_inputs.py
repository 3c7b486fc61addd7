"""The input loaders on ordinary-real and hostile files (issue 15).

The user's columns are theirs (one rule, every loader); a GeoPackage attribute table is
refused; times keep their real precision and stay within 1900-2100; infinite and huge
numbers and far-away lamps are refused or left out and counted; separators are detected or
explained; GML leaves no .gfs beside the input; a hole outside its polygon and a NUL in a
text are refused. The corpus cases of tests/data/real/inputs.toml go through the loaders
here too (the CLI and app runs are tests/reliability/test_rel_real_corpus.py's).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.incidents.counts import count_by_unit, count_groups
from safespaces.incidents.windows import assign_windows, darkness_for
from safespaces.pipeline import run_metadata
from safespaces.sections import HELSINKI_TENURE
from safespaces.sources.areas import read_areas
from safespaces.sources.columns import ColumnRule, own_columns, renamed_columns
from safespaces.sources.incidents import read_incidents, read_times
from safespaces.sources.lamps import read_lamp_register
from safespaces.sources.tabular import detect_separator, read_csv
from safespaces.sources.tenure import read_tenure
from safespaces.study import Inputs, load_study

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
TZ = "Europe/Helsinki"
#: The embedded Helsinki default's box (lon/lat).
BOX = (24.9352, 60.1642, 24.9534, 60.1791)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def squares(n: int = 3) -> list[shapely.Polygon]:
    return [shapely.box(24.936 + 0.004 * i, 60.165, 24.939 + 0.004 * i, 60.168) for i in range(n)]


def written_back(tmp_path: Path, gdf: gpd.GeoDataFrame) -> list[str]:
    """Columns after a GeoPackage round trip (a clash fails here, as in the run)."""
    out = tmp_path / "back.gpkg"
    gdf.to_file(out, layer="x", engine="pyogrio")
    return [str(c) for c in pyogrio.read_info(out, layer="x")["fields"]]


# --- the rule itself ------------------------------------------------------------------------


def test_own_columns_keeps_theirs_apart_in_any_case_spelling() -> None:
    frame = pd.DataFrame(
        {
            "lamp_id": ["A", "B"],
            "SOURCE": ["x", "y"],
            "Height_M": [5, 6],
            "name": ["a", "b"],
            "NAME": ["A", "B"],
            "user_NAME": ["u", "v"],
            "fid": [1, 2],
            "Geometry": ["p", "q"],
            "mix_score": [1, 2],
        }
    )
    rule = ColumnRule(
        ours=("source",),
        shared=("height_m", "name"),
        prefixes=("mix_",),
        id_column="lamp_id",
        id_target="lamp_ref",
    )
    out = own_columns(frame, rule)
    assert list(out.columns) == [
        "lamp_ref",
        "user_SOURCE",
        "height_m",
        "name",
        "user_NAME_2",  # user_NAME is the file's own
        "user_NAME",
        "user_fid",
        "user_Geometry",
        "user_mix_score",
    ]
    assert renamed_columns(out) == {
        "lamp_id": "lamp_ref",
        "SOURCE": "user_SOURCE",
        "Height_M": "height_m",
        "NAME": "user_NAME_2",
        "fid": "user_fid",
        "Geometry": "user_Geometry",
        "mix_score": "user_mix_score",
    }
    assert out["lamp_ref"].dtype == "string"
    assert len({c.casefold() for c in out.columns}) == len(out.columns)
    # the values are untouched
    assert out["user_NAME_2"].tolist() == ["A", "B"] and out["user_NAME"].tolist() == ["u", "v"]


@pytest.mark.parametrize("ids", [["A", "A"], ["A", None], ["A", " "]])
def test_an_id_that_is_not_unique_or_complete_is_kept_under_a_prefix(ids: list[Any]) -> None:
    rule = ColumnRule(id_column="lamp_id", id_target="lamp_ref")
    frame = pd.DataFrame({"Lamp_ID": ids})
    out = own_columns(frame, rule)
    assert list(out.columns) == ["user_Lamp_ID"]
    assert out["user_Lamp_ID"].equals(frame["Lamp_ID"])  # values untouched


def test_nothing_to_rename_returns_the_frame_itself() -> None:
    frame = pd.DataFrame({"a": [1], "b": [2]})
    assert own_columns(frame, ColumnRule(ours=("c",))) is frame
    assert renamed_columns(frame) == {}


# --- every loader applies it -------------------------------------------------------------


def test_lamp_register_with_its_own_id_source_and_names(tmp_path: Path) -> None:
    lamps = read_lamp_register(REAL / "lamps_own_lamp_id.csv", expected_lonlat=BOX)
    assert lamps.columns[:3].tolist() == ["lamp_id", "lamp_ref", "source"]
    assert lamps["lamp_id"].tolist() == list(range(8))
    assert lamps["lamp_ref"].iloc[0] == "HKI-001001"
    assert lamps["source"].eq("register").all()
    assert lamps["user_source"].eq("Helen survey 2019").all()
    assert lamps["name"].iloc[0] == "Mannerheimintie" and lamps["user_NAME"].iloc[0] == "SEINÄ"
    assert renamed_columns(lamps) == {
        "lamp_id": "lamp_ref",
        "source": "user_source",
        "NAME": "user_NAME",
    }
    written_back(tmp_path, lamps)


def test_lamp_ids_stay_unique_in_the_mixed_osm_and_register_layer(tmp_path: Path) -> None:
    study = load_study(Inputs(lamps=REAL / "lamps_own_lamp_id.csv"), Config())
    lamps = study.osm.lamps
    assert lamps["lamp_id"].is_unique and lamps["lamp_id"].tolist() == list(range(len(lamps)))
    register = lamps[lamps["source"] == "register"]
    assert len(register) == 8 and register["lamp_ref"].str.startswith("HKI-").all()
    assert lamps.loc[lamps["source"] == "osm", "lamp_ref"].isna().all()
    assert study.notes["lamps"]["renamed_columns"]["lamp_id"] == "lamp_ref"
    meta = run_metadata(study, {}, {})
    assert meta["input_notes"]["lamps"]["renamed_columns"]["NAME"] == "user_NAME"
    names = written_back(tmp_path, lamps)
    assert {"lamp_id", "lamp_ref", "user_source", "name", "user_NAME"} <= set(names)


def test_incidents_from_a_us_portal_keep_their_incident_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "portal.csv",
        "incident_id,occurred_at,offense,Category,hour_known,latitude,longitude\n"
        "900001,2025-03-30T23:15:00,THEFT,x,yes,60.1699,24.9412\n"
        "900002,2025-03-31T01:15:00,ASSAULT,y,no,60.1688,24.9436\n",
    )
    pts = read_incidents(path).points
    assert pts["incident_id"].tolist() == [0, 1]
    assert pts["incident_ref"].tolist() == ["900001", "900002"]
    assert pts["category"].tolist() == ["x", "y"]  # 'category' wins over 'offense' ...
    assert pts["offense"].tolist() == ["THEFT", "ASSAULT"]  # ... which stays the user's
    assert pts["user_hour_known"].tolist() == ["yes", "no"]
    assert pts["hour_known"].all()
    assert renamed_columns(pts) == {"incident_id": "incident_ref", "hour_known": "user_hour_known"}


def test_police_uk_layout_is_read_with_month_and_crime_type() -> None:
    pts = read_incidents(REAL / "incidents_police_uk_month.csv", drop_invalid=True).points
    assert len(pts) == 24
    assert set(pts["time_precision"]) == {"month"} and not pts["hour_known"].any()
    assert "Anti-social behaviour" in set(pts["category"])
    assert pts["Crime ID"].isna().sum() == 6  # anti-social behaviour has no crime id
    assert pts["time"].dt.day.eq(1).all() and pts["time"].dt.hour.eq(0).all()


def test_tenure_columns_of_the_file_stay_theirs(tmp_path: Path) -> None:
    gdf = read_tenure(REAL / "tenure_own_dwellings_column.csv", categories=HELSINKI_TENURE)
    assert gdf["user_Dwellings"].tolist()[:2] == ["30", "33"]  # the file's own total
    expected = gdf[[f"tenure_{c}" for c in HELSINKI_TENURE]].sum(axis=1)
    assert gdf["dwellings"].tolist() == expected.tolist()
    assert renamed_columns(gdf) == {"Dwellings": "user_Dwellings"}


def test_census_block_groups_name_becomes_the_area_name(tmp_path: Path) -> None:
    areas = read_areas(REAL / "areas_census_block_groups.gpkg")
    assert areas["name"].iloc[0].startswith("Block Group 1; Census Tract 1101")
    assert "NAME" not in areas and "GEOID" in areas
    assert renamed_columns(areas) == {
        "NAME": "name",
        "Mix_Entropy": "user_Mix_Entropy",
        "Residents_Est": "user_Residents_Est",
    }
    assert areas["area_id"].tolist() == [0, 1, 2, 3]
    written_back(tmp_path, areas.assign(mix_entropy=0.5, residents_est=1.0))


def test_geojson_areas_with_fid_geom_and_two_names(tmp_path: Path) -> None:
    areas = read_areas(REAL / "areas_fid_geom_fields.geojson")
    assert areas["area_id"].tolist() == ["K1", "K2", "K3", "K4"]  # their unique AREA_ID
    assert areas["name"].tolist()[0] == "Kortteli 1" and areas["user_Name"].iloc[0] == "Block 1"
    assert areas["user_fid"].tolist() == [10, 11, 12, 13]
    assert areas["user_geom"].eq("polygon").all()
    names = written_back(tmp_path, areas.assign(incidents_count=1))
    assert {"user_fid", "user_geom", "user_incidents_count", "incidents_count"} <= set(names)


def test_duplicate_area_id_in_another_spelling_is_still_refused(tmp_path: Path) -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"Area_ID": 7},
                "geometry": shapely.geometry.mapping(g),
            }
            for g in squares(2)
        ],
    }
    path = write(tmp_path, "dup.geojson", json.dumps(fc))
    with pytest.raises(InputError, match="row 2, column 'Area_ID': duplicate area_id '7'"):
        read_areas(path)


# --- attribute tables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "name"),
    [
        (lambda p: read_areas(p), "areas_attribute_table.gpkg"),
        (lambda p: read_lamp_register(p), "lamps_attribute_table.gpkg"),
        (lambda p: read_incidents(p), "lamps_attribute_table.gpkg"),
        (lambda p: read_tenure(p, categories=HELSINKI_TENURE), "areas_attribute_table.gpkg"),
    ],
)
def test_a_geopackage_attribute_table_is_refused_by_name(
    reader: Callable[[Path], object], name: str
) -> None:
    with pytest.raises(InputError, match=r"is a table without geometry.*Fix: give a layer with"):
        reader(REAL / name)


# --- times --------------------------------------------------------------------------------


def test_time_precision_and_range() -> None:
    texts = [
        "2025-03",
        "2025",
        "20250330",
        "2025-03-30",
        "2025/3/30",
        "2025-03-30T23",
        "2025-03-30T23:15",
        "2025-03-30 23:15:07.5+02:00",
        "1650-05-01T12:00",
        "1899-12-31",
        "2150-01-01",
        "2100-12-31T23:59",
        "30.3.2025",
        None,
    ]
    parsed = read_times(pd.Series(texts), TZ)
    assert parsed.precision.tolist() == [
        "month",
        "year",
        "day",
        "day",
        "day",
        "hour",
        "minute",
        "second",
        None,
        None,
        None,
        "minute",
        None,
        None,
    ]
    assert parsed.out_of_range.tolist() == [False] * 8 + [True, True, True] + [False] * 3
    assert (
        parsed.hour_known.tolist() == [False] * 5 + [True] * 3 + [False] * 3 + [True] + [False] * 2
    )
    local = parsed.times.dt.tz_convert(TZ)
    assert str(local.iloc[0]) == "2025-03-01 00:00:00+02:00"
    assert str(local.iloc[7]) == "2025-03-31 00:15:07.500000+03:00"


def test_years_outside_1900_2100_are_dropped_and_counted() -> None:
    load = read_incidents(REAL / "incidents_years_1650_1899_2150.csv", drop_invalid=True)
    assert len(load.points) == 15
    assert load.dropped["time_out_of_range"] == 3 and load.dropped["bad_time"] == 0
    with pytest.raises(InputError, match=r"row 2, column 'time': the year of '1650-05-01T12:00'"):
        read_incidents(REAL / "incidents_years_1650_1899_2150.csv")
    with pytest.raises(InputError, match="times must fall in 1900-2100"):
        read_incidents(REAL / "incidents_all_years_out_of_range.csv", drop_invalid=True)


def test_coarse_times_never_fall_in_a_light_window_but_count_where_they_can() -> None:
    texts = [
        "2025-03-05T12:00",  # Wednesday noon: day
        "2025-03-05T23:30",  # Wednesday, dark before midnight: evening
        "2025-03",  # month only: no light window, no week part, month 03
        "2025",  # year only: month unknown too
        "2025-03-08",  # Saturday, hour unknown
        "2025-03-05T12",  # noon, known to the hour: whole hour in daylight
        "2025-03-05T18",  # dusk (about 18:20) falls inside the hour: unknown
    ]
    parsed = read_times(pd.Series(texts), TZ)
    points = pd.DataFrame(
        {"time": parsed.times, "hour_known": parsed.hour_known, "time_precision": parsed.precision}
    )
    windows = assign_windows(points, darkness_for(points["time"], 60.17, 24.94, TZ), timezone=TZ)
    assert windows["window_light"].tolist() == [
        "day",
        "evening",
        "unknown",
        "unknown",
        "unknown",
        "day",
        "unknown",
    ]
    assert windows["window_week"].tolist() == [
        "weekday",
        "weekday",
        "week_unknown",
        "week_unknown",
        "weekend",
        "weekday",
        "weekday",
    ]
    assert windows["window_month"].tolist() == ["03", "03", "03", "unknown", "03", "03", "03"]
    # every incident counts in the total and in each breakdown, which sums to it
    counts = count_by_unit(
        pd.Series([1] * 7), windows, pd.Series(["theft"] * 7), pd.Index([1]), ["theft"]
    )
    assert counts["incidents_count"].iloc[0] == 7
    for columns in count_groups(["theft"]).values():
        assert counts[columns].sum(axis=1).iloc[0] == 7, columns
    assert counts["incidents_hour_unknown"].iloc[0] == 4
    assert counts["incidents_week_unknown"].iloc[0] == 2
    assert counts["incidents_month_unknown"].iloc[0] == 1


def test_many_distinct_times_parse() -> None:
    base = pd.Timestamp("2020-01-01")
    texts = pd.Series((base + pd.to_timedelta(np.arange(200_000) * 60, unit="s")).astype(str))
    parsed = read_times(texts, TZ)
    assert parsed.ok.all() and (parsed.precision == "second").all()


# --- numbers and coordinates -----------------------------------------------------------------


def test_osm_building_ids_written_as_floats_or_way_ids(tmp_path: Path) -> None:
    gdf = read_tenure(REAL / "tenure_float_building_ids.csv", categories=HELSINKI_TENURE)
    assert gdf["osm_building_id"].dtype == "Int64"
    assert gdf["osm_building_id"].iloc[0] == 4253124
    path = write(
        tmp_path,
        "t.csv",
        "osm_building_id,lon,lat,tenure_owner\nway/4253124,24.9511,60.1699,3\n,24.94,60.17,2\n",
    )
    ids = read_tenure(path, categories=HELSINKI_TENURE)["osm_building_id"]
    assert ids.iloc[0] == 4253124 and pd.isna(ids.iloc[1])
    bad = write(
        tmp_path, "b.csv", "osm_building_id,lon,lat,tenure_owner\n4253124.5,24.95,60.17,3\n"
    )
    with pytest.raises(InputError, match="row 2, column 'osm_building_id': '4253124.5' is not"):
        read_tenure(bad, categories=HELSINKI_TENURE)


def test_a_float_building_id_reaches_the_residents_of_its_building() -> None:
    from safespaces.stages import residents_from_tenure

    study = load_study(Inputs(tenure=REAL / "tenure_float_building_ids.csv"), Config())
    residents = residents_from_tenure(study)
    building = study.osm.buildings["osm_id"] == 4253124
    assert building.sum() == 1
    assert residents[building].iloc[0] != study.osm.buildings.loc[building, "residents_est"].iloc[0]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("tenure_dwellings_1e308.csv", "row 5, column 'tenure_ara_rental': 1e+308 dwellings"),
        ("tenure_dwellings_inf.csv", "row 4, column 'tenure_owner': infinite value 'inf'"),
    ],
)
def test_huge_and_infinite_counts_are_refused_by_row(name: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        read_tenure(REAL / name, categories=HELSINKI_TENURE)


def test_infinite_lamp_values_are_refused_by_row(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="row 6, column 'height_m': infinite value 'inf'"):
        read_lamp_register(REAL / "lamps_height_inf.csv")
    with pytest.raises(InputError, match="row 4, column 'lon': infinite value 'Infinity'"):
        read_lamp_register(REAL / "lamps_lon_infinity.csv")
    path = tmp_path / "lamps.gpkg"
    gpd.GeoDataFrame(
        {"height_m": [6.0, np.inf]},
        geometry=[shapely.Point(24.94, 60.17), shapely.Point(24.945, 60.17)],
        crs=4326,
    ).to_file(path, engine="pyogrio")
    with pytest.raises(InputError, match="row 2, column 'height_m': infinite value"):
        read_lamp_register(path)


def test_a_lamp_far_outside_the_study_is_left_out_and_counted(tmp_path: Path) -> None:
    lamps = read_lamp_register(REAL / "lamps_null_island.csv", expected_lonlat=BOX)
    assert len(lamps) == 8 and lamps.geometry.x.min() > 24
    assert lamps.attrs["outside_study_area"] == {"count": 1, "first_row": 10, "margin_m": 1000.0}
    # projected x/y far away: also left out (compared in lon/lat)
    path = write(tmp_path, "xy.csv", "x,y\n385800,6672000\n0,0\n")
    lamps = read_lamp_register(path, crs="EPSG:3067", expected_lonlat=BOX)
    assert len(lamps) == 1 and lamps.attrs["outside_study_area"]["first_row"] == 3
    with pytest.raises(InputError, match="no lamp lies within 1 km of the study area"):
        read_lamp_register(REAL / "lamps_all_far_away.csv", expected_lonlat=BOX)
    # without a study area nothing is left out
    assert len(read_lamp_register(REAL / "lamps_null_island.csv")) == 9


def test_a_far_lamp_does_not_widen_the_register_coverage() -> None:
    study = load_study(Inputs(lamps=REAL / "lamps_null_island.csv"), Config())
    assert study.notes["lamps"]["outside_study_area"]["count"] == 1
    x0, y0, x1, y1 = study.osm.lamps.total_bounds
    assert x1 - x0 < 5000 and y1 - y0 < 5000  # metres: no lamp at 0,0 is kept


# --- separators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("lon;lat;note, text\n24.9;60.1;a\n24.9;60.1;b\n", ";"),
        ("lon;lat\n24,9;60,1\n", ";"),
        ("lon,lat,note\n24.9,60.1,a;b\n", ","),
        ("lon\tlat\tname, x\n24.9\t60.1\ta\n", "\t"),
        ('lon;lat;"a;b"\n24.9;60.1;"x;y"\n', ";"),
        ("only\n1\n", ","),
    ],
)
def test_separator_detection(text: str, sep: str) -> None:
    assert detect_separator(text) == sep


def test_semicolon_file_with_commas_in_its_header_loads(tmp_path: Path) -> None:
    lamps = read_lamp_register(REAL / "lamps_semicolon_comma_header.csv")
    assert "type, colour" in lamps and lamps["height_m"].tolist()[:3] == [6.0, 7.0, 8.0]


def test_ambiguous_separator_gets_a_hint_naming_the_file() -> None:
    with pytest.raises(InputError) as info:
        read_incidents(REAL / "incidents_semicolon_ragged.csv")
    text = str(info.value)
    assert text.startswith("incidents_semicolon_ragged.csv: no coordinate columns")
    assert "split at ',' (comma) but also holds ';' (semicolon)" in text


# --- GML: no sidecar ------------------------------------------------------------------------


def test_gml_leaves_no_gfs_beside_the_input(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "districts.gml"
    shutil.copy(REAL / "areas_districts.gml", path)
    areas = read_areas(path)
    assert len(areas) == 4 and areas["name"].tolist() == ["a", "b", "c", "d"]
    assert [p.name for p in folder.iterdir()] == ["districts.gml"]
    # read-only folder: reads the same, writes nothing
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert len(read_areas(path)) == 4
        assert [p.name for p in folder.iterdir()] == ["districts.gml"]
    finally:
        folder.chmod(stat.S_IRWXU)


# --- polygons -------------------------------------------------------------------------------


def _rings(coords: list[list[tuple[float, float]]]) -> dict[str, Any]:
    """A GeoJSON polygon of the rings, each closed."""
    return {
        "type": "Polygon",
        "coordinates": [[list(p) for p in [*ring, ring[0]]] for ring in coords],
    }


def test_a_hole_larger_than_its_shell_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"row 2: a hole lies outside its polygon's outer ring"):
        read_areas(REAL / "areas_hole_larger_than_shell.geojson")
    with pytest.raises(InputError, match=r"row 4: a hole lies outside"):
        read_tenure(REAL / "tenure_hole_larger_than_shell.geojson", categories=HELSINKI_TENURE)
    # a hole beside its polygon (a multipolygon written as one polygon) too
    shell = [(24.936, 60.165), (24.940, 60.165), (24.940, 60.168), (24.936, 60.168)]
    beside = [(24.942, 60.165), (24.946, 60.165), (24.946, 60.168), (24.942, 60.168)]
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": _rings([shell, beside])}],
    }
    with pytest.raises(InputError, match="a hole lies outside"):
        read_areas(write(tmp_path, "beside.geojson", json.dumps(fc)))


def test_repairs_that_only_remove_area_are_still_made(tmp_path: Path) -> None:
    shell = [(24.936, 60.165), (24.940, 60.165), (24.940, 60.168), (24.936, 60.168)]
    crossing = [(24.938, 60.166), (24.942, 60.166), (24.942, 60.167), (24.938, 60.167)]
    bowtie = [(24.936, 60.165), (24.940, 60.168), (24.940, 60.165), (24.936, 60.168)]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": _rings([shell, crossing])},
            {"type": "Feature", "properties": {}, "geometry": _rings([bowtie])},
        ],
    }
    areas = read_areas(write(tmp_path, "ok.geojson", json.dumps(fc)))
    assert areas.attrs["repaired_geometries"] == 2
    assert areas.geometry.is_valid.all()
    outline = shapely.Polygon(shell).area
    assert 0 < areas.geometry.iloc[0].area < outline


def test_nul_in_text_is_refused_with_row_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"row 3, column 'name': the text contains a NUL"):
        read_areas(REAL / "areas_nul_in_name.geojson")
    with pytest.raises(InputError, match=r"row 2, column 'name': the text contains a NUL"):
        read_areas(REAL / "areas_nul_in_name.gpkg")
    with pytest.raises(InputError, match=r"row 7, column 'name': the text contains a NUL"):
        read_lamp_register(REAL / "lamps_nul_in_name.csv")
    # an escaped backslash followed by u0000 is ordinary text, not a NUL
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "C:\\u0000 folder"},
                "geometry": shapely.geometry.mapping(squares(1)[0]),
            }
        ],
    }
    path = write(tmp_path, "escaped.geojson", json.dumps(fc))
    assert b"\\\\u0000" in path.read_bytes()
    assert read_areas(path)["name"].iloc[0] == "C:\\u0000 folder"


def test_a_csv_with_a_few_nul_bytes_is_not_called_binary(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", b"lon,lat,name\n24.94,60.17,a\x00b\n")
    with pytest.raises(InputError, match="row 2, column 'name': the text contains a NUL"):
        read_csv(path)


def test_nul_check_reads_the_geopackage_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    shutil.copy(REAL / "areas_nul_in_name.gpkg", path)
    before = path.read_bytes()
    with pytest.raises(InputError):
        read_areas(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gpkg"]
    with sqlite3.connect(path) as con:  # the file is still a valid database
        assert con.execute("select count(*) from districts").fetchone() == (4,)


# --- the corpus cases, through the loaders ------------------------------------------------


LOADERS: dict[str, Callable[[Path], object]] = {
    "--lamps": lambda p: read_lamp_register(p, expected_lonlat=BOX),
    "--incidents": lambda p: read_incidents(p, drop_invalid=True, expected_lonlat=BOX),
    "--tenure": lambda p: read_tenure(p, categories=HELSINKI_TENURE, expected_lonlat=BOX),
    "--areas": lambda p: read_areas(p),
}


def corpus_cases() -> list[dict[str, Any]]:
    return list(tomllib.loads((REAL / "inputs.toml").read_text("utf-8"))["case"])


def test_corpus_manifest_covers_its_files_and_is_well_formed() -> None:
    cases = corpus_cases()
    assert len(cases) >= 20
    ids = [c["id"] for c in cases]
    assert len(set(ids)) == len(ids)
    for case in cases:
        assert case["exit"] in (0, 2) and (REAL / case["file"]).stat().st_size < 200_000
        assert case["exit"] == 0 or case.get("stderr"), case["id"]


@pytest.mark.parametrize("case", corpus_cases(), ids=lambda c: c["id"])
def test_corpus_case_through_its_loader(case: dict[str, Any]) -> None:
    loader = LOADERS[case["args"][0]]
    path = REAL / case["file"]
    if case["exit"] == 2:
        with pytest.raises(InputError) as info:
            loader(path)
        assert str(info.value).startswith(path.name), info.value
        assert case["stderr"] in str(info.value)
        assert "Fix:" in str(info.value)
    else:
        loader(path)
