"""Survey inputs: kinds detected, clear errors (exit 2), audit validation with known rho."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from outcheck import run_cli
from scipy import stats
from shapely.geometry import LineString

from safespaces.errors import InputError
from safespaces.sources.survey import AUDIT_PARAMETERS, read_survey
from safespaces.survey.audit import audit_validation
from safespaces.survey.params import SurveyParams
from safespaces.survey.stats import spearman_interval


def test_kinds_are_detected(tmp_path: Path) -> None:
    answers = tmp_path / "a.csv"
    answers.write_text("lon,lat,rating,period\n24.94,60.17,2,yö\n24.95,60.17,5,day\n")
    load = read_survey(answers)
    assert load.kind == "respondents"
    assert load.frame["period"].tolist() == ["night", "day"]
    published = tmp_path / "p.csv"
    published.write_text("area_id,respondents,share_unsafe,share_unsafe_night\n1,40,25,40\n")
    load = read_survey(published)
    assert load.kind == "areas"
    assert load.frame["share_unsafe_night"].tolist() == [0.4]  # percentages read as shares
    audit = tmp_path / "audit.csv"
    audit.write_text("lon,lat," + ",".join(AUDIT_PARAMETERS) + "\n24.9,60.1" + ",2" * 9 + "\n")
    assert read_survey(audit).kind == "audit"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("lon,lat,rating\n24.94,60.17,7\n", ["row 2", "'rating'", "1 to 5"]),
        ("x,y,rating\n385000,6672000,2\n", ["no CRS", "--crs"]),
        ("lon,lat,rating,period\n24.94,60.17,2,morning\n", ["row 2", "'period'", "evening"]),
        ("foo,bar\n1,2\n", ["kind of survey", "--survey-kind"]),
    ],
)
def test_bad_input_is_a_clear_error(text: str, words: list[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_survey(path)
    for word in words:
        assert word in str(info.value)


def test_bad_survey_exits_2_before_any_work(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("lon,lat,rating\n24.94,60.17,0\n")
    for command, args in (
        ("survey", ["--survey", str(path), "--out", str(tmp_path / "out")]),
        ("run", ["--survey", str(path), "--out", str(tmp_path / "out")]),
    ):
        done = run_cli(args, tmp_path, command=command, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "bad.csv, row 2, column 'rating'" in done.stderr
        assert not (tmp_path / "out").exists()


def test_unknown_area_in_published_results(tmp_path: Path) -> None:
    from safespaces.survey.analysis import analyse_survey

    areas = gpd.GeoDataFrame(
        {"area_id": [0, 1, 2], "name": ["A", "B", "C"], "safe_space_score": [20.0, 60.0, 40.0]},
        geometry=[LineString([(50 * i, 0), (50 * i + 1, 1)]).buffer(5) for i in range(3)],
        crs=3067,
    )
    path = tmp_path / "p.csv"
    path.write_text("name,respondents,share_unsafe\nA,40,0.2\nD,30,0.1\n")
    with pytest.raises(InputError, match="'D' is not among the study's areas"):
        analyse_survey(read_survey(path), areas, None)
    path.write_text("name,respondents,share_unsafe\nA,40,0.2\nB,8,0.1\nC,30,0.3\n")
    result = analyse_survey(read_survey(path), areas, None)
    assert result.perceived is not None and result.summary_table is not None
    # B is below k; with the published total, one more area must hide with it (the smaller)
    assert result.perceived["survey_suppressed"].tolist() == [False, True, True]
    total = result.summary_table.set_index("scope").loc["overall", "respondents"]
    assert total - result.perceived["survey_respondents"].fillna(0).sum() == 38 != 8
    # thirds of the study's own areas, even when the survey names only some of them
    path.write_text("name,respondents,share_unsafe\nA,40,0.2\nB,30,0.1\n")
    result = analyse_survey(read_survey(path), areas, None)
    assert result.perceived is not None
    assert result.perceived["measure_class"].tolist() == ["poor", "good"]


def _audit_set() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Eight street segments 100 m apart and one hand-made audit beside each."""
    n = 8
    segments = gpd.GeoDataFrame(
        {
            "segment_id": range(n),
            "length_m": 50.0,
            "light_lux_avg": [0.0, 0.5, 1.2, 2.5, 4.0, 6.0, 9.0, 16.0],
            "light_class": ["unlit", "below P6", "P6", "P5", "P4", "P3", "P2", "P1"],
            "safe_space_score": [10.0, 20, 30, 40, 50, 60, 70, 80],
            **{f"eyes_h{h:02d}": np.arange(n) * (h + 1.0) for h in range(24)},
        },
        geometry=[LineString([(100 * i, 0), (100 * i + 50, 0)]) for i in range(n)],
        crs=3067,
    )
    # eyes at 21 rise with the segment; at 09 they fall (the audits at 09 see that)
    segments["eyes_h09"] = (n - np.arange(n)) * 3.0
    base = {p: [1] * n for p in AUDIT_PARAMETERS}
    base["lighting"] = [0, 1, 0, 2, 1, 3, 2, 3]
    base["people"] = [0, 0, 1, 1, 2, 2, 3, 3]
    base["feeling"] = [3, 2, 3, 1, 2, 0, 1, 0]
    audits = gpd.GeoDataFrame(
        base,
        geometry=gpd.points_from_xy([100 * i + 25 for i in range(n)], [5.0] * n),
        crs=3067,
    )
    audits["time"] = pd.NaT
    return audits, segments


def test_audit_validation_has_the_known_spearman() -> None:
    audits, segments = _audit_set()
    table = audit_validation(audits, segments, SurveyParams(), "Europe/Helsinki")
    rows = table.set_index("measure")
    lux = rows.loc["light_lux_avg"]
    ref = stats.spearmanr(audits["lighting"], segments["light_lux_avg"])
    assert lux["audits"] == 8
    assert lux["spearman_rho"] == pytest.approx(ref.statistic)
    assert lux["p_value"] == pytest.approx(ref.pvalue)
    # the class rank orders the segments as lux does
    assert rows.loc["light_class (rank, P1 best)", "spearman_rho"] == pytest.approx(ref.statistic)
    people = rows.loc["eyes at the audit's hour"]
    assert people["spearman_rho"] == pytest.approx(
        stats.spearmanr(audits["people"], np.arange(8)).statistic
    )
    feel = rows.loc["safe_space_score"]
    assert feel["spearman_rho"] < 0 and feel["agrees"] in ("no", "unclear")
    # Fisher z interval by hand: tanh(atanh(rho) -/+ 1.96 sqrt(1.06 / (n - 3)))
    z = np.arctanh(lux["spearman_rho"])
    half = stats.norm.ppf(0.975) * np.sqrt(1.06 / 5)
    assert lux["rho_low"] == pytest.approx(np.tanh(z - half))
    assert lux["rho_high"] == pytest.approx(np.tanh(z + half))
    # audits walked at 09 meet the falling morning eyes: the correlation turns negative
    audits["time"] = pd.Timestamp("2025-11-20 09:30", tz="Europe/Helsinki")
    morning = audit_validation(audits, segments, SurveyParams(), "Europe/Helsinki")
    rho_morning = morning.set_index("measure")["spearman_rho"].astype(float)
    assert rho_morning["eyes at the audit's hour"] < 0


def test_spearman_by_hand() -> None:
    # no ties: rho = 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 * 4 / 120 = 0.8
    rho, lo, hi, _, n = spearman_interval([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    assert (rho, n) == (pytest.approx(0.8), 5)
    assert lo < 0.8 < hi
