"""Lamp-data coverage: a place without mapped lamps is "no lamp data", not dark (issue 17).

Real extracts from ``../shared/data/cities/`` (© OpenStreetMap contributors, ODbL 1.0; sources in
that folder's README) skip outside CI when absent.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CITIES, require
from lighting_fixtures import make_lamps, make_segments, make_spaces

from safespaces.config import load_config
from safespaces.eyes.index import light_factor
from safespaces.eyes.params import EyesParams
from safespaces.indices import IndexParams, safe_space_scores, scored_families
from safespaces.lighting.analysis import LightingResult, analyse_lighting
from safespaces.lighting.coverage import cell_keys, lamp_coverage
from safespaces.lighting.params import LightingParams
from safespaces.lighting.vocabulary import (
    BELOW_P6,
    CLASS_COLUMN,
    LIT_NOT_MAPPED,
    NO_LAMP_DATA,
    UNLIT,
)
from safespaces.pipeline import run_study
from safespaces.stages import summary_warnings
from safespaces.study import Inputs, Study, load_study

CRS = "EPSG:3067"


def _segments(xs: list[float], highway: list[str], lit: list[str | None]) -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(x, 0.0), (x + 100.0, 0.0)]) for x in xs]
    return gpd.GeoDataFrame(
        {
            "segment_id": np.arange(len(xs)),
            "highway": highway,
            "lit_tag": pd.Series(lit, dtype=object),
            "length_m": 100.0,
        },
        geometry=lines,
        crs=CRS,
    )


def _lamps(points: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lamp_id": np.arange(len(points))},
        geometry=gpd.points_from_xy([p[0] for p in points], [p[1] for p in points]),
        crs=CRS,
    )


def _lighting(segments: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame) -> LightingResult:
    darkness = pd.DataFrame(
        {"date": pd.to_datetime(["2026-01-01"]).date, "darkness_h": [18.0]}
        | {c: [pd.NaT] for c in ("sunrise", "sunset", "civil_dawn", "civil_dusk")}
    )
    darkness["date"] = pd.to_datetime(darkness["date"])
    return analyse_lighting(segments, lamps, None, LightingParams(), darkness=darkness)


# --- the formula --------------------------------------------------------------------------------


def test_coverage_is_reached_reference_length_per_cell_with_study_fallback() -> None:
    params = LightingParams(coverage_cell_m=1000.0, coverage_min_reference_m=200.0)
    keys = np.array([1, 1, 1, 2, 3])
    reference = np.array([100.0, 100.0, 0.0, 300.0, 50.0])
    reached = np.array([100.0, 0.0, 0.0, 30.0, 50.0])
    cover, study = lamp_coverage(keys, reference, reached, True, params)
    # cell 1: 100 of 200 m reached; cell 2: 30 of 300; cell 3 has < 200 m: the study's 180/550
    assert study == pytest.approx(180 / 550)
    assert cover == pytest.approx([0.5, 0.5, 0.5, 0.1, 180 / 550])
    # no reference length at all: covered only when some lamp is mapped
    zero = np.zeros(2)
    assert lamp_coverage(np.array([1, 2]), zero, zero, False, params)[1] == 0.0
    assert lamp_coverage(np.array([1, 2]), zero, zero, True, params)[1] == 1.0


def test_cell_keys_follow_the_midpoint() -> None:
    lines = [
        shapely.LineString([(990, 0), (1010, 0)]),  # midpoint x = 1000: cell 1
        shapely.LineString([(0, 0), (1990, 0)]),  # midpoint x = 995: cell 0
        shapely.LineString([(1400, 10), (1600, 10)]),  # midpoint x = 1500: cell 1
    ]
    keys = cell_keys(np.array(lines, dtype=object), 1000.0)
    assert keys[0] != keys[1]
    assert keys[0] == keys[2]


def test_no_lamps_gives_no_lamp_data_not_unlit_except_lit_no() -> None:
    seg = _segments(
        [0.0, 150.0, 300.0, 450.0],
        ["residential", "footway", "primary", "footway"],
        [None, None, "yes", "no"],
    )
    result = _lighting(seg, _lamps([]))
    cls = result.segments[CLASS_COLUMN].tolist()
    assert cls == [NO_LAMP_DATA, NO_LAMP_DATA, LIT_NOT_MAPPED, UNLIT]
    # lux as the (absent) mapped lamps give it; the class says it is unknown
    assert result.segments["light_lux_avg"].isna().tolist() == [False, False, True, False]
    assert (result.segments["light_lamp_coverage"] == 0).all()
    assert result.summary()["no_lamp_data_share_of_walking_length"] == pytest.approx(0.5)


def test_mapped_lamps_keep_unlit_where_coverage_is_enough() -> None:
    # a lit primary road with lamps, and a footway 400 m away that no lamp reaches
    seg = _segments([0.0, 100.0, 600.0], ["primary", "primary", "footway"], ["yes", "yes", None])
    lamps = _lamps([(25.0, 5.0), (75.0, 5.0), (125.0, 5.0), (175.0, 5.0)])
    result = _lighting(seg, lamps)
    cls = result.segments[CLASS_COLUMN].tolist()
    assert cls[2] == UNLIT
    # the road's light is known (mapped lamps): a class, never "no lamp data"; its
    # EN 13201-3 grid minimum, at the far kerb before the first lamp, is below P6's 0.4 lx
    assert cls[0] == BELOW_P6
    assert result.segments["light_lux_avg"].iloc[0] > 2.0
    assert result.summary()["no_lamp_data_share_of_walking_length"] == 0.0


# --- what reads the class -----------------------------------------------------------------------


def test_eyes_light_factor_is_neutral_for_no_lamp_data() -> None:
    params = EyesParams()
    lux = np.array([np.nan, 0.0, np.nan])
    factor = light_factor(lux, np.array([NO_LAMP_DATA, UNLIT, None], dtype=object), params)
    assert factor[0] == 1.0
    assert factor[1] == pytest.approx(params.light_floor)
    assert factor[2] == pytest.approx(params.light_floor)


def test_score_leaves_unknown_light_out_and_flags_it() -> None:
    seg = _segments([0.0, 150.0, 300.0], ["residential"] * 3, [None, None, None])
    seg["light_lux_avg"] = [np.nan, 0.0, 10.0]
    seg["light_lux_min"] = [np.nan, 0.0, 2.0]
    seg[CLASS_COLUMN] = [NO_LAMP_DATA, UNLIT, "P2"]
    seg["eyes_night"] = [60.0, 60.0, 60.0]
    areas = gpd.GeoDataFrame({"area_id": [0]}, geometry=[shapely.box(-10, -10, 500, 10)], crs=CRS)
    scores, _ = safe_space_scores(seg, areas, IndexParams())
    assert np.isnan(scores["score_light"].iloc[0])
    assert scores["score_light_unknown"].tolist() == [True, False, False]
    assert scores["safe_space_score"].tolist() == pytest.approx([60.0, 30.0, 80.0])
    assert scored_families(scores)[0] == ["light", "eyes"]


def test_summary_warnings_name_missing_lamps_buildings_and_tenure() -> None:
    summary = {
        "walking length km": 120.0,
        "buildings": 0,
        "lighting": {"no_lamp_data_share_of_walking_length": 0.83},
        "eyes": {"premises_default_hours": 4},
    }
    text = " | ".join(summary_warnings(summary))
    assert "83% of the walking length" in text
    assert "no buildings mapped" in text
    assert "no tenure data" in text
    summary |= {"buildings": 20, "mix": {}}
    text = " | ".join(summary_warnings(summary))
    assert "few buildings mapped (20 for 120 km" in text
    assert "no tenure data" not in text
    ok = {"walking length km": 90.0, "buildings": 446, "mix": {}, "lighting": {}}
    assert summary_warnings(ok) == []


# --- the Helsinki default, with and without its lamps --------------------------------------------


@pytest.fixture(scope="module")
def helsinki() -> Study:
    return load_study(Inputs(), load_config())


def test_helsinki_lamps_cover_every_cell(helsinki: Study) -> None:
    result = analyse_lighting(
        helsinki.osm.segments, helsinki.osm.lamps, helsinki.osm.public_spaces, LightingParams()
    )
    assert not (result.segments[CLASS_COLUMN] == NO_LAMP_DATA).any()
    assert result.segments["light_lamp_coverage"].min() >= LightingParams().coverage_min


def test_helsinki_without_lamps_is_not_called_dark(helsinki: Study, tmp_path: Path) -> None:
    osm = dataclasses.replace(helsinki.osm, lamps=helsinki.osm.lamps.iloc[0:0])
    study = dataclasses.replace(helsinki, osm=osm, warnings=[])
    result = run_study(study, tmp_path / "out")
    seg = gpd.read_file(result.path, layer="street_segments")
    lit_no = seg["lit_tag"].isin(list(LightingParams().lit_no_values))
    assert set(seg.loc[seg[CLASS_COLUMN] == UNLIT, "lit_tag"]) <= set(
        LightingParams().lit_no_values
    )
    assert not (seg[CLASS_COLUMN] == BELOW_P6).any()
    assert (seg.loc[~lit_no, CLASS_COLUMN].isin([NO_LAMP_DATA, LIT_NOT_MAPPED])).all()
    assert seg.loc[~lit_no, "score_light_unknown"].astype(bool).all()
    assert seg.loc[~lit_no, "score_light"].isna().all()
    score = result.summary["score"]["length_weighted_mean"]
    assert score is not None and score > 20
    assert "no lamp data: street lamps are not mapped" in result.summary["warnings"]


# --- real extracts without lamps -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lamps"),
    [
        ("oslo-skoyen_otp.osm.pbf", 0),
        ("baltimore_valhalla.osm.pbf", 0),
        ("lund_otp.osm.pbf", 10),
    ],
)
def test_real_extracts_without_lamps_are_not_dark(name: str, lamps: int) -> None:
    path = CITIES / name
    require(path.exists(), f"{path} is absent (../shared/data/cities sits beside the repository)")
    study = load_study(Inputs(osm=path), load_config())
    assert len(study.osm.lamps) == lamps
    result = analyse_lighting(
        study.osm.segments, study.osm.lamps, study.osm.public_spaces, LightingParams()
    )
    seg = result.segments
    cls = seg[CLASS_COLUMN]
    tagged_no = seg["lit_tag"].isin(list(LightingParams().lit_no_values))
    if lamps == 0:
        assert not cls[~tagged_no].isin([UNLIT, BELOW_P6]).any()
        assert result.summary()["no_lamp_data_share_of_walking_length"] > 0.9
    else:
        # Lund maps its lamps along the lit streets: the classes stay as measured
        assert not (cls == NO_LAMP_DATA).any()


def test_dark_paths_without_lamp_data_are_unknown_and_rank_last() -> None:
    segs = make_segments(
        [[(0, 0), (100, 0)], [(0, 50), (100, 50)]], lit=["yes", None], highway=["footway"] * 2
    )
    spaces = make_spaces([(-10, -10, 110, 60)], ["park"])
    res = analyse_lighting(segs, make_lamps([{"x": 500, "y": 500}]), spaces, LightingParams())
    assert res.segments[CLASS_COLUMN].tolist() == [LIT_NOT_MAPPED, NO_LAMP_DATA]
    assert set(res.dark_paths["light_evidence"]) == {
        "tagged lit, lamps not mapped",
        "no lamp data",
    }
    space = res.public_spaces.iloc[0]
    assert space["light_unknown_path_length_m"] == pytest.approx(200.0)
    assert space["light_dark_path_length_m"] == pytest.approx(0.0)
    assert np.isnan(space["light_share_p6_or_better"])
