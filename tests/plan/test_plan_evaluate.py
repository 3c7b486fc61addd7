"""An edited lamp plan re-evaluated (:mod:`safespaces.plan.evaluate`) against the lighting
stage run from scratch on the edited lamp set."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from safespaces.config import load_config
from safespaces.errors import InputError
from safespaces.lighting import LightingResult
from safespaces.lighting.illuminance import meets_p6
from safespaces.plan import LuxState, candidate_lamps
from safespaces.plan.evaluate import edit_plan, evaluate_lamps
from safespaces.stages import lighting_stage
from safespaces.study import Inputs, Study, load_study


@pytest.fixture(scope="module")
def helsinki() -> tuple[Study, LightingResult]:
    """The embedded Helsinki default and its lighting result (about 3 s)."""
    study = load_study(Inputs(), load_config(None, []))
    return study, lighting_stage(study, None)[0]


def _rerun_p6_length(study: Study, new: gpd.GeoDataFrame) -> float:
    """P6+ walking length from the lighting stage run again from the raw lamps plus ``new``
    (untagged OSM lamps at the plan's points): every lamp modelled and summed anew."""
    points = gpd.GeoDataFrame(
        {"source": "osm", "lamp_id": [f"new-{r}" for r in new["rank"]]},
        geometry=new.geometry.to_numpy(),
        crs=new.crs,
    )
    lamps = gpd.GeoDataFrame(pd.concat([study.osm.lamps, points], ignore_index=True), crs=new.crs)
    edited = dataclasses.replace(study, osm=dataclasses.replace(study.osm, lamps=lamps))
    segs = lighting_stage(edited, None)[0].segments
    return float(segs.geometry.length[meets_p6(segs["light_class"])].sum())


@pytest.fixture(scope="module")
def plan(helsinki: tuple[Study, LightingResult]) -> gpd.GeoDataFrame:
    """Eight lamps: the candidates along the two longest dark segments (consecutive
    positions 12 m apart, so that together they lift those segments), ranked in order."""
    _, lit = helsinki
    cand = candidate_lamps(lit)
    longest = cand["seg_pos"].value_counts().index[:2]
    rows = cand[cand["seg_pos"].isin(longest)].head(8)
    return gpd.GeoDataFrame(
        {"rank": np.arange(1, len(rows) + 1)}, geometry=rows.geometry.to_numpy(), crs=cand.crs
    )


def test_evaluation_equals_a_full_rerun(
    helsinki: tuple[Study, LightingResult], plan: gpd.GeoDataFrame
) -> None:
    study, lit = helsinki
    state = LuxState(lit.segments, lit.lamps, lit.params)
    result = evaluate_lamps(lit, plan, state=state)
    summary = result.summary
    assert summary["gain_m"] > 100  # the lamps lift something to compare
    assert np.allclose(result.lamps["cumulative_gain_m"], result.lamps["gain_m"].cumsum())
    assert result.lamps["gain_m"].sum() == pytest.approx(summary["gain_m"], abs=0.1)
    assert summary["p6_length_after_m"] == pytest.approx(_rerun_p6_length(study, plan), abs=0.1)
    # the state given is not changed (copied)
    assert state.p6_length() == pytest.approx(summary["p6_length_before_m"], abs=0.1)
    assert (result.register["planned"] == "yes").sum() == len(plan)


def test_dropped_and_moved_lamps_equal_a_full_rerun(
    helsinki: tuple[Study, LightingResult], plan: gpd.GeoDataFrame
) -> None:
    study, lit = helsinki
    edited = edit_plan(plan, drop=(2, 5), move={3: (4.0, -3.0)})
    assert edited["rank"].tolist() == [1, 3, 4, 6, 7, 8]
    moved = edited.geometry[edited["rank"] == 3].iloc[0]
    was = plan.geometry[plan["rank"] == 3].iloc[0]
    assert (moved.x - was.x, moved.y - was.y) == pytest.approx((4.0, -3.0))
    result = evaluate_lamps(lit, edited)
    assert result.lamps["rank"].tolist() == [1, 3, 4, 6, 7, 8]
    after = _rerun_p6_length(study, edited)
    assert result.summary["p6_length_after_m"] == pytest.approx(after, abs=0.1)
    full = evaluate_lamps(lit, plan)
    assert result.summary["gain_m"] != pytest.approx(full.summary["gain_m"], abs=0.1)


def test_rank_is_required(helsinki: tuple[Study, LightingResult], plan: gpd.GeoDataFrame) -> None:
    _, lit = helsinki
    with pytest.raises(InputError, match="rank"):
        evaluate_lamps(lit, plan.drop(columns="rank"))
    with pytest.raises(InputError, match="distinct"):
        evaluate_lamps(lit, plan.assign(rank=1))
