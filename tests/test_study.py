"""The study loader's areas-only mode, the metric-CRS rule and the synthetic-data rule."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces.config import Config, GeneralParams
from safespaces.crs import layer_crs
from safespaces.errors import InputError, SettingError
from safespaces.study import Inputs, is_synthetic, load_study
from safespaces.synthetic import INCIDENT_FILE

X0, Y0 = 385000.0, 6672000.0


def _areas(path: Path, crs: int = 4326) -> Path:
    boxes = [shapely.box(X0 + i * 500, Y0, X0 + i * 500 + 500, Y0 + 500) for i in range(2)]
    frame = gpd.GeoDataFrame(
        {"name": ["West", "East"], "ara": [3, 4]}, geometry=boxes, crs=3067
    ).to_crs(crs)
    frame.to_file(path)
    return path


def _incidents(path: Path, synthetic: str | None = None) -> Path:
    lonlat = gpd.GeoSeries(
        gpd.points_from_xy([X0 + 100, X0 + 600], [Y0 + 100, Y0 + 100]), crs=3067
    ).to_crs(4326)
    frame = pd.DataFrame(
        {
            "lon": lonlat.x,
            "lat": lonlat.y,
            "time": ["2025-03-01T22:00:00", "2025-03-02T12:00:00"],
            "category": ["theft", "theft"],
        }
    )
    if synthetic is not None:
        frame["synthetic"] = synthetic
    frame.to_csv(path, index=False)
    return path


def test_areas_only_reads_no_street_network_and_projects_everything(tmp_path: Path) -> None:
    inputs = Inputs(
        areas=_areas(tmp_path / "areas.geojson"), incidents=_incidents(tmp_path / "inc.csv")
    )
    study = load_study(inputs, Config(), areas_only=True)
    assert not study.has_streets
    assert study.crs.to_epsg() == 3067  # Helsinki: ETRS-TM35FIN
    assert study.areas.crs == study.crs and len(study.areas) == 2
    assert study.osm.segments.empty and study.osm.buildings.empty
    np.testing.assert_allclose(study.osm.bounds, (X0, Y0, X0 + 1000, Y0 + 500), atol=1e-3)
    assert study.incidents is not None and study.incidents.points.crs == study.crs
    np.testing.assert_allclose(study.incidents.points.geometry.x, [X0 + 100, X0 + 600], atol=1e-3)
    assert "residents_est" not in study.areas  # no buildings to estimate them from
    assert study.synthetic == []


def test_areas_only_is_ignored_when_an_extract_is_given(tmp_path: Path) -> None:
    from safespaces.synthetic import DEFAULT_OSM

    study = load_study(Inputs(osm=DEFAULT_OSM), Config(), areas_only=True)
    assert study.has_streets and len(study.osm.segments) > 0


def test_areas_only_without_areas_names_both_options(tmp_path: Path) -> None:
    inputs = Inputs(incidents=_incidents(tmp_path / "inc.csv"))
    with pytest.raises(InputError, match="no areas and no street network"):
        load_study(inputs, Config(), areas_only=True)


def test_areas_only_honours_and_checks_general_crs(tmp_path: Path) -> None:
    areas = _areas(tmp_path / "areas.geojson")
    config = Config().replace(general=GeneralParams(crs="EPSG:32635"))
    study = load_study(Inputs(areas=areas), config, areas_only=True)
    assert study.crs.to_epsg() == 32635
    far = Config().replace(general=GeneralParams(crs="EPSG:28356"))  # Sydney
    with pytest.raises(SettingError, match="general.crs"):
        load_study(Inputs(areas=areas), far, areas_only=True)


def test_layer_crs_uses_the_setting_or_the_centre() -> None:
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(-73.99, 40.73)], crs=4326)  # New York
    assert layer_crs(frame).to_epsg() == 32618
    assert layer_crs(frame, "EPSG:2263").to_epsg() == 2263


def test_synthetic_is_the_demo_file_or_rows_that_say_so(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1]})
    assert is_synthetic(INCIDENT_FILE, INCIDENT_FILE, frame)
    assert not is_synthetic(tmp_path / "real.csv", INCIDENT_FILE, frame)
    flagged = pd.DataFrame({"synthetic": ["False", "TRUE"]})
    assert is_synthetic(tmp_path / "copy.csv", INCIDENT_FILE, flagged)
    assert not is_synthetic(tmp_path / "copy.csv", INCIDENT_FILE, flagged.iloc[:1])
    inputs = Inputs(
        areas=_areas(tmp_path / "areas.geojson"),
        incidents=_incidents(tmp_path / "inc.csv", synthetic="true"),
    )
    assert load_study(inputs, Config(), areas_only=True).synthetic == ["incidents"]
