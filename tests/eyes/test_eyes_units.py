"""Unit checks: opening hours, network gravity against networkx, light factor, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from eyes_fixtures import load_toytown
from hypothesis import given, settings
from hypothesis import strategies as st

from safespaces.errors import ConfigError
from safespaces.eyes import EyesParams, light_factor, opening_table, saturate
from safespaces.eyes.hours import hour_datetimes, normalise_weekday
from safespaces.eyes.index import dark_hours
from safespaces.shortest_paths import radius_sums
from safespaces.study import Study


@pytest.fixture(scope="module")
def toy_study() -> Study:
    return load_toytown()


@pytest.mark.parametrize(
    ("text", "short"), [("Fr", "Fr"), ("friday", "Fr"), ("SUN", "Su"), ("tu", "Tu")]
)
def test_weekday_names(text, short):
    assert normalise_weekday(text) == short


def test_bad_weekday_is_a_config_error():
    with pytest.raises(ConfigError, match="day of the week"):
        normalise_weekday("Caturday")


def test_hours_of_a_friday_end_on_saturday_morning():
    moments = hour_datetimes(EyesParams(weekday="friday"))
    assert moments[7] == dt.datetime(2026, 3, 13, 7, 30)
    assert moments[23] == dt.datetime(2026, 3, 13, 23, 30)
    assert moments[2] == dt.datetime(2026, 3, 14, 2, 30)  # Friday night, after midnight


def test_opening_table_parses_each_string_and_falls_back():
    pois = pd.DataFrame(
        {
            "poi_key": ["amenity", "shop", "amenity", "shop"],
            "category": ["bar", "shoes", "nightclub", "bakery"],
            "opening_hours": ["Mo-Su 16:00-02:00", "Mo-Sa 10:00-20:00", None, "sometimes"],
        }
    )
    table = opening_table(pois, EyesParams(weekday="Fr"))
    hours = [list(np.flatnonzero(row)) for row in table.is_open]
    assert hours[0] == [0, 1, *range(16, 24)]
    assert hours[1] == list(range(10, 20))
    # nightclub default "Th-Sa 22:00-04:00": Friday 22, 23 and Saturday 00..03
    assert hours[2] == [0, 1, 2, 3, 22, 23]
    # unparseable -> the 'shop' key's default (Mo-Fr 10:00-20:00; ...)
    assert hours[3] == list(range(10, 20))
    assert list(table.source) == ["tag", "tag", "default", "unparsed"]
    assert table.unparsed == 1
    np.testing.assert_allclose(table.weight, [1.5, 1.0, 1.5, 1.0])


def test_a_closed_shop_on_sunday():
    pois = pd.DataFrame(
        {"poi_key": ["shop"], "category": ["shoes"], "opening_hours": ["Mo-Sa 10:00-20:00"]}
    )
    assert not opening_table(pois, EyesParams(weekday="Su")).is_open.any()


def test_bad_default_hours_is_a_config_error():
    params = EyesParams(default_hours={"*": "whenever"})
    pois = pd.DataFrame({"poi_key": ["shop"], "category": ["x"], "opening_hours": [None]})
    with pytest.raises(ConfigError, match="default_hours"):
        opening_table(pois, params)


def test_saturate_and_light_factor_by_hand():
    np.testing.assert_allclose(saturate([0, 5, 10, 20, np.nan], 10), [0, 0.5, 1, 1, 0])
    p = EyesParams()
    # L = 0.2 + 0.8 min(E/2, 1); NaN lux of a segment tagged lit -> 2 lx assumed
    got = light_factor(
        [0.0, 1.0, 2.0, 15.0, np.nan, np.nan],
        ["unlit", "below P6", "P6", "P1", "lit, lamps not mapped", "unlit"],
        p,
    )
    np.testing.assert_allclose(got, [0.2, 0.6, 1.0, 1.0, 1.0, 0.2])


def test_dark_hours_from_the_darkness_table():
    tz = "Europe/Helsinki"
    table = pd.DataFrame(
        {
            "date": [dt.date(2026, 3, 13), dt.date(2026, 3, 14)],
            "civil_dawn": pd.to_datetime(["2026-03-13 06:04", "2026-03-14 06:01"]).tz_localize(tz),
            "civil_dusk": pd.to_datetime(["2026-03-13 18:56", "2026-03-14 18:58"]).tz_localize(tz),
            "polar": ["", ""],
        }
    )
    dark = dark_hours(table, hour_datetimes(EyesParams()), EyesParams())
    # 18:30 is light, 19:30 dark; Saturday 05:30 dark, 06:30 light
    assert list(np.flatnonzero(dark)) == [0, 1, 2, 3, 4, 5, 19, 20, 21, 22, 23]


def brute_force(graph: nx.Graph, weights: np.ndarray, radius: float) -> dict[str, np.ndarray]:
    n = graph.number_of_nodes()
    out = {k: np.zeros(n) for k in ("density", "harmonic", "gravity")}
    beta = 4 / radius
    for i in range(n):
        dist = nx.single_source_dijkstra_path_length(graph, i, cutoff=radius, weight="w")
        for j, d in dist.items():
            if j == i:
                continue
            out["density"][i] += weights[j]
            out["harmonic"][i] += weights[j] / d
            out["gravity"][i] += weights[j] * math.exp(-beta * d)
    return out


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(2, 40),
    seed=st.integers(0, 10_000),
    threads=st.sampled_from([1, 2]),
)
def test_gravity_equals_networkx_brute_force(n, seed, threads):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 300, size=(n, 2))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for i in range(n):
        for j in rng.choice(n, size=min(3, n), replace=False):
            if i != j:
                d = float(np.linalg.norm(xy[i] - xy[j])) * rng.uniform(1.0, 1.5) + 1.0
                graph.add_edge(i, int(j), w=d)
    rows, cols, w = [], [], []
    for a, b, data in graph.edges(data=True):
        rows += [a, b]
        cols += [b, a]
        w += [data["w"], data["w"]]
    matrix = sp.csr_matrix((w, (rows, cols)), shape=(n, n))
    weights = rng.uniform(0.5, 2.0, size=n)
    got = radius_sums(matrix, (100.0, 250.0), weights=weights, xy=xy, threads=threads)
    for radius in (100.0, 250.0):
        want = brute_force(graph, weights, radius)
        for kind in ("density", "harmonic", "gravity"):
            np.testing.assert_allclose(got[f"{kind}_{int(radius)}"], want[kind], rtol=1e-9)


@pytest.mark.parametrize(
    "change",
    [
        {"flow_radius_m": 600.0},
        {"sat_flow_m": 0.0},
        {"weights": {"frontage": 1.0, "views": 2.0}},
        {"light_dependent": ("frontage", "moonlight")},
        {"residents_at_home": (1.0, 0.5)},
        {"reference_monday": "2026-03-10"},
    ],
)
def test_bad_settings_are_config_errors(toy_study, change):
    from safespaces.eyes import analyse_eyes

    osm = toy_study.osm
    params = dataclasses.replace(EyesParams(), **change)
    with pytest.raises(ConfigError):
        analyse_eyes(osm.segments, osm.buildings, osm.pois, osm.entrances, params)
