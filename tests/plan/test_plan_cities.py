"""The planners on real extracts of cities that are not Helsinki (``../shared/data/cities``,
© OpenStreetMap contributors, ODbL 1.0): Lund (10 mapped lamps, no park path) and
Oslo-Skøyen (no mapped lamp: the light is unknown on every metre).

Each test guards a finding of the trial on those cities: a plan of "0 new lamps, 0 % at
P6" printed as if measured, a register without rows that ``--lamps`` refuses, unknown
light weighed as lit without a word, a tenure plan without tenure data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CITIES, require
from plan_eyes import eyes_model

from safespaces.cli import main
from safespaces.config import load_config
from safespaces.errors import InputError
from safespaces.eyes import EyesResult
from safespaces.lighting import LightingResult
from safespaces.lighting.illuminance import meets_p6
from safespaces.lighting.lamps import lamp_optics
from safespaces.plan import LuxState, candidate_lamps, plan_lamps
from safespaces.plan.greedy import Singles as _Singles
from safespaces.plan.hours import HoursParams, need_weighted_dark_eyes, plan_hours, segment_need
from safespaces.plan.report import lamp_plan_notes, light_known
from safespaces.stages import lighting_stage, residents_from_tenure, study_darkness
from safespaces.study import Inputs, Study, load_study


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
def lund_study(lund: Path) -> Study:
    return load_study(Inputs(osm=lund), load_config(None, []))


@pytest.fixture(scope="module")
def lund_lighting(lund_study: Study) -> LightingResult:
    """The lighting result of the Lund extract (about 1 s)."""
    return lighting_stage(lund_study, None)[0]


@pytest.fixture(scope="module")
def lund_eyes(lund_study: Study, lund_lighting: LightingResult) -> Callable[..., EyesResult]:
    """The eyes model of the Lund extract for given premises (as ``plan hours`` runs it)."""
    return eyes_model(lund_study, lund_lighting, study_darkness(lund_study))[1]


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
    plan = plan_lamps(lund_lighting, 3, where="parks", exact_seconds=0)
    info = lamp_plan_notes(lund_lighting, plan.summary)
    assert plan.summary["candidates"] == 0
    assert "no walking segment of the study lies in a park" in info["note"]
    assert "--where all" in info["note"]
    seg = lund_lighting.segments
    dark = seg["light_class"].isin(["below P6", "unlit"]).to_numpy()
    assert light_known(seg)["dark_m"] == pytest.approx(seg.geometry.length[dark].sum(), abs=0.1)
    full = lamp_plan_notes(lund_lighting, plan_lamps(lund_lighting, 2, exact_seconds=0).summary)
    assert full["note"] is None  # the whole budget proposed


def test_lund_plan_rerun_and_random_placements(
    lund: Path, lund_lighting: LightingResult, tmp_path: Path
) -> None:
    """The must-show on a city that is not Helsinki: the proposals plus Lund's lamps as a
    register, re-run through ``safespaces lighting``, lift the stated length (within 5 %),
    and beat the best of 100 random placements on dark segments."""
    out = tmp_path / "plan"
    args = ["plan", "lamps", "--budget", "5", "--exact-seconds", "5", "--osm", str(lund)]
    assert main([*args, "--out", str(out)]) == 0
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


def test_hours_on_lund_rerun_by_the_eyes_model(
    lund_study: Study, lund_eyes: Callable[..., EyesResult]
) -> None:
    """``plan hours`` on Lund: the eyes model re-run with the proposed hours rises by the
    stated gain; the summary says how much of the length has unknown light (47.6 %:
    'lit, lamps not mapped'), which the need weighs as lit."""
    study = lund_study
    buildings = study.osm.buildings.assign(residents=residents_from_tenure(study))
    before = lund_eyes(study.osm.pois)
    plan = plan_hours(
        before, study.osm.pois, study.osm.entrances, buildings, budget=5, eyes=study.config.eyes
    )
    assert len(plan.proposals) == 5 and plan.note is None
    after = lund_eyes(plan.proposed_premises(study.osm.pois))
    need = segment_need(before.segments, buildings, study.config.eyes, HoursParams())["need"]
    rise = need_weighted_dark_eyes(after.segments, need, after.dark) - need_weighted_dark_eyes(
        before.segments, need, before.dark
    )
    assert plan.gain > 0.05 and rise == pytest.approx(plan.gain, rel=1e-6)
    assert plan.summary()["light_unknown_share"] == pytest.approx(0.4765, abs=1e-4)
    assert plan.summary()["premises"] == 12 and plan.candidates == 10


def test_hours_refuses_to_rank_without_residents(
    lund_study: Study, lund_eyes: Callable[..., EyesResult]
) -> None:
    """No buildings with residents (a roads-only extract): every street's need is 0, and
    the planner used to propose premises with gains of exactly 0 and M = 0 -> 0."""
    study = lund_study
    before = lund_eyes(study.osm.pois)
    with pytest.raises(InputError, match="no residents within 400 m.*building=") as err:
        plan_hours(before, study.osm.pois, study.osm.entrances, None, budget=5)
    assert err.value.column == "residents"


def test_hours_stops_at_zero_gain_and_says_why(
    lund_study: Study, lund_eyes: Callable[..., EyesResult]
) -> None:
    """With lit streets weighing 0, premises on them add nothing: the greedy stops there
    instead of filling the budget with gains of 0; no premises at all says so."""
    study = lund_study
    buildings = study.osm.buildings.assign(residents=residents_from_tenure(study))
    before = lund_eyes(study.osm.pois)
    plan = plan_hours(
        before,
        study.osm.pois,
        study.osm.entrances,
        buildings,
        budget=10,
        eyes=study.config.eyes,
        params=HoursParams(lit_weight=0.0),
    )
    assert 0 < len(plan.proposals) < plan.candidates == 10
    assert (plan.proposals["gain"] > 0).all()
    assert plan.note is not None and "adds nothing" in plan.note
    none = plan_hours(before, None, study.osm.entrances, buildings, budget=3)
    assert none.candidates == 0 and "the study has no premises" in str(none.note)


def test_hours_cli_on_oslo_says_the_light_is_unknown(
    oslo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Oslo-Skøyen maps no lamp: the need cannot tell dark streets, and the output says so."""
    out = tmp_path / "out"
    argv = ["plan", "hours", "--budget", "3", "--osm", str(oslo), "--out", str(out)]
    assert main(argv) == 0
    summary = json.loads((out / "plan_hours_summary.json").read_text())
    assert summary["light_unknown_share"] == pytest.approx(1.0)
    assert summary["proposed"] == summary["budget"] == 3 and summary["gain"] > 0
    assert "light unknown on 100.0% of the walking length" in capsys.readouterr().out


