"""plan hours: premises kept open later, verified by re-running the eyes model on the plan."""

from __future__ import annotations

import itertools
import math
import pathlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces.config import Config
from safespaces.errors import SettingError
from safespaces.eyes import EyesParams, EyesResult, analyse_eyes
from safespaces.plan.hours import (
    HoursParams,
    need_weighted_dark_eyes,
    plan_hours,
    segment_need,
)

CRS = "EPSG:3067"


def _lighting(n: int) -> pd.DataFrame:
    return pd.DataFrame({"light_lux_avg": np.zeros(n), "light_class": ["unlit"] * n})


def _toy(
    points: list[tuple[int, int]], hours: list[str | None] | list[str]
) -> tuple[EyesResult, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    lines = [((0, 0), (20, 0)), ((20, 0), (120, 0)), ((120, 0), (220, 0))]
    streets = gpd.GeoDataFrame(
        _lighting(len(lines)), geometry=[shapely.LineString(c) for c in lines], crs=CRS
    )
    homes = gpd.GeoDataFrame(
        {"residents": [100.0]}, geometry=[shapely.box(100, 100, 140, 130)], crs=CRS
    )
    cafes = gpd.GeoDataFrame(
        {"amenity": ["cafe"] * len(points), "opening_hours": hours},
        geometry=[shapely.Point(p) for p in points],
        crs=CRS,
    )
    lighting = _lighting(len(streets))
    result = analyse_eyes(streets, homes, cafes, None, EyesParams(), lighting=lighting)
    return result, cafes, homes


def test_one_cafe_gain_by_hand():
    """A cafe closing at 18:00 kept open until 22:00 on an unlit 100 m street.

    Hours 18-21 are added; of them 19, 20, 21 are among the 11 default dark hours.
    Each adds one door per 100 m (score 1/15, times the unlit light factor 0.2,
    weight 1) and one active premises per 100 m (score 1/10, weight 1.5, not
    light-dependent): 100 x (0.2/15 + 0.15) / 5.5 = 2.9697 index points an hour.
    With one street need = 1, so M rises by 3 x 2.9697 / 11 = 0.80992.
    """
    street = gpd.GeoDataFrame(
        _lighting(1), geometry=[shapely.LineString([(0, 0), (100, 0)])], crs=CRS
    )
    home = gpd.GeoDataFrame({"residents": [50.0]}, geometry=[shapely.box(0, 60, 30, 80)], crs=CRS)
    cafe = gpd.GeoDataFrame(
        {"amenity": ["cafe"], "opening_hours": ["Mo-Su 08:00-18:00"]},
        geometry=[shapely.Point(50, 4)],
        crs=CRS,
    )
    result = analyse_eyes(street, home, cafe, None, EyesParams(), lighting=_lighting(1))
    plan = plan_hours(result, cafe, None, home, budget=1)
    expected = 3 * (100 * (0.2 / 15 + 1.5 * 0.1) / 5.5) / 11
    assert plan.gain == pytest.approx(expected, rel=1e-9)
    row = plan.proposals.iloc[0]
    assert (row["closes_now"], row["closes_proposed"]) == (18, 22)
    assert row["opening_hours_proposed"] == "Mo-Su 08:00-18:00, Fr 18:00-22:00"
    # the eyes model itself, re-run with the proposed opening hours
    after = analyse_eyes(
        street, home, plan.proposed_premises(cafe), None, EyesParams(), lighting=_lighting(1)
    )
    need = segment_need(result.segments, home, EyesParams(), HoursParams())["need"]
    rise = need_weighted_dark_eyes(after.segments, need, after.dark) - need_weighted_dark_eyes(
        result.segments, need, result.dark
    )
    assert rise == pytest.approx(expected, rel=1e-9)


def test_greedy_within_bound_of_brute_force_and_saturation_detected():
    # four cafes crowd the 20 m street (its active score saturates after two), one on each
    # of the others: premises on one segment are not additive
    points = [(5, 3), (8, 3), (12, 3), (16, 3), (70, 3), (170, 3)]
    hours = ["Mo-Su 08:00-18:00"] * 4 + ["Mo-Su 08:00-20:00", "Mo-Su 08:00-17:00"]
    result, cafes, homes = _toy(points, hours)
    plan = plan_hours(result, cafes, None, homes, budget=3, params=HoursParams(until_hour=23))
    assert not plan.additive
    rows = plan.candidate_rows.tolist()
    assert len(rows) == 6
    best = max(plan.gain_of(c) for c in itertools.combinations(rows, 3))
    assert plan.gain == pytest.approx(plan.gain_of(plan.proposals["premises_row"].tolist()))
    assert plan.gain >= (1 - 1 / math.e) * best
    assert plan.gain == pytest.approx(best)  # on this case the greedy is optimal
    cumulative = plan.proposals["cumulative_gain"].to_numpy()
    assert np.all(np.diff(plan.proposals["gain"].to_numpy()) <= 1e-12)  # submodular: gains fall
    assert cumulative[-1] == pytest.approx(plan.gain)


def test_bad_budget_and_hour():
    result, cafes, homes = _toy([(70, 3)], ["Mo-Su 08:00-18:00"])
    with pytest.raises(SettingError, match="budget"):
        plan_hours(result, cafes, None, homes, budget=0)
    with pytest.raises(SettingError, match="until_hour"):
        plan_hours(result, cafes, None, homes, budget=1, params=HoursParams(until_hour=25))


def test_needs_the_lighting_classes():
    street = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)])], crs=CRS)
    result = analyse_eyes(street, None)
    with pytest.raises(ValueError, match="light_class.*Fix: run the lighting"):
        plan_hours(result, None, None, None, budget=1)


