"""Residents you can defend: storeys by building type, the OSM evidence of use
(premises, lodging, land use), a real population grid that calibrates the estimate,
and whole places against their published counts.

Monaco (tests/data/cities/monaco, see its README): census 2016, 37,308 residents (IMSEE).
Central Helsinki: the HSY 2021 250 m grid over the default extract (../shared).
Munich's Altstadt: three Bezirksteile of the Munich extract in ../shared/data/cities,
against the Statistisches Amt München's counts of 31 Dec 2009.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CITIES, SHARED, require

from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.io import read_metadata
from safespaces.overlay import area_index
from safespaces.population import (
    ResidentParams,
    building_levels,
    calibrate_residents,
    estimate_residents,
    residential_share,
    residents_summary,
)
from safespaces.sources.osm import load_osm
from safespaces.sources.population import read_population
from safespaces.study import Inputs, Study, load_study

MONACO = Path(__file__).resolve().parent / "data" / "cities" / "monaco"
MONACO_PBF = MONACO / "monaco_2019.osm.pbf"
MONACO_QUARTERS = MONACO / "monaco_quarters.geojson"
#: Monaco's census of 7 June 2016 (IMSEE, Recensement de la population 2016).
MONACO_CENSUS = 37_308
CRS = "EPSG:3067"


def _shared_helsinki() -> Path:
    """../shared/data/helsinki (:data:`conftest.SHARED`)."""
    require(SHARED.is_dir(), f"{SHARED} is absent (it sits beside the repository in CI)")
    return SHARED


def _buildings(rows: Sequence[tuple[str, float, float | None]]) -> gpd.GeoDataFrame:
    """Square buildings (type, footprint m2, tagged levels) side by side."""
    geoms = [
        shapely.box(i * 100.0, 0.0, i * 100.0 + a**0.5, a**0.5) for i, (_, a, _) in enumerate(rows)
    ]
    return gpd.GeoDataFrame(
        {
            "building": [r[0] for r in rows],
            "levels": [np.nan if r[2] is None else r[2] for r in rows],
            "height_m": np.nan,
        },
        geometry=geoms,
        crs=CRS,
    )


# --- storeys and residential share by type ----------------------------------------------------


def test_a_small_house_holds_a_family_not_twenty() -> None:
    b = _buildings([("house", 120.0, None), ("house", 180.0, None), ("detached", 150.0, None)])
    residents = estimate_residents(b, ResidentParams()).to_numpy()
    assert np.all((residents >= 2) & (residents <= 7)), residents
    assert residents[1] < 10  # was 180 m2 x 5 storeys / 45 m2 = 20


def test_levels_by_type_yield_to_tagged_levels_and_height() -> None:
    b = _buildings(
        [
            ("house", 100.0, None),
            ("house", 100.0, 3.0),
            ("terrace", 100.0, None),
            ("bungalow", 100.0, None),
            ("apartments", 400.0, None),
            ("yes", 1000.0, None),
            ("yes", 120.0, None),
        ]
    )
    b.loc[2, "height_m"] = 9.6  # 3 storeys of 3.2 m: the height wins over the type
    levels = building_levels(b, ResidentParams()).tolist()
    assert levels == [1.5, 3.0, 3.0, 1.0, 5.0, 5.0, 1.5]


def test_garage_sized_untyped_buildings_hold_nobody_but_typed_small_homes_do() -> None:
    b = _buildings([("yes", 20.0, None), ("yes", 20.0, 2.0), ("house", 28.0, None)])
    residents = estimate_residents(b, ResidentParams()).to_numpy()
    assert residents[0] == 0 and residents[1] == 0
    assert residents[2] > 0


def test_helsinki_blocks_keep_their_figures() -> None:
    """Large untyped blocks and apartments keep 5 storeys and their shares (Helsinki)."""
    b = _buildings([("apartments", 900.0, None), ("yes", 900.0, None), ("block", 900.0, None)])
    residents = estimate_residents(b, ResidentParams()).to_numpy()
    np.testing.assert_allclose(residents, [900 * 5 / 45, 900 * 5 * 0.5 / 45, 900 * 5 * 0.7 / 45])


# --- the evidence of use -----------------------------------------------------------------------


def test_untyped_buildings_yield_to_the_evidence_of_their_use() -> None:
    rows = [("yes", 900.0, None)] * 7 + [("apartments", 900.0, None), ("block", 900.0, None)]
    b = _buildings(rows)
    b["use"] = b["building"]
    b.loc[6, "use"] = "residential"  # building:use=residential on a building=yes
    b["premises"] = (
        [None, "amenity=library", "amenity=social_facility"] + [None] * 5 + ["shop=mall"]
    )
    b["lodging"] = [False, False, False, True] + [False] * 5
    b["landuse"] = [None] * 4 + ["commercial", "residential", "commercial", "commercial", None]
    shares = residential_share(b, ResidentParams()).tolist()
    # plain; library on the outline; care home; hotel inside; in landuse=commercial; in
    # landuse=residential; building:use wins over land use; typed homes keep theirs; a block
    # with a mall on its outline
    assert shares == [0.5, 0.0, 0.5, 0.0, 0.0, 0.5, 1.0, 1.0, 0.0]
    mild = ResidentParams(landuse_share={"commercial": 0.1}, premises_share=0.2)
    assert residential_share(b, mild).tolist() == [0.5, 0.2, 0.5, 0.2, 0.1, 0.5, 1.0, 1.0, 0.2]
    # buildings from elsewhere (no evidence columns) keep the type's share
    bare = _buildings(rows)
    assert residential_share(bare, ResidentParams()).tolist() == [0.5] * 7 + [1.0, 0.7]


def _way(way_id: int, first_node: int, box: tuple[float, float, float, float], **tags: str) -> str:
    """Nodes and a closed way for a box (x0, y0, x1, y1) in units of 0.0001 degree."""
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    nodes = "".join(
        f'<node id="{first_node + i}" lat="{60.17 + y * 1e-4:.5f}" lon="{24.94 + x * 1e-4:.5f}" '
        'version="1"/>'
        for i, (x, y) in enumerate(corners)
    )
    refs = "".join(f'<nd ref="{first_node + i}"/>' for i in [0, 1, 2, 3, 0])
    tag = "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
    return f'{nodes}<way id="{way_id}" version="1">{refs}{tag}</way>'


def test_the_reader_gives_buildings_their_premises_land_use_and_lodging(tmp_path: Path) -> None:
    path = tmp_path / "town.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="60.16990" lon="24.94000" version="1"/>'
        '<node id="2" lat="60.16990" lon="24.94200" version="1"/>'
        '<way id="1" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        '<node id="3" lat="60.17025" lon="24.94125" version="1">'
        '<tag k="tourism" v="hotel"/><tag k="name" v="Hotelli"/></node>'
        + _way(10, 100, (0, 0, 10, 10), landuse="residential")
        + _way(11, 110, (0, 0, 4, 4), landuse="retail")  # nested: the inner one counts
        + _way(12, 120, (11, 6, 16, 11), amenity="school")  # school grounds
        + _way(20, 200, (1, 1, 3, 3), building="yes")
        + _way(21, 210, (6, 6, 9, 9), building="yes")
        + _way(22, 220, (6, 1, 9, 4), building="yes", amenity="library")
        + _way(23, 230, (11, 1, 14, 4), building="yes")  # holds the hotel node 3
        + _way(24, 240, (12, 7, 14, 9), building="yes", building__use="residential")
        + "</osm>",
        encoding="utf-8",
    )
    b = load_osm(path).buildings.set_index("osm_id")
    assert b.loc[[20, 21, 22, 23, 24], "landuse"].fillna("-").tolist() == [
        "retail",
        "residential",
        "residential",
        "-",
        "school",
    ]
    assert b.loc[22, "premises"] == "amenity=library" and b["premises"].notna().sum() == 1
    assert b["lodging"].tolist() == [osm_id == 23 for osm_id in b.index]
    assert b.loc[24, "use"] == "residential"
    shares = residential_share(b, ResidentParams())
    assert shares.loc[[20, 21, 22, 23, 24]].tolist() == [0.0, 0.5, 0.0, 0.0, 1.0]


# --- calibration -------------------------------------------------------------------------------


def test_calibration_scales_each_cell_to_its_population() -> None:
    b = _buildings([("house", 100.0, None), ("apartments", 400.0, None), ("house", 100.0, None)])
    est = estimate_residents(b, ResidentParams())
    grid = gpd.GeoDataFrame(
        {"population": [30.0, 7.0, 5.0]},
        geometry=[
            shapely.box(-1, -1, 150, 50),
            shapely.box(150, -1, 250, 50),
            shapely.box(0, 500, 10, 510),
        ],
        crs=CRS,
    )
    out, cal = calibrate_residents(b, est, grid)
    assert out.iloc[:2].sum() == pytest.approx(30.0)
    assert out.iloc[0] / out.iloc[1] == pytest.approx(est.iloc[0] / est.iloc[1])  # shares kept
    assert out.iloc[2] == pytest.approx(7.0)
    assert cal.empty_cells == 1 and cal.empty_population == 5.0
    assert cal.grid_total == 42.0 and cal.calibrated == pytest.approx(37.0)
    assert cal.estimated_in_cells == pytest.approx(est.sum())
    assert any("hold no residential building" in note for note in cal.notes())


def test_calibration_counts_only_the_part_of_a_cell_inside_the_study() -> None:
    b = _buildings([("house", 100.0, None)])
    grid = gpd.GeoDataFrame(
        {"population": [40.0]}, geometry=[shapely.box(-100, -100, 100, 100)], crs=CRS
    )
    out, cal = calibrate_residents(
        b, estimate_residents(b, ResidentParams()), grid, shapely.box(0, -100, 100, 100)
    )
    assert out.iloc[0] == pytest.approx(20.0) and cal.grid_total == pytest.approx(20.0)


def test_buildings_off_the_grid_keep_their_estimate_inside_its_gaps_get_none() -> None:
    b = _buildings([("house", 100.0, None), ("house", 100.0, None), ("house", 100.0, None)])
    est = estimate_residents(b, ResidentParams())
    cells = [shapely.box(-1, -1, 50, 50), shapely.box(200, -1, 250, 50)]  # the gap holds house 2
    grid = gpd.GeoDataFrame({"population": [4.0, 6.0]}, geometry=cells, crs=CRS)
    far = _buildings([("house", 100.0, None)] * 4).iloc[[3]]
    both = pd.concat([b, far], ignore_index=True)
    out, cal = calibrate_residents(both, estimate_residents(both, ResidentParams()), grid)
    assert out.iloc[1] == 0.0 and cal.absent_buildings == 1
    assert out.iloc[3] == pytest.approx(est.iloc[0]) and cal.outside_buildings == 1


def test_summary_prints_the_estimate_beside_the_grid_total() -> None:
    assert residents_summary(22736.4, None) == {"residents (estimated)": 22736}
    record = {"estimated_in_grid_cells": 19654, "population_grid_total": 6020}
    line = residents_summary(22736.4, record)["residents (estimated)"]
    assert line.startswith("19,654 in the grid's cells; from the population grid: 6,020")


# --- reading population files ------------------------------------------------------------------


def test_real_hsy_grids_are_read_with_their_column_detected() -> None:
    folder = _shared_helsinki()
    grid = read_population(folder / "population_grid_2021_hsy.gpkg")
    assert grid.attrs["population_column"] == "inhabitants"
    old = read_population(folder / "Vaestotietoruudukko_2015.shp", crs="EPSG:3879")
    assert old.attrs["population_column"] == "ASUKKAITA"
    assert grid["population"].min() >= 0 and 600_000 < grid["population"].sum() < 1_500_000


def test_population_file_errors_name_the_column_and_row(tmp_path: Path) -> None:
    grid = gpd.GeoDataFrame(
        {"count_2021": [5, -1]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=CRS,
    )
    path = tmp_path / "grid.gpkg"
    grid.to_file(path)
    with pytest.raises(InputError, match="--population-col"):
        read_population(path)
    with pytest.raises(InputError, match="no column 'people'"):
        read_population(path, column="people")
    with pytest.raises(InputError, match="row 2.*count_2021.*negative"):
        read_population(path, column="COUNT_2021")


def test_a_population_raster_is_read_cell_by_cell(tmp_path: Path) -> None:
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    path = tmp_path / "pop.tif"
    data = np.array([[10.0, -9999.0], [0.0, 3.5]], dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(100, 0, 1000, 0, -100, 2000),
        nodata=-9999.0,
    ) as dst:
        dst.write(data, 1)
    cells = read_population(path)
    assert sorted(cells["population"]) == [0.0, 3.5, 10.0]
    first = cells.geometry[cells["population"] == 10.0].iloc[0]
    assert first.bounds == (1000.0, 1900.0, 1100.0, 2000.0)
    window = read_population(path, bounds=(1150.0, 1850.0, 1190.0, 1890.0), bounds_crs=CRS)
    assert window["population"].tolist() == [3.5]  # only the cell under the study's box


# --- whole places against their census ------------------------------------------------------


def _monaco_total(population: Path | None = None) -> float:
    study = load_study(
        Inputs(osm=MONACO_PBF, areas=MONACO_QUARTERS, population=population), Config()
    )
    return float(study.areas["residents_est"].sum())


def test_monaco_estimate_within_20_percent_of_its_census() -> None:
    """31,186 (-16 %): its hotels, churches, police stations and museum hall hold nobody;
    the shortfall is its towers' storeys (most untagged, counted at 5)."""
    total = _monaco_total()
    assert abs(total - MONACO_CENSUS) <= 0.2 * MONACO_CENSUS, total


