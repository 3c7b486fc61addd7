"""The study extent and hostile OSM files (tests/data/real/osm_*, made by make_osm.py).

A stray node or a planet-wide header must not make the study the size of the planet; JOSM
files (negative ids, any order) and tags over 1,024 bytes must load; files without streets
must say why; the segment, raster and grid counts have caps that refuse before allocating.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS

from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.pipeline import run_metadata
from safespaces.sources.osm import far_outliers, load_osm, study_box, unwrap_lon
from safespaces.study import Inputs, load_study

REAL = Path(__file__).resolve().parent / "data" / "real"


@pytest.fixture(autouse=True)
def _own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Repaired copies go to a test-owned temporary folder, which must end empty."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp))


@pytest.fixture(scope="module")
def clip() -> gpd.GeoDataFrame:
    return load_osm(REAL / "osm_helsinki_clip.osm.pbf").segments


def edges(segments: gpd.GeoDataFrame) -> set[tuple[int, int, int]]:
    return set(zip(segments["osm_way_id"], segments["u"], segments["v"], strict=True))


# --- the dense core ---------------------------------------------------------------------------


def test_far_outliers_flags_a_stray_node_only() -> None:
    rng = np.random.default_rng(1)
    town = np.column_stack([24.94 + rng.random(500) * 0.01, 60.16 + rng.random(500) * 0.01])
    lonlat = np.vstack([town, [[0.0, 0.0]], [[24.95, 60.17]]])
    out = far_outliers(lonlat)
    assert out.tolist() == [False] * 500 + [True, False]


def test_far_outliers_keeps_two_halves_far_apart() -> None:
    # two towns of 300 nodes 2 degrees apart: parts of the data, not strays
    rng = np.random.default_rng(2)
    a = np.column_stack([24.9 + rng.random(300) * 0.01, 60.1 + rng.random(300) * 0.01])
    assert not far_outliers(np.vstack([a, a + 2.0])).any()


def test_far_outliers_keeps_a_town_sized_sprawl() -> None:
    # a 30 km long road of nodes every 100 m has no gap: nothing is stray
    lon = np.linspace(24.0, 24.54, 300)
    assert not far_outliers(np.column_stack([lon, np.full(300, 60.2)])).any()


def test_unwrap_lon_only_across_the_antimeridian() -> None:
    baltimore = np.array([-76.61, -76.55, -76.53])
    assert unwrap_lon(baltimore).tolist() == baltimore.tolist()
    fiji = np.array([179.995, -179.995, 179.999])
    assert unwrap_lon(fiji) == pytest.approx([179.995, 180.005, 179.999])


def test_study_box_header_rules() -> None:
    data = (24.94, 60.16, 24.95, 60.17)
    assert study_box(data, (-180.0, -90.0, 180.0, 90.0)) == (data, "data")
    header = (24.939, 60.159, 24.951, 60.171)  # a normal extract's box, a little larger
    assert study_box(data, header) == (header, "header")
    inner = (24.942, 60.162, 24.948, 60.168)  # complete ways reach beyond the box
    assert study_box(data, inner) == (inner, "header")
    assert study_box(data, (10.0, 50.0, 11.0, 51.0)) == (data, "data")
    assert study_box(data, None) == (data, "data")
    box, source = study_box(data, (24.939, 60.159, 26.0, 60.171))  # one side far away
    assert source == "header and data" and box[2] == 24.95 and box[0] == 24.939


# --- a study far larger than the data ---------------------------------------------------------


def test_stray_node_is_left_out_and_named(clip: gpd.GeoDataFrame) -> None:
    data = load_osm(REAL / "osm_stray_node_0_0.osm.pbf")
    assert edges(data.segments) == edges(clip)
    assert data.segments.total_bounds == pytest.approx(clip.total_bounds)
    assert data.extent["stray_nodes_left_out"] == [6383565308]
    assert data.extent["features_left_out"] == {"lamps": ["node 6383565309"]}
    assert any("node 6383565308 at (0.0000, 0.0000)" in n for n in data.notes)
    x0, y0, x1, y1 = data.bounds
    assert x1 - x0 < 1000 and y1 - y0 < 1000  # the header's 330 m box, not the planet


def test_planet_header_gives_the_data_extent() -> None:
    data = load_osm(REAL / "osm_planet_bounds.osm.pbf")
    assert data.extent["from"] == "data"
    # the data's lon/lat box, projected (its corners move by ~10 m in EPSG:3067)
    assert data.bounds == pytest.approx(tuple(data.segments.total_bounds), abs=25.0)
    assert any("reaches far beyond the data" in n for n in data.notes)


def test_coordinates_on_the_limits_are_stray() -> None:
    data = load_osm(REAL / "osm_on_the_limits.osm.pbf")
    assert data.extent["stray_nodes_left_out"] == [6383565308]
    assert data.crs.to_epsg() == 3067
    assert np.isfinite(data.segments.total_bounds).all()


def test_antimeridian_town_is_one_piece() -> None:
    data = load_osm(REAL / "osm_antimeridian.osm.pbf")
    assert data.crs.to_epsg() in (32760, 32701)
    x0, y0, x1, y1 = data.segments.total_bounds
    assert x1 - x0 < 2000 and y1 - y0 < 2000
    assert data.segments["length_m"].max() < 2000  # no segment around the world
    assert len(data.buildings) >= 40  # buildings across 180 degrees are kept


def test_far_apart_parts_are_refused_with_a_box_per_region() -> None:
    # (before issue 17: refused later by the raster cap, 993,769,518 cells)
    with pytest.raises(InputError, match="2 regions more than 100 km apart") as info:
        load_study(Inputs(osm=REAL / "osm_two_towns_far_apart.osm.pbf"), Config())
    assert "osmium extract -b 24.9" in str(info.value) and "-b 26.9" in str(info.value)
    assert str(info.value).startswith("osm_two_towns_far_apart.osm.pbf: ")


def test_grid_cap_on_a_study_the_raster_allows() -> None:
    config = Config().replace(sources=dataclasses.replace(Config().sources, grid_size_m=100.0))
    with pytest.raises(InputError, match="a default grid of 100 m cells") as info:
        load_study(Inputs(osm=REAL / "osm_two_towns_33km.osm.pbf"), config)
    assert "sources.grid_size_m=250" in str(info.value)


def test_grid_cap_refuses_before_building(monkeypatch: pytest.MonkeyPatch) -> None:
    from safespaces.sources import areas as areas_module

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the grid must not be built")

    monkeypatch.setattr(areas_module.shapely, "box", boom)
    with pytest.raises(InputError, match="405,000 cells|404,998 cells") as info:
        areas_module.grid_areas((385420.0, 6669700.0, 497443.0, 6894816.0), CRS.from_epsg(3067))
    assert "--areas" in str(info.value) and "sources.grid_size_m=750" in str(info.value)


def test_grid_cell_count_matches_the_grid() -> None:
    from safespaces.sources.areas import grid_areas, grid_cell_count

    for bounds in [(0.0, 0.0, 1000.0, 1000.0), (-130.0, 10.0, 880.0, 240.0), (1.0, 1.0, 2.0, 2.0)]:
        grid = grid_areas(bounds, CRS.from_epsg(3067), size_m=250.0)
        assert grid_cell_count(bounds, 250.0) == len(grid)
    with pytest.raises(InputError, match="cannot make a grid"):
        grid_cell_count((0.0, 0.0, float("inf"), 1.0), 250.0)


# --- areas far larger than the study ----------------------------------------------------------


def test_country_sized_areas_are_clipped_and_named() -> None:
    study = load_study(Inputs(areas=REAL / "areas_country_sized.geojson"), Config())
    record = study.extent["areas"]
    assert record["clipped"] == [0] and record["left_out"] == [1]
    assert study.areas["name"].tolist() == ["Suomi (box)", "Keskusta"]
    x0, y0, x1, y1 = study.osm.bounds
    margin = max(20_000.0, x1 - x0, y1 - y0)
    ax0, ay0, ax1, ay1 = study.areas.total_bounds
    assert ax0 >= x0 - margin - 1 and ax1 <= x1 + margin + 1
    assert ay0 >= y0 - margin - 1 and ay1 <= y1 + margin + 1
    # the district near the study keeps its shape
    district = gpd.read_file(REAL / "areas_country_sized.geojson").to_crs(study.crs).iloc[2]
    assert study.areas.geometry.iloc[1].equals_exact(district.geometry, 1e-6)
    meta = run_metadata(study, {}, {})
    assert meta["study_extent"]["areas"]["left_out"] == [1]
    assert any("'Lappi (box)'" in w for w in meta["warnings"])


def test_fit_to_study_leaves_areas_near_the_study_alone() -> None:
    from safespaces.sources.areas import AREA_SLACK_M, fit_to_study

    assert AREA_SLACK_M == 20_000.0  # a city's districts around a central extract fit
    areas = gpd.GeoDataFrame(
        {"area_id": [7, 8]},
        geometry=[shapely.box(0, 0, 1500, 1500), shapely.box(-19_000, 0, 2000, 1000)],
        crs=3067,
    )
    same, record = fit_to_study(areas, (0.0, 0.0, 1000.0, 1000.0))
    assert same is areas and record == {}
    # 30 km beyond a 1 km study (the margin is max(20 km, the study's span)): clipped at 20 km
    areas.loc[1, "geometry"] = shapely.box(-30_000, 0, 2000, 1000)
    fitted, record = fit_to_study(areas, (0.0, 0.0, 1000.0, 1000.0))
    assert record["clipped"] == [8] and record["left_out"] == []
    assert fitted.geometry.iloc[1].bounds == (-20_000.0, 0.0, 2000.0, 1000.0)
    assert fitted.geometry.iloc[0].equals(areas.geometry.iloc[0])
    assert "more than 20.0 km beyond the study extent: 1 clipped" in record["note"]


# --- JOSM files, unsorted files, long tags ----------------------------------------------------


def test_josm_negative_ids_read_like_positive_ones() -> None:
    josm = load_osm(REAL / "osm_josm_negative_ids.osm")
    positive = load_osm(REAL / "osm_tag_5000_bytes.osm")  # the same clip, real ids
    assert len(josm.segments) == len(positive.segments) > 50
    assert josm.segments["length_m"].sum() == pytest.approx(positive.segments["length_m"].sum())
    assert (josm.segments["osm_way_id"] < 0).all()
    assert (josm.segments[["u", "v"]].to_numpy() < 0).all()
    assert (josm.lamps["osm_id"] < 0).all() and len(josm.lamps) == len(positive.lamps)
    assert len(josm.buildings) == len(positive.buildings) > 0
    assert any("negative ids" in n for n in josm.notes)


def test_josm_new_footway_keeps_its_ids_and_splits_apart() -> None:
    from safespaces.network import split_long_segments

    data = load_osm(REAL / "osm_josm_new_footway.osm")
    new = data.segments[data.segments["osm_way_id"] == -3]
    assert new["name"].eq("Uusi polku").all() and len(new) >= 1
    assert {-1, -2} & (set(new["u"]) | set(new["v"]))
    pieces = split_long_segments(data.segments, 5.0)
    osm_nodes = set(data.segments["u"]) | set(data.segments["v"])
    cut = (set(pieces["u"]) | set(pieces["v"])) - osm_nodes
    assert cut and max(cut) < min(osm_nodes)  # cut points never take a JOSM node's id


def test_unsorted_file_reads_like_the_sorted_one(clip: gpd.GeoDataFrame) -> None:
    data = load_osm(REAL / "osm_unsorted_ways_first.osm.pbf")
    assert edges(data.segments) == edges(clip)
    assert any("not sorted" in n for n in data.notes)


def test_tags_over_1024_bytes_are_kept_whole(tmp_path: Path) -> None:
    data = load_osm(REAL / "osm_tag_5000_bytes.osm")
    names = data.segments.loc[data.segments["osm_way_id"] == 8035685, "name"]
    assert len(names) >= 1 and names.eq("ä" * 750).all()
    assert not data.segments["name"].astype(str).str.contains("\ue000").any()
    assert any("5,000 bytes (kept whole)" in n for n in data.notes)
    # and the GeoPackage keeps them (TEXT has no length limit)
    out = tmp_path / "t.gpkg"
    pyogrio.write_dataframe(data.segments, out, layer="s")
    back = pyogrio.read_dataframe(out, layer="s")
    assert back.loc[back["osm_way_id"] == 8035685, "name"].eq("ä" * 750).all()


def test_temporary_copies_are_removed(tmp_path: Path) -> None:
    load_osm(REAL / "osm_josm_new_footway.osm")
    load_osm(REAL / "osm_tag_5000_bytes.osm")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_huge_ids() -> None:
    data = load_osm(REAL / "osm_huge_ids.osm.pbf")
    assert (data.segments["osm_way_id"] >= 2**62).all()
    assert (data.lamps["osm_id"] >= 2**62).all()


def test_clipped_ways_keep_their_parts(clip: gpd.GeoDataFrame) -> None:
    data = load_osm(REAL / "osm_clipped_ways.osm.pbf")
    assert data.extent["ways_with_nodes_missing"] > 10
    assert 0 < data.segments["length_m"].sum() < clip["length_m"].sum()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("osm_empty_valid.osm.pbf", "the file holds no OpenStreetMap objects"),
        ("osm_nodes_only.osm.pbf", "the file holds 2,594 nodes and no ways"),
        ("osm_ways_without_nodes.osm.pbf", "0 of the 968 nodes they use are in the file"),
        ("osm_zero_length_ways.osm", "all 3 walkable edges have zero length"),
        ("osm_tag_5000_bytes.osm.pbf", "longer than 1,024 bytes"),
    ],
)
def test_files_without_streets_say_why(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        load_osm(REAL / name)
    text = str(info.value)
    assert text.startswith(name) and "Fix:" in text
    if name != "osm_tag_5000_bytes.osm.pbf":
        assert "no walkable streets or paths" in text


# --- the study's record -----------------------------------------------------------------------


def test_warnings_reach_the_study_and_run_metadata() -> None:
    study = load_study(Inputs(osm=REAL / "osm_stray_node_0_0.osm.pbf"), Config())
    meta = run_metadata(study, {}, {})
    assert meta["study_extent"]["stray_nodes_left_out"] == [6383565308]
    assert any("6383565308" in w for w in meta["warnings"])
    # 330 m of city, its ways running on to 870 x 640 m: a few 250 m cells, not 760,000
    assert len(study.areas) <= 20


def test_josm_file_with_a_node_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?><osm version='0.6' generator='JOSM'>"
        "<node id='-1' action='modify' lat='60.17' lon='24.94' />"
        "<node id='-2' action='modify' lat='60.17' lon='24.941' />"
        "<node id='-2' action='modify' lat='60.171' lon='24.941' />"
        "<way id='-3' action='modify'><nd ref='-1' /><nd ref='-2' />"
        "<tag k='highway' v='footway' /></way></osm>"
    )
    with pytest.raises(InputError, match="twice.osm: node -2 appears twice.*osmium merge"):
        load_osm(path)


def test_large_unsorted_file_is_refused_with_the_osmium_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safespaces.sources.osm import repair as osm_module

    monkeypatch.setattr(osm_module, "NORMALISE_MAX_MB", 0)
    with pytest.raises(InputError, match="is not sorted .* too large to sort") as info:
        load_osm(REAL / "osm_unsorted_ways_first.osm.pbf")
    assert "osmium sort" in str(info.value)
