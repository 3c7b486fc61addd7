"""The dask engine gives the single-process results on tiled cities.

Every layer of the GeoPackage is compared: the same layers, columns and rows in
the same order; text, integers and geometries (WKB) exactly, floats within 1e-9
relative. That includes ``mix_neighbourhoods``, the tenure buildings' walking
neighbourhood scores, which the dask engine computes in the partitions.
Lighting samples and illuminance do not depend on the batch
(``tests/scale/test_scale_batch.py``), so floats are in fact equal bit for bit;
the tolerance only allows a future kernel to add in another order.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from safespaces import distributed, pipeline, stages
from safespaces.distributed import (
    DASK_CONFIG,
    LIGHTING_EYES_LAYERS,
    _kernel_threads,
    client_for,
    partition_neighbourhoods,
    partitioned_study,
    run_dask,
)
from safespaces.errors import ConfigError
from safespaces.lighting.analysis import LightingResult, analyse_lighting
from safespaces.lighting.lamps import study_register_cover
from safespaces.mix.analysis import MixResult
from safespaces.mix.buildings import city_counts, reach_at_nodes
from safespaces.partition import CORE, NODE, partition_frames, partitions
from safespaces.shortest_paths import thread_count
from safespaces.study import Study
from safespaces.tiling import tile_study, tiled_study

TOLERANCE = 1e-9
SKIP = ("run_metadata", "layer_styles")


@pytest.fixture(scope="module")
def base() -> Study:
    return tiled_study(1)


def run_local(study: Study, out: Path) -> pipeline.RunResult:
    return pipeline.run_study(study, out)


def assert_same_outputs(local: Path, dask: Path) -> None:
    names = [str(n) for n in pyogrio.list_layers(local)[:, 0] if n not in SKIP]
    assert names == [str(n) for n in pyogrio.list_layers(dask)[:, 0] if n not in SKIP]
    for name in names:
        a = pyogrio.read_dataframe(local, layer=name)
        b = pyogrio.read_dataframe(dask, layer=name)
        assert_same_layer(name, a, b)


def assert_same_layer(name: str, a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same columns and rows; exact but for floats (1e-9 relative)."""
    assert list(a.columns) == list(b.columns), name
    assert len(a) == len(b), (name, len(a), len(b))
    for column in a.columns:
        where = f"{name}.{column}"
        x, y = a[column], b[column]
        assert x.dtype == y.dtype, where
        if column == "geometry":
            wkb_a = shapely.to_wkb(np.asarray(x, dtype=object))
            wkb_b = shapely.to_wkb(np.asarray(y, dtype=object))
            differ = np.flatnonzero(wkb_a != wkb_b)
            assert not len(differ), (where, differ[:10].tolist())
        elif pd.api.types.is_float_dtype(x):
            np.testing.assert_allclose(
                y.to_numpy(float), x.to_numpy(float), rtol=TOLERANCE, atol=0, err_msg=where
            )
        else:
            pd.testing.assert_series_equal(x, y, check_exact=True, obj=where)


@pytest.mark.dask
def test_dask_equals_local_on_default(base: Study, tmp_path: Path) -> None:
    local = run_local(base, tmp_path / "local")
    result = run_dask(
        base, base.config, tmp_path / "dask", workers=2, processes=False, n_partitions=4
    )
    assert_same_outputs(local.path, result.path)
    assert {p.name for p in result.files} == {p.name for p in local.files}
    assert {"illuminance.tif", "incident_density.tif"} <= {p.name for p in result.files}
    assert_neighbourhoods_from_partitions(result, 4)