def test_monaco_calibrated_within_30_percent_of_its_census(tmp_path: Path) -> None:
    quarters = gpd.read_file(MONACO_QUARTERS)
    grid = gpd.GeoDataFrame(
        {"Population": [MONACO_CENSUS]}, geometry=[quarters.union_all()], crs=quarters.crs
    )
    path = tmp_path / "monaco_census.geojson"
    grid.to_file(path)
    total = _monaco_total(path)
    assert abs(total - MONACO_CENSUS) <= 0.3 * MONACO_CENSUS, total


@pytest.fixture(scope="module")
def helsinki_with_grid(shared_helsinki: Path) -> Study:
    """The embedded default with the real HSY 2021 grid as its population."""
    return load_study(
        Inputs(population=shared_helsinki / "population_grid_2021_hsy.gpkg"), Config()
    )


def test_helsinki_default_calibrated_to_the_hsy_grid(helsinki_with_grid: Study) -> None:
    """The real HSY 2021 grid over the default extract: each cell's buildings hold its people."""
    study = helsinki_with_grid
    record = study.notes["population"]["calibration"]
    assert record["population_grid_total"] > 1000
    placed = record["population_grid_total"] - record["population_in_those_cells"]
    assert study.osm.buildings["residents_est"].sum() == pytest.approx(placed, abs=1)
    assert any("population grid" in w for w in study.warnings)


