"""IncidentResult's family interface and the steps of analyse_incidents."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces.incidents.analysis import IncidentResult, analyse_incidents
from safespaces.incidents.density import (
    DENSITY_NAME,
    privacy_tags,
    remove_density,
)
from safespaces.incidents.hotspots import CLASSES
from safespaces.incidents.params import IncidentParams
from safespaces.incidents.report import COLD_CLASSES, HOT_CLASSES

X0, Y0 = 385000.0, 6672000.0


def _result() -> IncidentResult:
    areas = gpd.GeoDataFrame(
        {"area_id": [0, 1], "name": ["a", "b"], "residents": [100, 200]},
        geometry=[
            shapely.box(X0, Y0, X0 + 300, Y0 + 300),
            shapely.box(X0 + 300, Y0, X0 + 600, Y0 + 300),
        ],
        crs=3067,
    )
    rng = np.random.default_rng(0)
    n = 12
    xy = np.column_stack([X0 + rng.uniform(10, 590, n), Y0 + rng.uniform(10, 290, n)])
    points = gpd.GeoDataFrame(
        {
            "time": pd.Timestamp("2025-03-01 12:00", tz="Europe/Helsinki")
            + pd.to_timedelta(np.arange(n) * 7, unit="h"),
            "hour_known": np.ones(n, bool),
            "category": ["theft"] * n,
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=3067,
    )
    return analyse_incidents(points, None, areas, IncidentParams(hotspot_permutations=0))


def test_summary_and_metadata_are_the_run_entries() -> None:
    result = _result()
    summary, metadata = result.summary(), result.metadata()
    assert summary["in study area"] == 12 and summary["outside study area"] == 0
    assert metadata["incidents_summary"] == summary
    assert metadata["incidents_privacy"]["k_min"] == 5
    layers = result.layers()
    assert set(layers) == {
        "areas",
        "incident_hotspots",
        "incident_environment",
        "incident_model",
        "incident_summary",
    }
    table = layers["incident_summary"]
    rows = dict(zip(table["item"], table["value"], strict=True))
    assert rows["in study area"] == "12"


def test_merge_takes_one_part_and_refuses_partitions() -> None:
    result = _result()
    assert IncidentResult.merge([result]) is result
    with pytest.raises(ValueError, match="suppression is joint"):
        IncidentResult.merge([result, result])
    with pytest.raises(ValueError, match="cannot merge 0"):
        IncidentResult.merge([])


def test_assemble_keeps_the_raw_opt_in() -> None:
    result = _result()
    again = IncidentResult.assemble(
        areas=result.areas,
        segments=None,
        hotspots=result.hotspots,
        environment=result.environment,
        model=result.model,
        density=result.density,
        summary=result.summary(),
        metadata=result.metadata(),
        points=result.points,
        include_raw_points=True,
    )
    assert "incident_points" in again.layers() and "incident_points" not in result.layers()


def test_hot_and_cold_classes_come_from_the_hotspot_vocabulary() -> None:
    assert set(HOT_CLASSES) | set(COLD_CLASSES) | {CLASSES[len(CLASSES) // 2]} == set(CLASSES)
    assert all("hot" in c for c in HOT_CLASSES) and all("cold" in c for c in COLD_CLASSES)
    assert len(HOT_CLASSES) == len(COLD_CLASSES) == 2


def test_density_tags_and_stale_files(tmp_path: Path) -> None:
    privacy = {"k_min": 7, "density_masked_below_k": True}
    assert privacy_tags(privacy, synthetic=False) == {
        "k_min": 7,
        "masked_below_k": True,
        "synthetic": False,
    }
    stem = Path(DENSITY_NAME).stem
    for suffix in (".tif", ".qml", ".tif.aux.xml"):
        (tmp_path / f"{stem}{suffix}").write_text("x")
    (tmp_path / "other.tif").write_text("x")
    removed = remove_density(tmp_path)
    assert sorted(p.name for p in removed) == sorted(
        f"{stem}{s}" for s in (".tif", ".qml", ".tif.aux.xml")
    )
    assert [p.name for p in tmp_path.iterdir()] == ["other.tif"]
