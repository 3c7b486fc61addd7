"""Parks and squares: lit share of their paths, dark stretches, the whole analysis."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from lighting_fixtures import make_lamps, make_segments, make_spaces, point_source

from safespaces.errors import ConfigError
from safespaces.lighting import (
    LightingParams,
    analyse_lighting,
    dark_paths,
    lamp_model,
    public_space_lighting,
)
from safespaces.lighting.spaces import empty_dark_paths

P = point_source()  # isotropic lamps, MF = 1, centre line: the closed forms below hold


@pytest.fixture
def park():
    # a 200 m path through a 100 m park (x 50..150), one bright lamp at x = 60
    segs = make_segments(
        [[(0, 0), (200, 0)], [(100, -20), (100, 20)]],
        lit=["yes", "no"],
        highway=["footway", "footway"],
    )
    spaces = make_spaces([(50, -30, 150, 30), (1000, 1000, 1100, 1100)], ["park", "square"])
    lamps = make_lamps([{"x": 60, "y": 0, "height_m": 4.0, "intensity_cd": 600.0}])
    return segs, spaces, lamp_model(lamps, segs, spaces, P)


def test_path_length_and_share(park):
    segs, spaces, lamps = park
    out = public_space_lighting(spaces, segs, lamps, P)
    row = out.iloc[0]
    assert row["light_path_length_m"] == pytest.approx(100 + 40, abs=2.5)
    assert 0 <= row["light_share_p6_or_better"] <= 1
    assert row["light_dark_path_length_m"] > 0
    assert out.iloc[1]["light_path_length_m"] == 0.0
    assert np.isnan(out.iloc[1]["light_share_p6_or_better"])


def test_dark_paths_are_the_dark_stretches(park):
    segs, spaces, lamps = park
    dark = dark_paths(spaces, segs, lamps, P)
    assert len(dark) >= 1
    assert dark["dark_rank"].tolist() == list(range(1, len(dark) + 1))
    assert (dark["length_m"] >= P.dark_min_length_m).all()
    assert (dark["light_lux_max"] < P.dark_lux).all()
    assert dark.geom_type.eq("LineString").all()
    assert dark.crs == segs.crs
    assert set(dark["space_id"]) == {0}
    # every dark stretch lies inside the park
    assert dark.geometry.within(spaces.geometry.iloc[0].buffer(1e-6)).all()
    # the main path is dark from where the lamp's light falls below 0.4 lx to the park edge
    main = dark[dark["segment_id"] == 0]
    # E(d) = 600 * 4 / (16 + d^2)^1.5 < 0.4 for d > ~18.1 m: from x ~ 78 to 150
    assert main["length_m"].sum() == pytest.approx(150 - 78.1, abs=2.5)


def test_analyse_lighting_result(park):
    segs, spaces, _ = park
    lamps = make_lamps([{"x": 60, "y": 0, "height_m": 4.0, "intensity_cd": 600.0}])
    res = analyse_lighting(segs, lamps, spaces, P)
    assert {"light_lux_avg", "light_class", "light_tag_conflict"} <= set(res.segments.columns)
    assert "light_share_p6_or_better" in res.public_spaces.columns
    assert res.class_shares["share"].sum() == pytest.approx(1.0)
    assert res.conflicts["segments"].sum() == len(segs)
    assert len(res.darkness) == 365
    layers = res.layers()
    assert {"street_segments", "lamps", "public_spaces", "dark_paths", "light_darkness"} <= set(
        layers
    )
    md = res.summary_markdown()
    assert "| P6 |" in md
    assert "lit_yes_no_lamps" in md


def test_coarse_settings_are_refused(park):
    segs, spaces, lamps = park
    with pytest.raises(ConfigError, match="sample_spacing_m"):
        analyse_lighting(segs, lamps, spaces, LightingParams(sample_spacing_m=5.0))
    with pytest.raises(ConfigError, match="raster_cell_m"):
        analyse_lighting(segs, lamps, spaces, LightingParams(raster_cell_m=10.0))


def test_dark_stretch_on_unmapped_lit_path_ranks_last():
    segs = make_segments(
        [[(0, 0), (100, 0)], [(0, 50), (100, 50)]],
        lit=["yes", None],
        highway=["footway", "footway"],
    )
    spaces = make_spaces([(-10, -10, 110, 60)], ["park"])
    lamps = make_lamps([{"x": 500, "y": 500}])  # out of reach of both paths
    # coverage_min 0: the lamp data count as complete (else the untagged path is 'no lamp data')
    res = analyse_lighting(segs, lamps, spaces, dataclasses.replace(P, coverage_min=0.0))
    dark = res.dark_paths
    assert dark["segment_id"].tolist() == [1, 0]
    assert dark["light_evidence"].tolist() == ["mapped lamps", "tagged lit, lamps not mapped"]
    space = res.public_spaces.iloc[0]
    assert space["light_unknown_path_length_m"] == pytest.approx(100.0)
    assert space["light_dark_path_length_m"] == pytest.approx(100.0)
    assert space["light_share_p6_or_better"] == 0.0


def test_dark_paths_join_segments_and_spaces_in_the_geopackage(default_output: Path) -> None:
    """``dark_paths.segment_id`` / ``space_id`` have the types of the keys they refer to
    (both INTEGER in the GeoPackage), and every dark path finds its segment and space."""
    gpkg = default_output / "safespaces.gpkg"
    dark = pyogrio.read_dataframe(gpkg, layer="dark_paths")
    segs = pyogrio.read_dataframe(gpkg, layer="street_segments", read_geometry=False)
    spaces = pyogrio.read_dataframe(gpkg, layer="public_spaces", read_geometry=False)
    assert len(dark) > 50
    assert dark["segment_id"].dtype == segs["segment_id"].dtype == np.int64
    assert dark["space_id"].dtype == spaces["space_id"].dtype == np.int64
    assert dark["segment_id"].isin(segs["segment_id"]).all()
    assert dark["space_id"].isin(spaces["space_id"]).all()


def test_empty_dark_paths_keep_integer_ids() -> None:
    empty = empty_dark_paths("EPSG:3067")
    assert empty["segment_id"].dtype == np.int64 and empty["space_id"].dtype == np.int64
