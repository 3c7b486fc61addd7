"""Gi* against esda and an exact enumeration; the density raster's integral."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pyproj import CRS
from scipy import sparse

from safespaces.errors import ConfigError
from safespaces.incidents.density import kernel_density, quartic_kernel, write_density
from safespaces.incidents.hotspots import (
    classify,
    contiguity_weights,
    gi_star,
    gi_star_z,
    permutation_p,
)
from safespaces.qgis import raster_style, write_raster_style
from safespaces.sources.areas import grid_areas

METRIC = CRS.from_epsg(3067)


def _grid(nx: int = 5, ny: int = 4):
    return grid_areas((0.0, 0.0, nx * 100.0 - 1, ny * 100.0 - 1), METRIC, size_m=100.0)


def test_gi_star_z_matches_esda() -> None:
    from esda import G_Local
    from libpysal.weights import WSP

    grid = _grid()
    w = contiguity_weights(grid)
    assert w.sum(axis=1).min() == 3  # corner cells: 3 queen neighbours
    rng = np.random.default_rng(3)
    y = rng.poisson(4, len(grid)).astype(float)
    y[7] = 25
    wsp = WSP(w).to_W(silence_warnings=True)
    ref = G_Local(y, wsp, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(gi_star_z(y, w), ref.Zs, rtol=1e-10)
    # by hand: S_i = y_i + its neighbours, W_i = neighbours + 1,
    # z = (S_i - W_i mean) / (s sqrt(W_i (n - W_i) / (n - 1))), s the population SD
    n = len(y)
    s_i = w @ y + y
    card = np.asarray(w.sum(axis=1)).ravel() + 1
    by_hand = (s_i - card * y.mean()) / (y.std() * np.sqrt(card * (n - card) / (n - 1)))
    np.testing.assert_allclose(gi_star_z(y, w), by_hand, rtol=1e-12)


def _libpysal_contiguity(units) -> sparse.csr_matrix:
    """The matrix contiguity_weights built with libpysal before (Queen, KNN for islands)."""
    import warnings

    from libpysal.weights import KNN, Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mat = Queen.from_dataframe(units, use_index=False, silence_warnings=True).sparse
        mat = mat.tocsr().astype(float)
        mat.data[:] = 1.0
        lonely = np.flatnonzero(np.asarray(mat.sum(axis=1)).ravel() == 0)
        if len(lonely) and len(units) > 1:
            pts = units.geometry.representative_point().to_frame("geometry")
            near = KNN.from_dataframe(pts, k=1, use_index=False, silence_warnings=True)
            lil = mat.tolil()
            for i in lonely:
                j = int(near.sparse.tocsr()[i].indices[0])
                lil[i, j] = lil[j, i] = 1.0
            mat = lil.tocsr()
    return mat


def test_contiguity_weights_equal_libpysal_queen_and_knn() -> None:
    """Our vectorised queen contiguity (shared vertices) and island rule beside libpysal's
    Queen and KNN(k=1), on a grid with holes cut out (islands, corner-only neighbours),
    polygons with holes, multipolygons, a shared edge with different vertices, and two
    units whose representative points tie for the nearest."""
    import geopandas as gpd
    import shapely

    grid = _grid(6, 5)
    keep = np.ones(len(grid), bool)
    keep[[8, 9, 14, 15, 20, 21, 26]] = False  # leaves cell 27 and others alone
    shapes = list(grid.geometry[keep])
    shapes += [
        shapely.Polygon(
            [(700, 0), (900, 0), (900, 200), (700, 200)],
            [[(750, 50), (850, 50), (850, 150), (750, 150)]],
        ),
        shapely.box(750, 50, 850, 150),  # fills the hole: shares its ring's vertices
        shapely.MultiPolygon([shapely.box(1000, 0, 1100, 100), shapely.box(1200, 0, 1300, 100)]),
        shapely.box(1300, 100, 1400, 200),  # touches the multipolygon at one corner
        shapely.Polygon([(1000, 300), (1100, 300), (1100, 400), (1000, 400)]),
        shapely.Polygon([(1100, 320), (1200, 320), (1200, 380), (1100, 380)]),  # edge, no vertex
        shapely.box(2000, 0, 2010, 10),  # islands, equally far from each other
        shapely.box(2020, 0, 2030, 10),
        shapely.box(2040, 0, 2050, 10),
    ]
    units = gpd.GeoDataFrame(geometry=shapes, crs=METRIC)
    ours, theirs = contiguity_weights(units), _libpysal_contiguity(units)
    assert ours.shape == theirs.shape
    assert (ours != theirs).nnz == 0
    assert np.diff(ours.indptr).min() >= 1  # every unit has a neighbour
    first = int(keep.sum())  # the grid cells come first
    assert ours[first, first + 1] == 1  # the hole's ring and its filler share vertices
    assert ours[first + 2, first + 3] == 1  # one corner of a multipolygon's part
    # an edge with no shared vertex is no contiguity: both are islands, joined as nearest
    assert ours[first + 4].nnz == ours[first + 5].nnz == 1


def _exact_p(y: np.ndarray, size: int, observed: float) -> float:
    """Two-sided p of a neighbourhood sum by enumerating every ``size``-subset of ``y``
    (total randomisation: each subset equally likely), ties counted."""
    mean = size * y.mean()
    sums = np.array([sum(c) for c in itertools.combinations(y, size)])
    return float((np.abs(sums - mean) >= abs(observed - mean) - 1e-9).mean())


def test_permutation_p_matches_exact_enumeration_on_tied_counts() -> None:
    # Path of 7 units with many tied counts (four zeros, two ones); unit 0 has 2
    # members (itself and one neighbour), the others 3. Under total randomisation the
    # neighbourhood sum is the sum of a uniform random subset of the 7 counts.
    y = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 6.0])
    w = sparse.diags([np.ones(6), np.ones(6)], [-1, 1], format="csr")
    p = permutation_p(y, w, permutations=200_000, seed=1)
    for i in range(len(y)):
        members = np.r_[i, w[i].indices]
        exact = _exact_p(y, len(members), y[members].sum())
        # Monte Carlo SE <= 0.0012 at 200,000 permutations
        assert p[i] == pytest.approx(exact, abs=0.005), i
    # by hand, unit 1 (neighbourhood {0, 0, 0}, sum 0, mean 3 x 8/7 = 24/7): of the 35
    # 3-subsets, 4 sum to 0 (a tie), 8 to 7 and 1 to 8 (|s - 24/7| >= 24/7): p = 13/35,
    # not the smallest possible p the old one-sided fold gave (1 / (permutations + 1))
    assert _exact_p(y, 3, 0.0) == pytest.approx(13 / 35)
    assert p[1] == pytest.approx(13 / 35, abs=0.005)


def test_permutation_p_matches_exact_enumeration_with_few_draws_of_many() -> None:
    # 30 units, at most 3 members a neighbourhood: the draws take the integer-rejection
    # path (3 x 3 <= 30) instead of the sorted keys of the 7-unit case above
    y = np.random.default_rng(4).poisson(0.6, 30).astype(float)
    w = sparse.diags([np.ones(29), np.ones(29)], [-1, 1], format="csr")
    p = permutation_p(y, w, permutations=100_000, seed=2)
    for i in (0, 1, 14, 29):
        members = np.r_[i, w[i].indices]
        exact = _exact_p(y, len(members), y[members].sum())
        assert p[i] == pytest.approx(exact, abs=0.006), i


def test_permutation_p_of_every_tie_is_one() -> None:
    y = np.full(9, 2.0)  # equal counts: every permutation ties the observed sum
    w = sparse.diags([np.ones(8), np.ones(8)], [-1, 1], format="csr")
    np.testing.assert_array_equal(permutation_p(y, w, permutations=99, seed=0), 1.0)


def test_gi_star_finds_a_planted_cluster() -> None:
    grid = grid_areas((0.0, 0.0, 1499.0, 1499.0), METRIC, size_m=100.0)  # 15 x 15
    w = contiguity_weights(grid)
    y = np.random.default_rng(2).poisson(2.0, len(grid)).astype(float)
    centre = np.flatnonzero(grid["grid_id"].isin(["700_700", "700_800", "800_700", "800_800"]))
    y[centre] = 30
    result = gi_star(y, w, permutations=999, fdr=0.05, seed=5)
    assert set(result.hot_class[centre]) <= {"hot 95%", "hot 99%"}
    assert (result.z[centre] > 3).all()
    far = np.flatnonzero(grid["grid_id"] == "0_0")
    assert not str(result.hot_class[far][0]).startswith("hot")
    tested = result.tested
    assert np.all(result.q[tested] >= result.p_sim[tested] - 1e-12)


def test_classify() -> None:
    out = classify([3.0, 2.0, -3.0, 1.0], [0.005, 0.03, 0.001, 0.5], 0.05)
    assert out.tolist() == ["hot 99%", "hot 95%", "cold 99%", "not significant"]


def test_density_integrates_to_point_count(tmp_path) -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1000, size=(137, 2))
    grid = kernel_density(
        xy, (0, 0, 1000, 1000), bandwidth_m=150, cell_m=10, k_min=5, min_bandwidth_m=100
    )
    assert grid.integral() == pytest.approx(137, rel=0.01)
    assert grid.integral(masked=True) <= grid.integral()
    # An isolated point is masked: fewer than k incidents within the bandwidth.
    lone = kernel_density(
        np.array([[500.0, 500.0]]),
        (0, 0, 1000, 1000),
        bandwidth_m=150,
        cell_m=10,
        k_min=5,
        min_bandwidth_m=100,
    )
    assert lone.mask.all()
    assert lone.integral() == pytest.approx(1.0, rel=0.01)
    import rasterio

    path = write_density(tmp_path / "incident_density.tif", grid, METRIC)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 3067
        assert src.nodata == -9999.0
        assert src.compression.name.lower() == "deflate"
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        band = src.read(1, masked=True)
        assert float(src.tags()["bandwidth_m"]) == 150.0
        assert band.max() == pytest.approx(grid.density[~grid.mask].max(), rel=1e-5)
    assert not (tmp_path / "incident_density.qml").exists()  # styles: safespaces.qgis
    style = raster_style(path)
    assert style.raster.name == "incident_density" and style.raster.interpolated
    shown = grid.density[~grid.mask]
    assert style.maximum == pytest.approx(np.percentile(shown[shown > 0], 99), rel=1e-5)
    qml = write_raster_style(path).read_text()
    assert qml == style.qml and 'type="singlebandpseudocolor"' in qml


def test_quartic_kernel_sums_to_one() -> None:
    k = quartic_kernel(150, 10)
    assert k.sum() * 100 == pytest.approx(1.0)


def test_bandwidth_below_minimum_refused_without_opt_in() -> None:
    xy = np.array([[0.0, 0.0]])
    with pytest.raises(ConfigError, match="privacy minimum"):
        kernel_density(xy, (0, 0, 10, 10), bandwidth_m=50, cell_m=10, k_min=5, min_bandwidth_m=100)
    grid = kernel_density(
        xy,
        (0, 0, 10, 10),
        bandwidth_m=50,
        cell_m=10,
        k_min=5,
        min_bandwidth_m=100,
        allow_small_bandwidth=True,
    )
    assert grid.bandwidth_m == 50