def test_helsinki_default_estimate_within_1_5_of_the_hsy_grid(helsinki_with_grid: Study) -> None:
    """Central Helsinki's offices, shops, hotels and ministries hold nobody.

    Before the evidence of use the building estimate was 22,736 against the grid's 6,020
    (3.8 x): 12,600 of it in untyped buildings in ``landuse=commercial`` (two cells there
    hold 24 residents and were given 2,600). Now 7,842 (1.3 x), 7,604 in the grid's cells.
    """
    record = helsinki_with_grid.notes["population"]["calibration"]
    grid = record["population_grid_total"]
    assert 5_500 < grid < 6_500  # HSY 2021 over the extract: about 6,020
    for estimate in (record["estimated_from_buildings"], record["estimated_in_grid_cells"]):
        assert grid / 1.5 <= estimate <= grid * 1.5, (estimate, grid)


def test_helsinki_cells_rank_like_the_hsy_grid(
    helsinki_with_grid: Study, shared_helsinki: Path
) -> None:
    """Per 250 m cell, the estimate follows the grid: Spearman 0.75 (0.40 before the evidence
    of use), the commercial centre's cells no longer the most populous."""
    osm = helsinki_with_grid.osm
    grid = read_population(shared_helsinki / "population_grid_2021_hsy.gpkg").to_crs(osm.crs)
    grid = grid[grid.intersects(osm.study_area).to_numpy()].reset_index(drop=True)
    inside = shapely.area(shapely.intersection(grid.geometry.to_numpy(), osm.study_area))
    counts = grid["population"].to_numpy() * inside / shapely.area(grid.geometry.to_numpy())
    estimate = estimate_residents(osm.buildings, Config().residents).to_numpy()
    cell = area_index(osm.buildings, grid)
    per_cell = np.bincount(cell[cell >= 0], weights=estimate[cell >= 0], minlength=len(grid))
    frame = pd.DataFrame({"grid": counts, "estimate": per_cell})
    assert len(frame) > 20
    assert frame["grid"].corr(frame["estimate"], method="spearman") >= 0.6


