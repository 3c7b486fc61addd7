"""The planners on real extracts of cities that are not Helsinki (``../shared/data/cities``,
© OpenStreetMap contributors, ODbL 1.0): Lund (10 mapped lamps, no park path) and
Oslo-Skøyen (no mapped lamp: the light is unknown on every metre).

Each test guards a finding of the trial on those cities: a plan of "0 new lamps, 0 % at
P6" printed as if measured, a register without rows that ``--lamps`` refuses, unknown
light weighed as lit without a word, a tenure plan without tenure data."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import CITIES, require

from safespaces.cli import main
from safespaces.config import load_config
from safespaces.lighting import LightingResult
from safespaces.lighting.illuminance import meets_p6
from safespaces.lighting.lamps import lamp_optics
from safespaces.plan import LuxState, candidate_lamps, plan_lamps
from safespaces.plan.lamps import _Singles
from safespaces.plan.report import lamp_plan_notes, light_known
from safespaces.stages import lighting_stage
from safespaces.study import Inputs, load_study


@pytest.fixture(scope="module")
def cities() -> Path:
    require(CITIES.is_dir(), f"{CITIES} is absent (it sits beside the repository in CI)")
    return CITIES


@pytest.fixture(scope="module")
def lund(cities: Path) -> Path:
    return cities / "lund_otp.osm.pbf"


@pytest.fixture(scope="module")
def oslo(cities: Path) -> Path:
    return cities / "oslo-skoyen_otp.osm.pbf"


@pytest.fixture(scope="module")
def lund_lighting(lund: Path) -> LightingResult:
    """The lighting result of the Lund extract (about 1 s)."""
    return lighting_stage(load_study(Inputs(osm=lund), load_config(None, [])), None)[0]


def test_unmapped_lamps_plan_says_unknown_and_writes_no_register(
    oslo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Oslo-Skøyen maps no lamp: no candidate, and the plan says the light is unknown
    (with the fix) instead of a bare "0 new lamps"; no unreadable register is left,
    not even an earlier plan's."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan_lamps_register.csv").write_text("lamp_id,lon,lat\nold,10.67,59.92\n")
    assert main(["plan", "lamps", "--budget", "3", "--osm", str(oslo), "--out", str(out)]) == 0
    summary = json.loads((out / "plan_lamps_summary.json").read_text())
    assert summary["candidates"] == 0 and summary["proposed"] == 0
    # every metre is 'no lamp data' (95.9 %) or 'lit, lamps not mapped' (4.1 %)
    assert summary["light_unknown_share"] == pytest.approx(1.0)
    assert summary["light_unknown_m"] == pytest.approx(summary["walking_length_m"], abs=0.2)
    assert "unknown" in summary["note"] and "--lamps" in summary["note"]
    assert not (out / "plan_lamps_register.csv").exists()
    printed = capsys.readouterr().out
    assert "light unknown on 100.0% of the walking length" in printed
    assert "note: no lamp proposed" in printed and "plan_lamps_register.csv" not in printed


def test_where_parks_without_park_paths_says_so(lund_lighting: LightingResult) -> None:
    """Lund's extract has no park path: ``--where parks`` names that and the fix; the dark
    length elsewhere is the lighting's own."""
    plan = plan_lamps(lund_lighting, 3, where="parks")
    info = lamp_plan_notes(lund_lighting, plan.summary)
    assert plan.summary["candidates"] == 0
    assert "no walking segment of the study lies in a park" in info["note"]
    assert "--where all" in info["note"]
    seg = lund_lighting.segments
    dark = seg["light_class"].isin(["below P6", "unlit"]).to_numpy()
    assert light_known(seg)["dark_m"] == pytest.approx(seg.geometry.length[dark].sum(), abs=0.1)
    full = lamp_plan_notes(lund_lighting, plan_lamps(lund_lighting, 2).summary)
    assert full["note"] is None  # the whole budget proposed


def test_lund_plan_rerun_and_random_placements(
    lund: Path, lund_lighting: LightingResult, tmp_path: Path
) -> None:
    """The must-show on a city that is not Helsinki: the proposals plus Lund's lamps as a
    register, re-run through ``safespaces lighting``, lift the stated length (within 5 %),
    and beat the best of 100 random placements on dark segments."""
    out = tmp_path / "plan"
    assert main(["plan", "lamps", "--budget", "5", "--osm", str(lund), "--out", str(out)]) == 0
    summary = json.loads((out / "plan_lamps_summary.json").read_text())
    register = pd.read_csv(out / "plan_lamps_register.csv")
    assert (register["planned"] == "no").sum() == len(lund_lighting.lamps) == 10
    after = tmp_path / "after"
    args = ["lighting", "--osm", str(lund), "--lamps", str(out / "plan_lamps_register.csv")]
    assert main([*args, "--out", str(after)]) == 0
    seg = gpd.read_file(after / "safespaces.gpkg", layer="street_segments")
    rerun = float(seg.geometry.length[meets_p6(seg["light_class"])].sum())
    assert summary["gain_m"] > 500  # five lamps lift 0.35 -> 1.03 km in Lund
    assert rerun - summary["p6_length_before_m"] == pytest.approx(summary["gain_m"], rel=0.05)
    cand = candidate_lamps(lund_lighting)
    state = LuxState(lund_lighting.segments, lund_lighting.lamps, lund_lighting.params)
    one = _Singles(lamp_optics(cand))
    rng = np.random.default_rng(5)
    best = 0.0
    for _ in range(100):
        trial = state.copy()
        best = max(best, sum(trial.add(one[int(k)]) for k in rng.choice(len(cand), 5, False)))
    assert summary["gain_m"] > best