@pytest.fixture(scope="module")
def lund_tenure(lund_study: Study, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A MADE-UP tenure file for 30 of Lund's buildings in Swedish codes (long layout; the
    counts are invented for the test, not data), and a development of 120 dwellings at the
    middle of those buildings."""
    folder = tmp_path_factory.mktemp("lund-tenure")
    pts = lund_study.osm.buildings.geometry.representative_point().to_crs(4326).iloc[:30]
    codes = ["allmännyttan", "hyresrätt", "bostadsrätt", "äganderätt"]
    rows = [
        (p.x, p.y, code, (3 * i + 5 * k) % 9)
        for i, p in enumerate(pts)
        for k, code in enumerate(codes)
    ]
    tenure = folder / "tenure.csv"
    pd.DataFrame(rows, columns=["lon", "lat", "tenure", "dwellings"]).to_csv(tenure, index=False)
    site = gpd.GeoDataFrame({"dwellings": [120]}, geometry=[pts.union_all().centroid], crs=4326)
    development = folder / "site.geojson"
    site.to_file(development)
    return {"tenure": tenure, "development": development, "folder": folder}


def _tenure_cli(lund: Path, files: dict[str, Path], out: Path, *extra: str) -> int:
    return main(
        [
            "plan", "tenure", "--preset", "sweden", "--osm", str(lund),
            "--development", str(files["development"]), "--tenure", str(files["tenure"]),
            "--out", str(out), *extra,
        ]
    )  # fmt: skip


def test_tenure_unknown_without_tenure_data(
    oslo: Path, lund_tenure: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Oslo-Skøyen has no tenure data: the planner says the tenure is unknown and asks for
    --tenure, rather than inventing a split; nothing is written."""
    site = gpd.GeoDataFrame({"dwellings": [80]}, geometry=[shapely.Point(10.675, 59.922)], crs=4326)
    site.to_file(tmp_path / "site.geojson")
    out = tmp_path / "out"
    argv = ["plan", "tenure", "--osm", str(oslo), "--development", str(tmp_path / "site.geojson")]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "tenure of the study's dwellings is unknown" in err and "--tenure F" in err
    assert "Traceback" not in err and not (out / "plan_tenure.csv").exists()


