"""Levels of detail of the map's document (issue 20: a whole city in the app).

A run with more than ``maptiles.TILE_THRESHOLD`` street segments is sent as an overview plus
Web Mercator tiles. The embedded default (5,074 segments) is one document; with the
threshold lowered it is tiled, which is how these tests check the tiling by hand-checkable
rules: every feature in exactly one tile, each tile's bbox holding its features, the tile
numbers those of OpenStreetMap's slippy-map formula, the overview holding the main streets.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString

from safespaces.config import Config
from safespaces.eyes import HOUR_COLUMNS
from safespaces.study import Inputs
from safespaces_app import mapdata, maptiles, mapwidget, runs
from safespaces_app.results import Analysis


@pytest.fixture(scope="module")
def data() -> Analysis:
    config = Config()
    return runs.analysis(Inputs(), config.to_json(), config)


@pytest.fixture
def tiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tile from 1,000 segments, on zoom-16 tiles (a few dozen over the default)."""
    monkeypatch.setattr(maptiles, "TILE_THRESHOLD", 1000)
    monkeypatch.setattr(maptiles, "TILE_ZOOM", 16)


def osm_tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The OpenStreetMap wiki's formula (Slippy map tilenames), written out by hand."""
    n = 2**zoom
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2.0 * n)
    return x, y


def test_tile_numbers_are_the_slippy_map_grid() -> None:
    # central Helsinki at zoom 15: x = floor(204.9384 / 360 * 32768) = floor(18653.95),
    # y = floor((1 - asinh(tan(60.1699 deg)) / pi) / 2 * 32768) = floor(9484.81)
    x, y = maptiles.tile_xy(np.array([24.9384]), np.array([60.1699]), 15)
    assert (int(x[0]), int(y[0])) == (18653, 9484) == osm_tile(24.9384, 60.1699, 15)
    lon = np.array([-179.99, -0.001, 0.001, 24.95, 139.69, 179.99])
    lat = np.array([-60.0, -33.9, 51.5, 60.17, 35.68, 85.0])
    for zoom in (1, 14, 16):
        xs, ys = maptiles.tile_xy(lon, lat, zoom)
        got = list(zip(xs.tolist(), ys.tolist(), strict=True))
        assert got == [osm_tile(a, b, zoom) for a, b in zip(lon, lat, strict=True)]


def test_the_default_is_one_document(data: Analysis, tmp_path: Path) -> None:
    assert len(data.layers["street_segments"]) <= maptiles.TILE_THRESHOLD
    assert not maptiles.is_tiled(data.layers)
    root, name = maptiles.write_client(tmp_path, data.layers)
    assert sorted(p.name for p in root.glob("*.json")) == [name]
    assert "tiles" not in json.loads((root / name).read_text("utf-8"))


def _decoded(parts: list[list[int]]) -> np.ndarray:
    return np.vstack([mapdata.decode_part(p) for p in parts]) if parts else np.zeros((0, 2))


def _inside(xy: np.ndarray, bbox: list[float]) -> bool:
    west, south, east, north = bbox
    return bool(
        ((xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south) & (xy[:, 1] <= north)).all()
    )


def test_every_feature_is_in_exactly_one_tile_inside_its_bbox(data: Analysis, tiled: None) -> None:
    assert maptiles.is_tiled(data.layers)
    overview, tiles = maptiles.build_tiled(data.layers)
    index = overview["tiles"]["index"]
    assert overview["tiles"]["zoom"] == 16 and overview["tiles"]["min_zoom"] == maptiles.LOAD_ZOOM
    assert [e["key"] for e in index] == list(tiles) and len(tiles) > 10
    segments = data.layers["street_segments"]
    ids = [i for tile in tiles.values() for i in tile["segments"]["ids"]]
    assert len(ids) == len(set(ids)) == len(segments)  # each segment once
    assert set(ids) == set(segments["segment_id"].tolist())
    dark = [i for tile in tiles.values() for i in tile.get("dark", {}).get("ids", [])]
    assert sorted(dark) == sorted(data.layers["dark_paths"]["dark_rank"].tolist())
    buildings = sum(len(tile["basemap"].get("buildings", [])) for tile in tiles.values())
    assert buildings == len(data.layers["buildings"])
    assert sum(e["segments"] for e in index) == overview["tiles"]["segments"] == len(segments)
    by_id = segments.set_index("segment_id")
    for entry in index:
        tile = tiles[entry["key"]]
        seg = tile["segments"]
        assert entry["segments"] == len(seg["ids"]) and entry["dark"] == len(
            tile.get("dark", {}).get("ids", [])
        )
        # every vertex of the tile's features and every label lies in the index's bbox
        for geom in seg["geom"] + tile.get("dark", {}).get("geom", []):
            assert _inside(_decoded(geom), entry["bbox"]), entry["key"]
        for poly in tile["basemap"].get("buildings", []):
            assert _inside(_decoded([ring for rings in poly for ring in rings]), entry["bbox"])
        labels = np.array([[x, y] for x, y, *_ in tile["basemap"]["labels"]]).reshape(-1, 2)
        assert _inside(labels, entry["bbox"])
        # a segment's tile is the one of the centre of its bounds (the slippy-map formula)
        z, tx, ty = (int(v) for v in entry["key"].split("/"))
        for geom in seg["geom"][:5]:
            xy = _decoded(geom)
            centre = (xy.min(axis=0) + xy.max(axis=0)) / 2
            assert osm_tile(centre[0], centre[1], z) == (tx, ty)
        # the values are the library's (integers of 0.1), names from the tile's own list
        rows = by_id.loc[seg["ids"]]
        for hour in (0, 22):
            want = rows[HOUR_COLUMNS[hour]].to_numpy(dtype=float)
            got = np.array([np.nan if v is None else v / 10 for v in seg["eyes"][hour]])
            np.testing.assert_allclose(got, want, atol=0.05 + 1e-9)
        names = [None if r is None else tile["names"][r] for r in seg["name"]]
        assert names == [None if not isinstance(v, str) else v for v in rows["name"]]


