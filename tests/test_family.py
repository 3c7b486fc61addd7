"""Every family result has the same small interface (:mod:`safespaces.family`).

The toy town (tests/data/toytown.osm, eight 50 m segments) is cut into two
halves by segment; each half is analysed whole (the toy town is smaller than
any halo) and keeps its own rows, and ``merge`` must give the whole town's
result.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces import stages
from safespaces.config import Config, NetworkParams
from safespaces.darkness import darkness_hours, study_latlon
from safespaces.eyes import EyesParams, EyesResult, analyse_eyes
from safespaces.family import FamilyResult
from safespaces.lighting import LightingParams, LightingResult, analyse_lighting
from safespaces.mix import MixParams, MixResult, analyse_mix
from safespaces.mix.buildings import analyse_neighbourhoods
from safespaces.pipeline import Inputs, Study, load_study
from safespaces.stages import StageOutput

P = EyesParams()
TOYTOWN = Path(__file__).resolve().parent / "data" / "toytown.osm"


@pytest.fixture(scope="module")
def town() -> Study:
    # a 51 m limit splits each 100 m street into two 50 m segments (tests/eyes)
    return load_study(
        Inputs(osm=TOYTOWN), Config().replace(network=NetworkParams(max_segment_m=51.0))
    )


@pytest.fixture(scope="module")
def lit(town) -> LightingResult:
    osm = town.osm
    return analyse_lighting(osm.segments, osm.lamps, osm.public_spaces, LightingParams())


def halves(n: int) -> list[np.ndarray]:
    first = np.zeros(n, dtype=bool)
    first[: n // 2] = True
    return [first, ~first]


def test_every_family_result_has_the_interface(town, lit) -> None:
    osm = town.osm
    eyes = analyse_eyes(osm.segments, osm.buildings, osm.pois, osm.entrances, P)
    areas = pd.DataFrame({"a": [5, 10, 20], "b": [15, 10, 0]})
    mix = analyse_mix(areas, ["a", "b"], params=MixParams(permutations=0))
    for result in (lit, eyes, mix):
        assert isinstance(result, FamilyResult)
        out = StageOutput.of(result)
        assert out.layers.keys() == result.layers().keys()
        assert out.summary == result.summary()
    assert lit.metadata() == {"lighting_summary": lit.summary()}
    assert eyes.metadata() == {"eyes_summary": eyes.summary()}
    assert eyes.summary()["weekday"] == "Fr"
    assert mix.metadata() == {"mix_summary": mix.indices}
    assert "meta" in mix.indices and "meta" not in mix.summary()
    assert list(mix.layers()) == ["areas", "mix_summary"]


def test_lighting_merge_of_halves_is_the_whole(town, lit) -> None:
    osm = town.osm
    parts = []
    for mask in halves(len(osm.segments)):
        ids = osm.segments["segment_id"].to_numpy()[mask]
        part = analyse_lighting(
            osm.segments, osm.lamps, osm.public_spaces, LightingParams(), darkness=lit.darkness
        )
        lamps = np.zeros(len(part.lamps), dtype=bool) if mask[0] else np.ones(len(part.lamps), bool)
        spaces = np.full(len(part.public_spaces), not mask[0])
        core = part.core(mask, lamps, spaces)
        assert set(core.dark_paths["segment_id"]) <= set(ids)
        parts.append(core)
    merged = LightingResult.merge(parts, osm.segments, LightingParams().sample_spacing_m)
    for name, layer in lit.layers().items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(merged.layers()[name]), pd.DataFrame(layer), check_exact=True, obj=name
        )
    with pytest.raises(ValueError, match="no partition results"):
        LightingResult.merge([], osm.segments, 2.0)


def test_eyes_merge_of_halves_is_the_whole(town) -> None:
    osm = town.osm
    whole = analyse_eyes(osm.segments, osm.buildings, osm.pois, osm.entrances, P)
    parts = [whole.core(mask) for mask in halves(len(osm.segments))]
    assert [len(p.segments) for p in parts] == [4, 4]
    merged = EyesResult.merge(parts[::-1], osm.pois, P)  # any order: rows by index
    pd.testing.assert_frame_equal(merged.segments, whole.segments, check_exact=True)
    assert merged.summary() == whole.summary()
    night = EyesResult(parts[1].segments, tuple([True] * 24), 0, 0)
    with pytest.raises(ValueError, match="different dark hours"):
        EyesResult.merge([parts[0], night], osm.pois, P)


def tenure_buildings() -> gpd.GeoDataFrame:
    """Four buildings on a line 100 m apart; a street joins them."""
    xy = [(0.0, 0.0), (100.0, 0.0), (200.0, 0.0), (300.0, 0.0)]
    return gpd.GeoDataFrame(
        {"tenure_a": [10, 0, 5, 20], "tenure_b": [0, 10, 5, 0]},
        geometry=[shapely.Point(x, y + 5.0).buffer(2.0) for x, y in xy],
        crs="EPSG:3067",
    )


def street() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"u": [1, 2, 3], "v": [2, 3, 4], "length_m": [100.0, 100.0, 100.0]},
        geometry=[shapely.LineString([(x, 0), (x + 100, 0)]) for x in (0.0, 100.0, 200.0)],
        crs="EPSG:3067",
    )


def test_mix_merge_of_neighbourhood_parts() -> None:
    tenure, groups = tenure_buildings(), ["tenure_a", "tenure_b"]
    params = MixParams(radii_m=(150.0,), min_dwellings=1)
    whole = analyse_neighbourhoods(street(), tenure, groups, params)
    assert whole.neighbourhoods is not None
    # building 0 reaches building 1 (100 m + 2 x 5 m access): 10 a + 10 b dwellings
    assert whole.neighbourhoods["mix_simpson_150m"].iloc[0] == pytest.approx(0.5)
    city = tenure[groups].sum().to_numpy(float)
    parts = [
        analyse_neighbourhoods(street(), tenure, groups, params, city=city, core=mask)
        for mask in halves(len(tenure))
    ]
    merged = MixResult.merge(parts[::-1], tenure.index)
    layer = merged.layers()["mix_neighbourhoods"]
    pd.testing.assert_frame_equal(layer, whole.layers()["mix_neighbourhoods"], check_exact=True)
    assert list(merged.layers()) == ["areas", "mix_summary", "mix_neighbourhoods"]
    with pytest.raises(ValueError, match="every tenure building once"):
        MixResult.merge(parts[:1], tenure.index)
    areas = analyse_mix(pd.DataFrame({"a": [5, 10], "b": [15, 10]}), ["a", "b"])
    both = MixResult.merge([areas, *parts], tenure.index)
    assert both.indices == areas.indices and both.neighbourhoods is not None
    with pytest.raises(ValueError, match="more than one part holds areas"):
        MixResult.merge([areas, areas])


def test_one_darkness_table_serves_lighting_and_eyes_of_different_years(town) -> None:
    """lighting.darkness_year 2025, eyes' reference week in 2026: the study's one table
    holds both years, and each family reads what it read from its own table before."""
    config = town.config.replace(lighting=LightingParams(darkness_year=2025))
    study = dataclasses.replace(town, config=config)
    table = stages.study_darkness(study)
    assert sorted({d.year for d in table["date"]}) == [2025, 2026]
    light, _ = stages.lighting_stage(study, None, darkness=table)
    eyes, _ = stages.eyes_stage(study, light.segments, darkness=table)
    place = study_latlon(town.osm.segments)
    pd.testing.assert_frame_equal(light.darkness, darkness_hours(*place, 2025))
    osm = town.osm
    alone = analyse_eyes(
        light.segments,
        osm.buildings.assign(residents=stages.residents_from_tenure(study)),
        osm.pois,
        osm.entrances,
        config.eyes,
        lighting=light.segments,
        darkness=darkness_hours(*place, 2026),
    )
    assert eyes.dark == alone.dark and any(eyes.dark) and not all(eyes.dark)
    pd.testing.assert_frame_equal(eyes.segments, alone.segments, check_exact=True)