#: Residents of three Bezirksteile of Munich's Altstadt on 31 Dec 2009 (Statistisches Amt
#: München, as tabled in de.wikipedia.org "Altstadt-Lehel", Tabelle der Stadtbezirksteile):
#: Graggenau 2,466, Angerviertel 3,128, Hackenviertel 1,605.
MUNICH_ALTSTADT = {"Graggenau": 2_466, "Angerviertel": 3_128, "Hackenviertel": 1_605}


def _admin_areas(path: Path, names: list[str]) -> gpd.GeoDataFrame:
    """The named ``boundary=administrative`` areas of an extract, assembled by osmium."""
    import osmium

    wkb = osmium.geom.WKBFactory()
    rows = []
    for area in (
        osmium.FileProcessor(str(path))
        .with_areas()
        .with_filter(osmium.filter.TagFilter(("boundary", "administrative")))
    ):
        if isinstance(area, osmium.osm.Area) and area.tags.get("name") in names:
            rows.append({"name": area.tags["name"], "wkb": wkb.create_multipolygon(area)})
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame[["name"]], geometry=shapely.from_wkb(frame["wkb"]), crs=4326)


def test_munich_altstadt_stays_within_a_factor_3_of_its_count() -> None:
    """A limit, kept in view: OSM maps the whole Altstadt as ``landuse=residential`` and
    nearly all its buildings as ``yes``, so nothing tells offices and department stores from
    flats. The estimate is 20,300 against 7,199 (2.8 x; 24,100 before the premises and
    lodging rules). Calibrate with a real population there."""
    path = CITIES / "munchen_valhallabench.osm.pbf"
    require(path.is_file(), f"{path} is absent (../shared/data/cities in CI)")
    osm = load_osm(path)
    names = [f"Bezirksteil {name}" for name in MUNICH_ALTSTADT]
    areas = _admin_areas(path, names).to_crs(osm.crs)
    assert sorted(areas["name"]) == sorted(names)
    inside = area_index(osm.buildings, areas) >= 0
    total = estimate_residents(osm.buildings, ResidentParams())[inside].sum()
    published = sum(MUNICH_ALTSTADT.values())
    assert published / 1.5 <= total <= 3 * published, total