@pytest.fixture(scope="module")
def helsinki() -> dict[str, object]:
    from plan_eyes import eyes_model

    from safespaces.stages import lighting_stage, study_darkness
    from safespaces.study import Inputs, load_study

    config = Config()
    study = load_study(Inputs(), config)
    darkness = study_darkness(study)
    import tempfile

    lit, _ = lighting_stage(study, pathlib.Path(tempfile.mkdtemp()), darkness=darkness)
    buildings, eyes = eyes_model(study, lit, darkness)

    return {"study": study, "buildings": buildings, "eyes": eyes, "config": config}


@pytest.mark.slow
def test_helsinki_budget_10_verified_by_the_eyes_model(helsinki):
    study, buildings, eyes, config = (helsinki[k] for k in ("study", "buildings", "eyes", "config"))
    before = eyes(study.osm.pois)
    plan = plan_hours(
        before, study.osm.pois, study.osm.entrances, buildings, budget=10, eyes=config.eyes
    )
    assert len(plan.proposals) == 10 and plan.gain > 0
    after = eyes(plan.proposed_premises(study.osm.pois))
    need = segment_need(before.segments, buildings, config.eyes, HoursParams())["need"]
    rise = need_weighted_dark_eyes(after.segments, need, after.dark) - need_weighted_dark_eyes(
        before.segments, need, before.dark
    )
    assert rise == pytest.approx(plan.gain, rel=0.05)
    assert rise == pytest.approx(plan.gain, rel=1e-6)  # in fact the same model, exactly
    # better than the best of 500 random choices of 10 candidates
    rng = np.random.default_rng(23)
    rows = plan.candidate_rows
    best_random = max(
        plan.gain_of(rng.choice(rows, 10, replace=False).tolist()) for _ in range(500)
    )
    assert plan.gain > best_random


def _cli(argv: list[str]) -> int:
    """Run ``safespaces plan ...``: through the real command once ``safespaces.commands.plan``
    exists, else through a parser holding the planner alone (the same ``add_parser``/``run``)."""
    import argparse
    import importlib.util

    from safespaces.errors import SafespacesError

    if importlib.util.find_spec("safespaces.commands.plan") is not None:
        from safespaces.cli import main

        return main(argv)
    from safespaces.commands import plan_hours as hours_cmd
    from safespaces.commands import plan_tenure as tenure_cmd

    top = argparse.ArgumentParser(prog="safespaces")
    plan = top.add_subparsers(dest="command").add_parser("plan")
    nested = plan.add_subparsers(dest="planner")
    hours_cmd.add_parser(nested)
    tenure_cmd.add_parser(nested)
    args = top.parse_args(argv)
    try:
        return int(args.func(args))
    except SafespacesError:
        return 2


@pytest.mark.slow
def test_cli_writes_the_layer_and_refuses_bad_input(tmp_path, capsys):
    import json

    import pyogrio

    out = tmp_path / "out"
    assert _cli(["plan", "hours", "--budget", "3", "--until", "23", "--out", str(out)]) == 0
    layer = gpd.read_file(out / "safespaces.gpkg", layer="plan_hours")
    assert layer["rank"].tolist() == [1, 2, 3]
    assert (layer["closes_proposed"] == 23).all()
    assert "street_segments" in {name for name, _ in pyogrio.list_layers(out / "safespaces.gpkg")}
    info = json.loads((out / "plan_hours_summary.json").read_text())
    assert info["gain"] == pytest.approx(float(layer["cumulative_gain"].iloc[-1]), abs=1e-4)
    assert len(pd.read_csv(out / "plan_hours.csv")) == 3
    before = sorted(p.name for p in out.iterdir())
    for bad in (["--budget", "0"], ["--budget", "2", "--until", "25"]):
        assert _cli(["plan", "hours", *bad, "--out", str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == before  # the folder is left as it was


@pytest.mark.parametrize("until", [21, 24, 0, 2])
def test_proposed_strings_re_read_by_the_eyes_model(until):
    """Past midnight too: the eyes model re-run on the proposed opening hours gives the gain."""
    points = [(5, 3), (8, 3), (70, 3), (170, 3), (175, 3)]
    hours: list[str | None] = [
        "Mo-Su 08:00-18:00",
        None,
        "Mo-Fr 10:00-20:00; Sa 10:00-16:00",
        "Mo-Su 16:00-01:00",
    ]
    result, cafes, homes = _toy(points, [*hours, "Fr 09:00-12:00,13:00-17:00"])
    plan = plan_hours(result, cafes, None, homes, budget=3, params=HoursParams(until_hour=until))
    assert len(plan.proposals) == 3
    assert (plan.proposals["closes_proposed"] == until % 24).all()
    after = analyse_eyes(
        result.segments[["geometry", "light_class", "light_lux_avg"]],
        homes,
        plan.proposed_premises(cafes),
        None,
        EyesParams(),
        lighting=_lighting(3),
    )
    need = segment_need(result.segments, homes, EyesParams(), HoursParams())["need"]
    rise = need_weighted_dark_eyes(after.segments, need, after.dark) - need_weighted_dark_eyes(
        result.segments, need, result.dark
    )
    assert rise == pytest.approx(plan.gain, rel=1e-9, abs=1e-12)
    assert plan.gain > 0


def test_categories_limit_the_candidates():
    result, cafes, homes = _toy([(70, 3), (170, 3)], ["Mo-Su 08:00-18:00"] * 2)
    cafes = cafes.assign(amenity=["cafe", "bank"])
    plan = plan_hours(
        result, cafes, None, homes, budget=2, params=HoursParams(categories=("cafe",))
    )
    assert plan.candidates == 1 and plan.proposals["category"].tolist() == ["cafe"]