def test_tenure_helsinki_targets_on_swedish_codes_refused(
    lund: Path, lund_tenure: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default targets are Helsinki's AM programme, whose groups hold none of Sweden's
    codes: the message names the targets and how to set the city's own."""
    assert _tenure_cli(lund, lund_tenure, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "Helsinki's AM programme" in err and "allmannyttan" in err
    assert 'mix.target = "custom"' in err


def test_tenure_custom_targets_on_lund(
    lund: Path, lund_tenure: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lund's own (invented) targets: the split adds up; a group without codes in the data
    is named and left out; one group alone is refused (every split would be the same)."""
    config = tmp_path / "lund.toml"
    config.write_text(
        '[mix]\ntarget = "custom"\n'
        "custom_targets = { public = 0.3, other_rental = 0.2, owned = 0.4, coop = 0.1 }\n"
        'target_groups = { public = ["allmannyttan"], other_rental = ["hyresratt"], '
        'owned = ["bostadsratt", "aganderatt"], coop = ["kooperativ"] }\n'
    )
    out = tmp_path / "out"
    assert _tenure_cli(lund, lund_tenure, out, "--config", str(config)) == 0
    summary = json.loads((out / "plan_tenure_summary.json").read_text())
    assert summary["groups_without_data"] == ["coop"]
    assert set(summary["split"]) == {"public", "other_rental", "owned"}
    assert sum(summary["split"].values()) == 120
    # the targets of the groups with data, renormalised: 0.3 / 0.9, 0.2 / 0.9, 0.4 / 0.9
    assert summary["targets"]["public"] == pytest.approx(0.3333, abs=1e-4)
    assert "target groups without tenure data: coop" in capsys.readouterr().out
    alone = tmp_path / "alone.toml"
    alone.write_text(
        '[mix]\ntarget = "custom"\ncustom_targets = { public = 0.5, coop = 0.5 }\n'
        'target_groups = { public = ["allmannyttan"], coop = ["kooperativ"] }\n'
    )
    assert _tenure_cli(lund, lund_tenure, tmp_path / "out2", "--config", str(alone)) == 2
    assert "only 'public' has tenure codes" in capsys.readouterr().err


def test_everything_lit_says_so(lund: Path, lund_lighting: LightingResult, tmp_path: Path) -> None:
    """A register with a lamp every 15 m or less on every Lund segment (602 lamps, made up
    here): every metre is P1, so there is nothing to plan, and the note says why."""
    seg = lund_lighting.segments
    geoms = seg.geometry.to_numpy()
    count = np.maximum(np.ceil(shapely.length(geoms) / 15), 1).astype(int)
    frac = np.concatenate([(np.arange(k) + 0.5) / k for k in count])
    pts = gpd.GeoSeries(
        shapely.line_interpolate_point(np.repeat(geoms, count), frac, normalized=True),
        crs=seg.crs,
    ).to_crs(4326)
    register = tmp_path / "lamps.csv"
    pd.DataFrame({"lon": pts.x, "lat": pts.y}).to_csv(register, index=False)
    study = load_study(Inputs(osm=lund, lamps=register), load_config(None, []))
    lit = lighting_stage(study, None)[0]
    assert meets_p6(lit.segments["light_class"]).all()
    plan = plan_lamps(lit, 5, exact_seconds=0)
    info = lamp_plan_notes(lit, plan.summary)
    assert plan.summary["candidates"] == 0 and info["light_unknown_share"] == 0
    assert "all 6.14 km of walking meet P6 or better already" in info["note"]
