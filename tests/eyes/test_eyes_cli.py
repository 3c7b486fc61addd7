"""The ``safespaces eyes`` subcommand on the toy town."""

from __future__ import annotations

import json

import numpy as np
import pyogrio
import pytest
from eyes_fixtures import TOYTOWN

from safespaces.cli import main
from safespaces.eyes.analysis import HOUR_COLUMNS


def test_eyes_writes_street_segments(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(
        ["eyes", "--osm", str(TOYTOWN), "--weekday", "saturday", "--out", str(out),
         "--set", "network.max_segment_m=51"]
    )  # fmt: skip
    assert status == 0
    frame = pyogrio.read_dataframe(out / "safespaces.gpkg", layer="street_segments")
    assert len(frame) == 8
    expected = ["eyes_day", "eyes_evening", "eyes_night", "eyes_explain", "eyes_frontage_share"]
    for column in [*HOUR_COLUMNS, *expected, "eyes_flow_800m", "eyes_light", "light_class"]:
        assert column in frame
    assert ((frame[HOUR_COLUMNS] >= 0) & (frame[HOUR_COLUMNS] <= 100)).to_numpy().all()
    summary = json.loads((out / "eyes_summary.json").read_text())
    assert summary["weekday"] == "Sa"
    assert summary["premises_opening_hours_unparsed"] == 1
    # the darkness table of the reference week, not a fixed window
    assert summary["dark_hours"] == [0, 1, 2, 3, 4, 5, 19, 20, 21, 22, 23]
    assert "eyes (Sa)" in capsys.readouterr().out
    assert np.isfinite(frame["eyes_night"]).all()


def test_bad_weekday_exits_2(tmp_path, capsys):
    status = main(["eyes", "--osm", str(TOYTOWN), "--weekday", "someday", "--out", str(tmp_path)])
    assert status == 2
    assert "not a day of the week" in capsys.readouterr().err


def test_residents_from_a_real_tenure_file_replace_the_estimate():
    import dataclasses

    import geopandas as gpd
    import shapely
    from eyes_fixtures import load_toytown

    from safespaces.stages import residents_from_tenure

    study = load_toytown()
    homes = study.osm.buildings[study.osm.buildings["building"] == "apartments"]
    tenure = gpd.GeoDataFrame(
        {"osm_building_id": [int(homes["osm_id"].iloc[0])], "dwellings": [30.0]},
        geometry=[shapely.Point(0, 0)],
        crs=study.crs,
    )
    real = residents_from_tenure(dataclasses.replace(study, tenure=tenure, synthetic=[]))
    # 30 dwellings x 1.8 persons = 54 replace the estimate of 80; others keep theirs
    assert real[homes.index[0]] == pytest.approx(54.0)
    others = study.osm.buildings.index != homes.index[0]
    np.testing.assert_allclose(real[others], study.osm.buildings["residents_est"][others])
    synthetic = dataclasses.replace(study, tenure=tenure, synthetic=["tenure"])
    np.testing.assert_allclose(
        residents_from_tenure(synthetic), study.osm.buildings["residents_est"]
    )