def test_the_overview_holds_the_main_streets_and_the_darkest_paths(
    data: Analysis, tiled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments = data.layers["street_segments"]
    main = segments[segments["highway"].isin(maptiles.MAIN_HIGHWAYS)]
    assert 100 < len(main) < len(segments) / 4  # primary, secondary, tertiary and links
    overview, _ = maptiles.build_tiled(data.layers)
    assert overview["segments"]["ids"] == main["segment_id"].tolist()
    assert len(overview["areas"]["ids"]) == len(data.layers["areas"])  # every area, with values
    assert len(overview["segments"]["eyes"]) == 24 and "scores" in overview["segments"]
    assert "buildings" not in overview["basemap"] and overview["basemap"]["green"]
    # capped: whole streets (connected runs of one name), primary ones first, longest first;
    # the darkest paths
    monkeypatch.setattr(maptiles, "OVERVIEW_SEGMENTS", 100)
    monkeypatch.setattr(maptiles, "OVERVIEW_DARK", 20)
    overview, _ = maptiles.build_tiled(data.layers)
    shown = main[main["segment_id"].isin(overview["segments"]["ids"])]
    assert 50 < len(shown) == len(overview["segments"]["ids"]) <= 100
    assert set(shown["highway"].str.removesuffix("_link")) == {"primary"}
    runs = pd.Series(maptiles.street_runs(main), index=main.index)
    for run in runs[shown.index].unique():  # never a street in pieces
        assert set(runs.index[runs == run]) <= set(shown.index)
    # Mannerheimintie (the longest primary street of the extract) is in
    assert "Mannerheimintie" in set(shown["name"])
    assert overview["dark"]["ids"] == list(range(1, 21))


def test_a_street_is_a_connected_run_of_one_name() -> None:
    """Segments a-b-c of "A" joined at nodes 1 and 2 are one street; "A" again far away
    (nodes 8-9) is another; "B" at node 2 is its own; unnamed segments go by their way."""
    lines = [LineString([(0, 0), (1, 0)])] * 7
    frame = gpd.GeoDataFrame(
        {
            "segment_id": range(7),
            "name": ["A", "A", "A", "A", "B", None, None],
            "u": [0, 1, 2, 8, 2, 5, 6],
            "v": [1, 2, 3, 9, 7, 6, 7],
            "osm_way_id": [1, 1, 2, 3, 4, 10, 10],
        },
        geometry=lines,
    )
    runs = maptiles.street_runs(frame)
    assert runs[0] == runs[1] == runs[2]
    assert len({runs[0], runs[3], runs[4], runs[5]}) == 4
    assert runs[5] == runs[6]  # one unnamed way


def test_the_search_file_holds_every_named_street_with_its_place() -> None:
    """In EPSG:3067 (metres): street "A" of two segments (10 m and 30 m, joined at node 1)
    and "A" again far east (its own street), "B"; the unnamed segment is not searchable.
    Bboxes are the segments' bounds transformed to lon/lat; the id is the longest segment;
    the district is the area holding that segment's middle."""
    from pyproj import Transformer
    from shapely.geometry import box

    frame = gpd.GeoDataFrame(
        {
            "segment_id": [11, 12, 13, 14, 15],
            "name": ["A", "A", "A", "B", None],
            "u": [0, 1, 8, 2, 5],
            "v": [1, 2, 9, 7, 6],
            "osm_way_id": [1, 1, 2, 3, 4],
        },
        geometry=[
            LineString([(385000, 6672000), (385010, 6672000)]),
            LineString([(385010, 6672000), (385040, 6672000)]),
            LineString([(395000, 6672000), (395020, 6672000)]),
            LineString([(385040, 6672000), (385040, 6672050)]),
            LineString([(385000, 6672100), (385100, 6672100)]),
        ],
        crs="EPSG:3067",
    )
    areas = gpd.GeoDataFrame(
        {"area_id": [1, 2], "name": ["West", "East"]},
        geometry=[box(384000, 6671000, 386000, 6673000), box(394000, 6671000, 396000, 6673000)],
        crs="EPSG:3067",
    )
    found = maptiles.street_search({"street_segments": frame, "areas": areas})
    names = found["names"]
    rows = [
        (names[n], names[d], i, k, b)
        for n, d, i, k, b in zip(
            found["name"], found["district"], found["id"], found["n"], found["bbox"], strict=True
        )
    ]
    assert [(n, d, i, k) for n, d, i, k, _ in rows] == [
        ("A", "West", 12, 2),
        ("A", "East", 13, 1),
        ("B", "West", 14, 1),
    ]
    to_ll = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    (w, e), (s, n) = to_ll.transform([385000, 385040], [6672000, 6672000])
    west, south, east, north = rows[0][4]
    assert west <= min(w, e) and east >= max(w, e) and south <= min(s, n) and north >= max(s, n)
    assert east - west < 0.001 and north - south < 0.0001  # 40 m east-west at 60 N


def test_write_client_writes_the_tiles_once_and_reuses_them(
    data: Analysis, tiled: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, name = maptiles.write_client(tmp_path, data.layers, key="run-1")
    overview = json.loads((root / name).read_text("utf-8"))
    files = {e["file"] for e in overview["tiles"]["index"]}
    assert files == {p.name for p in root.glob("tile-*.json")}
    search = overview["tiles"]["search"]  # every named street, for the map's search
    assert [p.name for p in root.glob("search-*.json")] == [search["file"]]
    streets = json.loads((root / search["file"]).read_text("utf-8"))
    named = data.layers["street_segments"]["name"].dropna().unique()
    assert {streets["names"][r] for r in streets["name"]} == set(named)
    assert search["streets"] == len(streets["id"]) >= len(named)
    for entry in overview["tiles"]["index"][:3]:
        body = (root / entry["file"]).read_bytes()
        assert len(body) == entry["bytes"]
        assert json.loads(body)["tile"] == entry["key"]
    # the same key: nothing is encoded again (a restart of the server)
    calls: list[Any] = []
    real = maptiles.iter_tiles

    def counted(layers: Any) -> Any:
        calls.append(1)
        return real(layers)

    monkeypatch.setattr(maptiles, "iter_tiles", counted)
    assert maptiles.write_client(tmp_path, data.layers, key="run-1") == (root, name)
    assert calls == []
    # another key (a new run or encoding): written anew; old files of other content removed
    (root / "tile-0000000000000000.json").write_text("{}")
    assert maptiles.write_client(tmp_path, data.layers, key="run-2") == (root, name)
    assert calls == [1]
    assert {p.name for p in root.glob("tile-*.json")} == files


def test_an_opened_folders_map_is_written_to_the_apps_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app never writes into an analyst's folder; its own runs hold their map."""
    opened = tmp_path / "city"
    opened.mkdir()
    (opened / "safespaces.gpkg").write_bytes(b"x" * 10)
    own = tmp_path / "runs" / "default-1"
    own.mkdir(parents=True)
    (own / "safespaces.gpkg").write_bytes(b"y")
    monkeypatch.setattr(mapwidget, "RUNS_DIR", tmp_path / "runs")
    monkeypatch.setattr(mapwidget, "OPENED_MAPS", tmp_path / "cache" / "maps")
    target, key = mapwidget.map_folder(opened)
    assert target.parent == tmp_path / "cache" / "maps" and not target.is_relative_to(opened)
    assert mapwidget.map_folder(own)[0] == own.resolve()
    # a new run in the folder (another GeoPackage) gets another folder and key
    (opened / "safespaces.gpkg").unlink()
    (opened / "safespaces.gpkg").write_bytes(b"z" * 11)
    again, key2 = mapwidget.map_folder(opened)
    assert again != target and key2 != key


def test_the_app_reads_the_columns_its_pages_show(data: Analysis) -> None:
    """An opened whole city is read back without the columns no page shows (most of the
    reading time at 10 x 10); every column the map's panel and documents read is there."""
    from safespaces.eyes.vocabulary import window_column
    from safespaces.io import GPKG_NAME
    from safespaces_app import mapview
    from safespaces_app.results import read_columns

    gpkg = data.folder / GPKG_NAME
    every = list(pyogrio.read_info(gpkg, layer="street_segments")["fields"])
    read = read_columns(gpkg, "street_segments")
    assert read is not None and set(data.layers["street_segments"].columns) == {*read, "geometry"}
    left_out = set(every) - set(read)
    assert {
        "eyes_active_h00",
        "eyes_active_h23",
        "incidents_month_01",
        "incidents_night",
    } <= left_out
    assert all(c.startswith(("eyes_active_h", "incidents_")) for c in left_out)
    shown = {c for c in mapview._SEGMENT_MEASURES if c != "eyes_HOUR"}
    shown |= {*HOUR_COLUMNS, window_column("day"), window_column("night"), "eyes_explain"}
    shown |= {f"score_{f}" for f in ("light", "eyes", "mix", "incidents")}
    shown |= {"incidents_suppressed", "segment_id", "highway", "light_class"}
    assert shown <= set(read)
    assert read_columns(gpkg, "areas") is None  # other tables: every column
