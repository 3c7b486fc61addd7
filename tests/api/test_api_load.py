"""The Python API: safespaces.load and safespaces.analyse on the embedded default.

One study is loaded per module (a lamp register given as a GeoDataFrame in EPSG:4326)
and analysed for lighting and eyes; the full analysis is compared with the CLI's
GeoPackage (slow).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import safespaces
from safespaces.errors import ConfigError, InputError
from safespaces.study import Inputs

#: A lamp register inside the embedded extract (central Helsinki), lon/lat.
REGISTER_LONLAT = [(24.9400 + 0.0004 * i, 60.1700 + 0.0002 * (i % 3)) for i in range(12)]


def register_frame() -> gpd.GeoDataFrame:
    """Twelve register lamps in EPSG:4326 with heights and one lamp_id of the city's own."""
    return gpd.GeoDataFrame(
        {
            "lamp_id": [f"HEL-{i:03d}" for i in range(len(REGISTER_LONLAT))],
            "height_m": [8.0] * len(REGISTER_LONLAT),
            "lumen": [6000.0] * len(REGISTER_LONLAT),
        },
        geometry=[shapely.Point(x, y) for x, y in REGISTER_LONLAT],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def register() -> gpd.GeoDataFrame:
    return register_frame()


@pytest.fixture(scope="module")
def study(register: gpd.GeoDataFrame) -> safespaces.Study:
    return safespaces.load(lamps=register)


@pytest.fixture(scope="module")
def results(study: safespaces.Study) -> safespaces.Results:
    return safespaces.analyse(study, ["lighting", "eyes"])


def test_import_is_light_and_names_the_api() -> None:
    code = (
        "import sys, safespaces;"
        "heavy = [m for m in ('streamlit', 'folium', 'geopandas', 'safespaces.api') "
        "if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in safespaces.__all__:
        assert getattr(safespaces, name) is not None
    assert safespaces.load.__module__ == "safespaces.api"
    with pytest.raises(AttributeError, match="no attribute 'lod'"):
        safespaces.lod  # noqa: B018


def test_register_frame_in_degrees_is_reprojected_and_kept_whole(
    study: safespaces.Study, register: gpd.GeoDataFrame
) -> None:
    lamps = study.osm.lamps
    mine = lamps[lamps["source"] == "register"]
    assert len(mine) == len(register)
    assert study.crs.to_epsg() == 3067
    assert mine.crs == study.crs
    # the same points, moved to the study's CRS (compared back in degrees, to ~1 mm)
    back = mine.to_crs(4326).geometry
    expected = register.geometry.to_numpy()
    assert shapely.distance(back.to_numpy(), expected).max() < 1e-7
    assert mine["lamp_ref"].tolist() == register["lamp_id"].tolist()
    # the caller's frame is not changed
    assert register.crs == "EPSG:4326" and list(register.columns) == [
        "lamp_id",
        "height_m",
        "lumen",
        "geometry",
    ]


def test_analyse_returns_geodataframes_with_lighting_eyes_and_score(
    results: safespaces.Results, register: gpd.GeoDataFrame
) -> None:
    segments = results.layers["street_segments"]
    assert isinstance(segments, gpd.GeoDataFrame)
    for column in ("light_lux_avg", "light_class", "eyes_night", "eyes_h22", "safe_space_score"):
        assert column in segments, column
    assert segments["light_class"].notna().all()
    assert segments["safe_space_score"].between(0, 100).any()
    lamps = results.layers["lamps"]
    assert isinstance(lamps, gpd.GeoDataFrame)
    assert int((lamps["source"] == "register").sum()) == len(register)
    assert results.summary["lamps"] == len(results.study.osm.lamps)
    assert results.summary["score"]["families"] == ["light", "eyes"]
    assert set(results.families) == {"lighting", "eyes"}
    assert "mix" not in results.summary and "incidents" not in results.summary
    frames = results.metadata["inputs"]
    assert frames["lamps"]["frame"] == "GeoDataFrame"
    assert frames["lamps"]["rows"] == len(register)
    assert frames["lamps"]["crs"] == "EPSG:4326"
    assert len(frames["lamps"]["sha256"]) == 64
    assert results["lamps"] is lamps


def test_the_register_lamps_are_modelled_from_their_own_values(
    results: safespaces.Results,
) -> None:
    """Each register lamp keeps its 8 m and 6000 lm: with the default generic LED
    distribution its peak intensity is 6 x the distribution's peak per 1000 lm; an
    isotropic source of that intensity gives E = I h / (h^2 + 9)^1.5 at 3 m from its foot."""
    lamps = results.layers["lamps"]
    mine = lamps[lamps["source"] == "register"]
    assert (mine["light_height_m"] == 8.0).all()
    from safespaces.lighting.photometry import generic

    peak = generic("generic_led").peak_cd_per_klm * 6.0
    assert set(mine["light_distribution"]) == {"generic_led"}
    assert mine["light_intensity_cd"].to_numpy() == pytest.approx(peak)
    assert set(mine["light_source_of_values"]) == {"register"}
    from safespaces.lighting import illuminance_at

    model = np.column_stack(
        [
            shapely.get_coordinates(mine.geometry.to_numpy()),
            mine["light_height_m"].to_numpy(),
            mine["light_intensity_cd"].to_numpy(),
        ]
    )
    at = shapely.get_coordinates(mine.geometry.to_numpy())[:1] + [3.0, 0.0]
    own = illuminance_at(at, model[:1], cutoff=50.0)[0]
    assert own == pytest.approx(peak * 8 / (64 + 9) ** 1.5, rel=1e-9)


def test_to_gpkg_writes_the_layers_and_metadata(
    results: safespaces.Results, tmp_path: Path
) -> None:
    path = results.to_gpkg(tmp_path / "out" / "study.gpkg")
    assert path == tmp_path / "out" / "study.gpkg"
    names = {str(row[0]) for row in pyogrio.list_layers(path)}
    assert set(results.layers) | {"run_metadata"} == names
    back = gpd.read_file(path, layer="street_segments")
    segments = results.layers["street_segments"]
    assert len(back) == len(segments)
    assert np.allclose(back["safe_space_score"], segments["safe_space_score"], equal_nan=True)
    with pytest.raises(InputError, match="GeoPackage"):
        results.to_gpkg(tmp_path / "study.shp")


def test_explore_requests_nothing_from_the_internet(results: safespaces.Results) -> None:
    m = results.explore("street_segments", "eyes_night")
    page = m.get_root().render()
    import re

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, "the page loads Leaflet"
    assert all(s.startswith("data:") for s in sources), sources
    assert "leaflet" in page.lower()
    # the legend is the catalogue's (eyes at night: viridis 0-100 in five classes)
    assert "#440154" in page and "#fde725" in page
    with pytest.raises(InputError, match="without geometry"):
        results.explore("light_darkness")
    with pytest.raises(InputError, match="no column 'nope'"):
        results.explore("street_segments", "nope")


def test_load_options_and_their_errors(register: gpd.GeoDataFrame) -> None:
    with pytest.raises(ConfigError, match="unknown option 'setings' .did you mean 'settings'"):
        safespaces.load(setings={"lighting": {"cutoff_m": 40}})  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="lighting.cutof_m"):
        safespaces.load(settings={"lighting": {"cutof_m": 40}})
    with pytest.raises(InputError, match="osm is a GeoDataFrame.*from_osmnx"):
        safespaces.load(osm=register)
    with pytest.raises(InputError, match="input 'lamps' is of type int"):
        Inputs(lamps=42)  # type: ignore[arg-type]


def test_analyse_refuses_unknown_or_impossible_families(study: safespaces.Study) -> None:
    with pytest.raises(InputError, match="unknown analysis family 'light'"):
        safespaces.analyse(study, ["light"])
    bare = safespaces.Study(**{**study.__dict__, "tenure": None})
    with pytest.raises(InputError, match="mix family needs tenure data"):
        safespaces.analyse(bare, ["mix"])


def test_inputs_take_frames_compare_by_identity_and_hash() -> None:
    frame = register_frame()
    a, b = Inputs(lamps=frame), Inputs(lamps=frame)
    assert a == b and hash(a) == hash(b)
    assert a != Inputs(lamps=frame.copy())
    assert Inputs(lamps="x.csv").lamps == Path("x.csv")  # type: ignore[arg-type]
    assert Inputs() == Inputs() and a.frames() == {"lamps": frame}
    assert Inputs(tenure=Path("t.csv")).files() == {"tenure": Path("t.csv")}


def test_frame_errors_name_the_frame_row_and_column() -> None:
    """A bad value in a frame is reported as a file's would be, naming the frame."""
    frame = register_frame()
    frame.loc[3, "height_m"] = 400.0
    with pytest.raises(InputError) as caught:
        safespaces.load(lamps=frame)
    text = str(caught.value)
    assert "<lamp register GeoDataFrame>" in text
    assert "row 4" in text and "'height_m'" in text and "plausible range" in text
    no_crs = register_frame().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="GeoDataFrame has no CRS.*set_crs"):
        safespaces.load(lamps=no_crs)