def test_dask_engine_without_the_extra_is_a_clear_error(
    base: Study, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing ``distributed`` extra is one error with the fix, before any work."""
    missing = "no_such_module_for_safespaces"
    monkeypatch.setattr(distributed, "DASK_MODULES", ("dask", missing))
    with pytest.raises(ConfigError, match=rf"needs the distributed extra \(.*{missing}"):
        run_dask(base, base.config, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def assert_neighbourhoods_from_partitions(result: pipeline.RunResult, n: int | None) -> None:
    """The walking neighbourhoods were computed in the partitions, and compared."""
    label = "walking neighbourhoods, "
    stage = [k for k in result.timings if label in k and k.endswith(" partitions")]
    assert len(stage) == 1, list(result.timings)
    if n is not None:
        assert stage[0].endswith(f"{label}{n} partitions")
    columns = pyogrio.read_info(result.path, layer="mix_neighbourhoods")["fields"]
    assert {"mix_entropy_400m", "mix_lq_owner_800m", "mix_suppressed_800m"} <= set(columns)


@pytest.mark.slow
@pytest.mark.dask
def test_dask_equals_local_on_4x4(base: Study, tmp_path: Path) -> None:
    city = tile_study(base, 4)
    local = run_local(city, tmp_path / "local")
    result = run_dask(city, city.config, tmp_path / "dask", workers=2, processes=False)
    assert_same_outputs(local.path, result.path)
    assert_neighbourhoods_from_partitions(result, None)


def test_lighting_equal_on_many_partitions() -> None:
    """Lighting alone, 2 x 2 city cut into 9 partitions: every layer equal bit for bit."""
    study = tiled_study(2)
    osm, config = study.osm, study.config
    whole = analyse_lighting(
        osm.segments, osm.lamps, osm.public_spaces, config.lighting, timezone="Europe/Helsinki"
    )
    parts = partitions(study, 9)
    assert len(parts) >= 8
    results = []
    for p in parts:
        r = analyse_lighting(
            p.segments,
            p.lamps,
            p.public_spaces,
            config.lighting,
            timezone="Europe/Helsinki",
            darkness=whole.darkness,
        )
        results.append(
            r.core(
                p.segments.index.isin(p.core_segments),
                p.lamps.index.isin(p.core_lamps),
                p.public_spaces.index.isin(p.core_spaces),
            )
        )
    merged = LightingResult.merge(results, osm.segments, config.lighting.sample_spacing_m)
    for name, layer in whole.layers().items():
        assert_same_layer(name, layer, merged.layers()[name])
    assert len(merged.dark_paths) > 0


def test_register_coverage_is_the_studys_in_every_partition() -> None:
    """A lamp register at the city's four corners: its coverage (the hull of every register
    lamp) spans the whole city, so OSM lamps give way everywhere, also in a middle partition
    that holds no register lamp; lamps are owned by index after the model drops OSM lamps."""
    study = tiled_study(2)
    osm, config = study.osm, study.config
    lamps = osm.lamps.copy()
    xy = shapely.get_coordinates(lamps.geometry.to_numpy())
    x0, y0, x1, y1 = lamps.total_bounds
    corners = [
        np.argmin(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy)) for cx in (x0, x1) for cy in (y0, y1)
    ]
    lamps["source"] = "osm"
    lamps.loc[lamps.index[corners], "source"] = "register"
    study = dataclasses.replace(study, osm=dataclasses.replace(osm, lamps=lamps))
    whole = analyse_lighting(osm.segments, lamps, osm.public_spaces, config.lighting)
    assert len(whole.lamps) < len(lamps) / 4  # most OSM lamps lie inside its coverage
    parts = partitions(study, 9)
    frames = partition_frames(study, parts, buildings=osm.buildings.assign(residents=0.0))
    cover = study_register_cover(lamps, config.lighting)
    results = []
    for k in range(len(parts)):
        seg, lamp, spaces, buildings, pois, doors = (frames[n][k] for n in LIGHTING_EYES_LAYERS)
        part = distributed.run_partition(
            seg, lamp, spaces, buildings, pois, doors, config, whole.darkness, cover
        )
        results.append(part.lighting)
    assert any(not len(frames["lamps"][k].query("source == 'register'")) for k in range(len(parts)))
    merged = LightingResult.merge(results, osm.segments, config.lighting.sample_spacing_m)
    for name, layer in whole.layers().items():
        other = merged.layers()[name]
        assert_same_layer(name, layer, other[list(layer.columns)])


def test_walking_neighbourhoods_equal_on_many_partitions() -> None:
    """Walking neighbourhoods, 2 x 2 city cut into 9 partitions: equal bit for bit."""
    study = tiled_study(2)
    assert study.tenure is not None
    whole = stages.walking_neighbourhoods(study)
    parts = partitions(study, 9)
    frames = partition_frames(study, parts)
    groups = stages.tenure_groups(study)
    city = city_counts(study.tenure, groups)
    results = [
        partition_neighbourhoods(segments, tenure, groups, study.config.mix, city)
        for segments, tenure in zip(frames["segments"], frames["tenure"], strict=True)
    ]
    merged = MixResult.merge(results, study.tenure.index)
    assert merged.neighbourhoods is not None and whole.neighbourhoods is not None
    assert merged.neighbourhoods.index.equals(study.tenure.index)
    assert_same_layer(
        "mix_neighbourhoods",
        whole.layers()["mix_neighbourhoods"],
        merged.layers()["mix_neighbourhoods"],
    )
    with pytest.raises(ValueError, match="every tenure building once"):
        MixResult.merge(results[1:], study.tenure.index)
    # a partition's halo holds buildings whose node lies off its network
    segments, tenure = frames["segments"][0], frames["tenure"][0]
    assert not tenure[NODE].isin(np.r_[segments["u"], segments["v"]]).all()


def test_reach_at_nodes_off_the_network() -> None:
    """Units at nodes off the network reach only the units at their own node."""
    study = tiled_study(1)
    none = study.osm.segments.iloc[:0]
    reach = reach_at_nodes(none, np.array([7, 7, 9]), np.array([10.0, 30.0, 0.0]), [50.0, 30.0])
    assert reach[50.0].toarray().tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    assert reach[30.0].toarray().tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


@pytest.mark.dask
def test_partitioned_study_is_dask_geopandas(base: Study) -> None:
    """One dask-geopandas partition per spatial partition; regions hold every row."""
    import dask
    import dask_geopandas

    parts = partitions(base, 4)
    with client_for(None, 2, processes=False) as client, dask.config.set(DASK_CONFIG):
        parted = partitioned_study(base, parts, client)
        segments = parted.layers["segments"]
        assert isinstance(segments, dask_geopandas.GeoDataFrame)
        assert set(parted.layers) == {
            "segments",
            "lamps",
            "public_spaces",
            "buildings",
            "pois",
            "entrances",
            "tenure",
        }
        for name, layer in parted.layers.items():
            assert layer.npartitions == len(parts), name
            frames = client.compute(layer.to_delayed(), sync=True)
            for frame, region in zip(frames, layer.spatial_partitions, strict=True):
                assert frame.geometry.covered_by(region).all(), name
        gathered = segments.compute()
    owned = gathered[gathered[CORE]]
    assert sorted(owned.index) == list(base.osm.segments.index)
    assert len(gathered) > len(base.osm.segments)  # halos overlap
    for part, core in zip(parts, parted.cores, strict=True):
        assert shapely.box(*part.box).equals(core)


@pytest.mark.dask
def test_kernel_threads_follow_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFESPACES_THREADS", "7")
    with _kernel_threads() as threads:  # not in a worker: unchanged
        assert threads is None and thread_count() == 7
    with _kernel_threads(1):
        assert thread_count() == 1
    assert thread_count() == 7
    monkeypatch.delenv("SAFESPACES_THREADS")
    with client_for(None, 2, processes=False) as client:
        seen = client.gather([client.submit(_threads_seen, i, pure=False) for i in range(4)])
    assert seen == [(1, 1)] * 4
    assert "SAFESPACES_THREADS" not in os.environ


def _threads_seen(_: int) -> tuple[int, int | None]:
    with _kernel_threads() as threads:
        return thread_count(), threads


@pytest.mark.dask
def test_local_cluster_starts_while_port_8787_is_taken() -> None:
    """Another dask cluster on the machine holds the default port 8787 (a CI run once
    failed on it): the local cluster's scheduler listens on a free port instead."""
    import socket

    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("0.0.0.0", 8787))
        holder.listen()
    except OSError:  # already taken by something else: the condition holds anyway
        pass
    try:
        with distributed.client_for(None, 1, processes=False) as client:
            assert client.submit(int.__add__, 1, 2).result() == 3
    finally:
        holder.close()
