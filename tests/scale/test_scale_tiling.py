"""Tiled synthetic cities: k x k copies of the default joined into one network."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from safespaces.network import adjacency
from safespaces.study import Study
from safespaces.tiling import ID_STRIDE, OSM_LAYERS, tile_study, tiled_study


@pytest.fixture(scope="module")
def base() -> Study:
    return tiled_study(1)


@pytest.fixture(scope="module")
def city(base: Study) -> Study:
    return tile_study(base, 2)


def test_every_layer_is_repeated_k_squared_times(base: Study, city: Study) -> None:
    for name, id_column in OSM_LAYERS.items():
        tiled = getattr(city.osm, name)
        original = getattr(base.osm, name)
        extra = int((tiled["osm_way_id"] == -1).sum()) if name == "segments" else 0
        assert len(tiled) - extra == 4 * len(original), name
        assert (tiled[id_column].to_numpy() == np.arange(len(tiled))).all(), name
    assert city.tenure is not None and base.tenure is not None
    assert len(city.tenure) == 4 * len(base.tenure)
    assert city.incidents is not None and base.incidents is not None
    assert len(city.incidents.points) == 4 * len(base.incidents.points)
    assert city.synthetic == base.synthetic


def test_copies_are_translated_and_ids_shifted(base: Study, city: Study) -> None:
    n = len(base.osm.buildings)
    last = city.osm.buildings.iloc[3 * n :].reset_index(drop=True)
    first = base.osm.buildings
    shift = last.geometry.centroid.get_coordinates() - first.geometry.centroid.get_coordinates()
    assert np.allclose(shift.std().to_numpy(), 0, atol=1e-6)
    assert (shift.mean().to_numpy() > 1000).all()
    assert (last["osm_id"] == first["osm_id"] + 3 * ID_STRIDE).all()
    assert np.allclose(last.geometry.area, first.geometry.area)
    # tenure keeps its link to the buildings
    assert base.tenure is not None and city.tenure is not None
    m = len(base.tenure)
    ids = base.tenure["osm_building_id"].astype("Int64")
    tiled_ids = city.tenure["osm_building_id"].iloc[3 * m :].astype("Int64").reset_index(drop=True)
    assert (tiled_ids == ids + 3 * ID_STRIDE).all()


def test_tiles_form_one_network(base: Study, city: Study) -> None:
    segments = city.osm.segments
    links = segments[segments["osm_way_id"] == -1]
    assert len(links) > 0
    assert (links["length_m"] <= 60).all()
    seg_ids = np.concatenate([segments["u"], segments["v"]])
    assert len(np.unique(seg_ids)) == len(np.unique(seg_ids))

    def largest_share(seg: object) -> float:
        _, labels = connected_components(adjacency(seg))
        return float(np.bincount(labels).max() / len(labels))

    # the main component of each tile joins those of its neighbours
    assert largest_share(segments) == pytest.approx(largest_share(base.osm.segments), abs=0.01)


def test_areas_cover_the_tiled_extent(city: Study) -> None:
    x0, y0, x1, y1 = city.osm.bounds
    ax0, ay0, ax1, ay1 = city.areas.total_bounds
    assert ax0 <= x0 and ay0 <= y0 and ax1 >= x1 and ay1 >= y1
    assert city.areas["residents_est"].sum() == pytest.approx(
        city.osm.buildings["residents_est"].sum(), rel=1e-6
    )