def test_a_table_with_lon_lat_is_read_like_a_csv(tmp_path: Path) -> None:
    """A DataFrame of lon/lat gives the same register as the CSV of the same rows."""
    from safespaces.sources.lamps import read_lamp_register

    table = pd.DataFrame({"lon": [24.94, 24.941], "lat": [60.17, 60.1705], "height_m": [6.0, None]})
    table.to_csv(tmp_path / "lamps.csv", index=False)
    from_csv = read_lamp_register(tmp_path / "lamps.csv")
    from_frame = read_lamp_register(table)
    pd.testing.assert_frame_equal(
        pd.DataFrame(from_frame.drop(columns="geometry")),
        pd.DataFrame(from_csv.drop(columns="geometry")),
    )
    assert from_frame.geometry.geom_equals(from_csv.geometry).all()


def test_incidents_frame_with_datetimes_keeps_the_hour() -> None:
    """Times at midnight in a datetime column keep their hour (pandas would print them as
    dates), and tz-aware times keep their instant."""
    from safespaces.sources.incidents import read_incidents

    times = pd.to_datetime(["2025-03-01 00:00", "2025-03-01 23:15"]).tz_localize("Europe/Helsinki")
    frame = pd.DataFrame({"lon": [24.94, 24.94], "lat": [60.17, 60.17], "time": times})
    load = read_incidents(frame)
    assert load.points["hour_known"].tolist() == [True, True]
    assert load.points["time"].dt.tz_convert("UTC").tolist() == times.tz_convert("UTC").tolist()
    assert load.points["category"].tolist() == ["unknown", "unknown"]


@pytest.mark.slow
def test_full_analysis_matches_the_cli_geopackage(default_output: Path) -> None:
    """Every family on the default: the same layers, keyed by the names, and the same
    scores as ``safespaces run`` writes."""
    results = safespaces.analyse(safespaces.load())
    gpkg = default_output / "safespaces.gpkg"
    cli = {str(row[0]) for row in pyogrio.list_layers(gpkg)}
    assert set(results.layers) == cli - {"run_metadata", "layer_styles"}
    for layer in ("street_segments", "areas"):
        mine = results.layers[layer]
        theirs = gpd.read_file(gpkg, layer=layer)
        assert len(mine) == len(theirs)
        assert np.allclose(
            mine["safe_space_score"].to_numpy(dtype=float),
            theirs["safe_space_score"].to_numpy(dtype=float),
            equal_nan=True,
        )
    assert results.summary["score"] == results.metadata["summary"]["score"]
