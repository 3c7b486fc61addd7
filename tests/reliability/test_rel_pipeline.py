"""Inputs that load but stress the later stages of ``safespaces run``.

Each runs the CLI as a user would (a subprocess, default warning settings). These were
bugs found here outside the loaders; each test now guards its fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from safespaces.commands.run import short_summary
from safespaces.config import Config

K = Config().incidents.k_min


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safespaces", "run", *args, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        timeout=180,
    )


def test_single_tenure_category_does_not_crash_the_summary() -> None:
    # what `run` reports when the tenure file has one category only (the multigroup indices
    # are undefined): checked on the summary printer, a full run takes 7 s
    mix = {"multigroup_dissimilarity": None, "theil_h": None}
    lines = short_summary({"areas": 40, "mix": mix})
    assert any(line.startswith("social mix:") for line in lines)


def test_areas_outside_the_extract_are_refused(tmp_path: Path) -> None:
    areas = tmp_path / "areas_tampere.geojson"
    gpd.GeoDataFrame(
        {"name": ["Tampere"]}, geometry=[shapely.box(23.7, 61.49, 23.8, 61.51)], crs=4326
    ).to_file(areas)
    done = run_cli(tmp_path, "--areas", str(areas))
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 2
    assert "areas_tampere.geojson" in done.stderr and "Fix:" in done.stderr


@pytest.fixture(scope="module")
def few_incidents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with 3 incidents (fewer than k = 5) in the study area."""
    tmp = tmp_path_factory.mktemp("few")
    csv = tmp / "incidents_three.csv"
    csv.write_text(
        "lon,lat,time,category\n"
        "24.945,60.170,2025-01-10T12:00:00,theft\n"
        "24.940,60.168,2025-02-11T13:00:00,theft\n"
        "24.948,60.172,2025-03-12T14:00:00,theft\n",
        "utf-8",
    )
    done = run_cli(tmp, "--incidents", str(csv))
    assert done.returncode == 0, done.stderr[-2000:]
    return tmp / "out" / "safespaces.gpkg"


COUNT_ITEMS = ("incidents read", "in study area", "outside study area", "by light window.")


def test_study_totals_below_k_are_not_published(few_incidents: Path) -> None:
    summary = pyogrio.read_dataframe(few_incidents, layer="incident_summary")
    rows = summary[summary["item"].str.startswith(COUNT_ITEMS)]
    values = rows["value"].astype(float).dropna()
    assert not ((values > 0) & (values < K)).any(), rows.to_string()


def test_environment_cells_cannot_be_derived_from_the_total(few_incidents: Path) -> None:
    env = pyogrio.read_dataframe(few_incidents, layer="incident_environment")
    summary = pyogrio.read_dataframe(few_incidents, layer="incident_summary")
    total = float(summary.loc[summary["item"] == "in study area", "value"].astype(float).iloc[0])
    assert np.isnan(total)  # 3 < k: the study total itself is suppressed
    # and no cell of the breakdown is published, so nothing can be derived
    assert env["incidents"].astype(float).fillna(0).sum() == 0
    assert env.loc[env["incidents"].isna(), "incidents_suppressed"].all()
