"""Perceived safety beside the measures (issue 24), on a SYNTHETIC survey of the default run.

One ``safespaces survey`` on a copy of the session's default run (module fixture), then:
the planted area is classed ``feels unsafe, measures good``; a small area is suppressed
and cannot be derived from the totals; no output holds a respondent coordinate; the
intervals equal statsmodels' Wilson intervals.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from outcheck import copy_output, run_cli
from statsmodels.stats.proportion import proportion_confint
from survey_synthetic import plan, synthetic_survey

from safespaces.incidents.suppression import table_system
from safespaces.survey.cells import CELLS
from safespaces.survey.divergence import FEELS_UNSAFE_MEASURES_GOOD, divergence, feeling
from safespaces.survey.stats import wilson

K = 10


@pytest.fixture(scope="module")
def survey_out(
    default_output: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, pd.DataFrame, gpd.GeoDataFrame]:
    """(the run folder with the survey layers, the SYNTHETIC answers, the run's areas)."""
    root = tmp_path_factory.mktemp("survey")
    out = copy_output(default_output, root / "out")
    areas = gpd.read_file(out / "safespaces.gpkg", layer="areas")
    answers = synthetic_survey(areas, root / "answers.csv")
    done = run_cli(
        ["--survey", str(root / "answers.csv"), "--group-cols", "age", "--out", str(out)],
        root,
        command="survey",
    )
    assert done.returncode == 0, done.stderr
    assert "SYNTHETIC survey" in done.stdout
    return out, answers, areas


def _layer(out: Path, name: str) -> pd.DataFrame:
    return gpd.read_file(out / "safespaces.gpkg", layer=name)


def _true_counts(answers: pd.DataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Respondents per area (rows: areas in order) and cell (CELLS), by hand."""
    pts = gpd.GeoDataFrame(
        answers, geometry=gpd.points_from_xy(answers["lon"], answers["lat"]), crs=4326
    ).to_crs(areas.crs)
    joined = gpd.sjoin(pts, areas[["area_id", "geometry"]], predicate="within")
    table = np.zeros((len(areas), len(CELLS)))
    pos = {int(a): i for i, a in enumerate(areas["area_id"])}
    for aid, period in zip(joined["area_id"], joined["period"], strict=True):
        table[pos[int(aid)], 0] += 1
        table[pos[int(aid)], CELLS.index(period)] += 1
    return table


def test_planted_well_measured_area_feels_unsafe(
    survey_out: tuple[Path, pd.DataFrame, gpd.GeoDataFrame],
) -> None:
    out, _, areas = survey_out
    planted, _ = plan(areas)
    layer = _layer(out, "perceived_safety").set_index("area_id")
    row = layer.loc[planted]
    top_third = np.quantile(areas["safe_space_score"].dropna(), 2 / 3)
    assert areas.set_index("area_id").loc[planted, "safe_space_score"] >= top_third
    assert row["measure_class"] == "good"
    assert row["feeling"] == "unsafe"
    assert row["divergence"] == FEELS_UNSAFE_MEASURES_GOOD
    study = _layer(out, "survey_summary").set_index("scope").loc["overall", "share_unsafe"]
    assert row["survey_share_unsafe_low"] > study
    # the other areas answer at the study's rate: none is planted, none should stand out
    assert (layer["divergence"] == FEELS_UNSAFE_MEASURES_GOOD).sum() == 1
    assert bool(layer["survey_synthetic"].all())
    meta = _layer(out, "run_metadata").set_index("key")["value"]
    assert "survey" in json.loads(meta["synthetic_inputs"])
    assert json.loads(meta["survey_input"])["label"] == "SYNTHETIC"


def test_small_area_is_suppressed_and_not_derivable(
    survey_out: tuple[Path, pd.DataFrame, gpd.GeoDataFrame],
) -> None:
    out, answers, areas = survey_out
    _, small = plan(areas)
    layer = _layer(out, "perceived_safety")
    layer = layer.set_index("area_id").loc[areas["area_id"]].reset_index()
    truth = _true_counts(answers, areas)
    at = int(np.flatnonzero(areas["area_id"].to_numpy() == small)[0])
    assert 0 < truth[at, 0] < K
    assert bool(layer.loc[at, "survey_suppressed"])
    assert pd.isna(layer.loc[at, "survey_respondents"])
    assert pd.isna(layer.loc[at, "survey_share_unsafe"])
    # the study total minus the published areas is not the small area's count
    summary = _layer(out, "survey_summary").set_index("scope")
    total = float(summary["respondents"].astype(float)["overall"])
    assert total == truth[:, 0].sum()
    published = layer["survey_respondents"].fillna(0).sum()
    assert total - published != truth[at, 0]
    assert layer["survey_suppressed"].sum() >= 2
    # every published cell has at least k respondents, and holds the true count
    columns = ["survey_respondents"] + [f"survey_respondents_{c}" for c in CELLS[1:]]
    published_cells = layer[columns].to_numpy(dtype=float)
    shown = ~np.isnan(published_cells)
    assert ((published_cells[shown] >= K) | (published_cells[shown] == 0)).all()
    np.testing.assert_array_equal(published_cells[shown], truth[shown])
    # and no hidden cell is pinned by the published cells and totals (linear programming)
    system, ids = table_system(truth, [list(range(len(CELLS)))], total=0, column_sums=True)
    hidden = np.zeros(system.size, dtype=bool)
    hidden[ids[~shown]] = True
    assert len(system.unprotected(hidden, k=K)) == 0


def _holds(data: bytes, values: np.ndarray, texts: set[str]) -> bool:
    """Whether ``data`` holds one of ``values`` as a double (any offset, either byte order)
    or one of ``texts`` as a number written out."""
    for order in ("<f8", ">f8"):
        for offset in range(8):
            count = (len(data) - offset) // 8
            doubles = np.frombuffer(data, dtype=order, count=count, offset=offset)
            if np.isin(doubles, values).any():
                return True
    numbers = set(re.findall(r"\d+\.\d{4,}", data.decode("latin-1")))
    return bool({n.rstrip("0") for n in numbers} & texts)


def test_no_output_holds_a_respondent_coordinate(
    survey_out: tuple[Path, pd.DataFrame, gpd.GeoDataFrame],
) -> None:
    out, answers, areas = survey_out
    lon, lat = answers["lon"].to_numpy(), answers["lat"].to_numpy()
    xy = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(areas.crs)
    values = np.unique(np.concatenate([lon, lat, xy.x.to_numpy(), xy.y.to_numpy()]))
    texts = {f"{v:.7f}".rstrip("0") for v in np.concatenate([lon, lat])}
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "safespaces.gpkg" for p in files)
    for path in files:
        assert not _holds(path.read_bytes(), values, texts), f"{path.name} holds a respondent"
    # the scan finds them where they are: the answers (text) and a layer of them (binary)
    root = out.parent
    assert _holds((root / "answers.csv").read_bytes(), values, texts)
    gpd.GeoDataFrame(geometry=xy).to_file(root / "points.gpkg")
    assert _holds((root / "points.gpkg").read_bytes(), values, set())
    # no point layer was added by the survey
    layers = dict(pyogrio.list_layers(out / "safespaces.gpkg"))
    assert layers["perceived_safety"] == "Polygon"
    assert {n for n in layers if n.startswith("survey_")} == {
        "survey_summary",
        "survey_equity",
    }
    assert all(layers[n] is None for n in ("survey_summary", "survey_equity"))


def test_intervals_are_statsmodels_wilson(
    survey_out: tuple[Path, pd.DataFrame, gpd.GeoDataFrame],
) -> None:
    out, _, _ = survey_out
    layer = _layer(out, "perceived_safety")
    shown = layer["survey_respondents"].notna()
    n = layer.loc[shown, "survey_respondents"].to_numpy(dtype=float)
    u = np.round(layer.loc[shown, "survey_share_unsafe"].to_numpy(dtype=float) * n)
    lo, hi = proportion_confint(u, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(layer.loc[shown, "survey_share_unsafe_low"], lo, rtol=1e-12)
    np.testing.assert_allclose(layer.loc[shown, "survey_share_unsafe_high"], hi, rtol=1e-12)
    rng = np.random.default_rng(7)
    trials = rng.integers(1, 500, 200)
    successes = rng.integers(0, trials + 1)
    for level in (0.9, 0.95, 0.99):
        mine = wilson(successes, trials, level)
        ref = proportion_confint(successes, trials, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-14)
    equity = _layer(out, "survey_equity")
    assert set(equity["group"]) == {"18-34", "35-64", "65+"}
    assert (equity["respondents"] >= K).all()


def test_divergence_rule_by_hand() -> None:
    low = np.array([0.40, 0.05, 0.10, 0.35, 0.02])
    high = np.array([0.60, 0.15, 0.40, 0.55, 0.12])
    feel = feeling(low, high, 0.25)
    assert feel.tolist() == ["unsafe", "safe", "uncertain", "unsafe", "safe"]
    measure = np.array(["good", "poor", "good", "poor", "good"], dtype=object)
    assert divergence(feel, measure).tolist() == [
        "feels unsafe, measures good",
        "feels safe, measures poor",
        "uncertain",
        "both poor",
        "both good",
    ]


def test_run_with_survey_writes_the_group(tmp_path: Path, default_output: Path) -> None:
    """``run --survey`` adds the layers after the score, styled in the QGIS group."""
    import zipfile

    areas = gpd.read_file(default_output / "safespaces.gpkg", layer="areas")
    synthetic_survey(areas, tmp_path / "answers.csv", groups=False)
    out = tmp_path / "out"
    done = run_cli(["--survey", str(tmp_path / "answers.csv"), "--out", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "SYNTHETIC survey" in done.stdout
    layers = dict(pyogrio.list_layers(out / "safespaces.gpkg"))
    assert layers["perceived_safety"] == "Polygon" and "survey_equity" not in layers
    perceived = _layer(out, "perceived_safety")
    assert (perceived["divergence"] == FEELS_UNSAFE_MEASURES_GOOD).sum() == 1
    with zipfile.ZipFile(out / "safespaces.qgz") as z:
        project = z.read(next(n for n in z.namelist() if n.endswith(".qgs"))).decode()
    assert 'name="Perceived safety"' in project