# --- through the command line ------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safespaces", *args], capture_output=True, text=True, timeout=300
    )


def test_run_with_a_population_grid_prints_both_totals(tmp_path: Path) -> None:
    quarters = gpd.read_file(MONACO_QUARTERS)
    grid = gpd.GeoDataFrame(
        {"residents_2016": [MONACO_CENSUS]}, geometry=[quarters.union_all()], crs=quarters.crs
    )
    grid.to_file(tmp_path / "census.geojson")
    base = ("run", "--osm", str(MONACO_PBF), "--areas", str(MONACO_QUARTERS))
    bad = _cli(
        *base, "--population", str(tmp_path / "census.geojson"), "--out", str(tmp_path / "a")
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "census.geojson: no population column" in bad.stderr and "--population-col" in bad.stderr
    done = _cli(
        *base,
        "--population",
        str(tmp_path / "census.geojson"),
        "--population-col",
        "residents_2016",
        "--out",
        str(tmp_path / "b"),
    )
    assert done.returncode == 0, done.stderr
    assert "from the population grid: 37,308" in done.stdout
    areas = gpd.read_file(tmp_path / "b" / "safespaces.gpkg", layer="areas")
    assert abs(areas["residents_est"].sum() - MONACO_CENSUS) <= 0.3 * MONACO_CENSUS
    notes = read_metadata(tmp_path / "b" / "safespaces.gpkg")["input_notes"]
    record = (json.loads(notes) if isinstance(notes, str) else notes)["population"]
    assert record["column"] == "residents_2016"
    assert record["calibration"]["population_grid_total"] == MONACO_CENSUS
