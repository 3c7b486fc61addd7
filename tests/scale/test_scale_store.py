"""Partitions that read their own inputs from a store (:mod:`safespaces.store`).

The store's partitions are the client-cut ones, frame for frame; a run whose tasks
read the store equals the local engine on every layer; and on a LocalCluster whose
workers are limited to less memory than the local engine needs for the whole study,
the partitioned stages run to the end, equal the local ones, and no process passes
its bound (``benchmarks/bench_scale.py``, each phase in its own process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces import stages
from safespaces.distributed import LIGHTING_EYES_LAYERS, run_dask
from safespaces.errors import InputError
from safespaces.partition import halo_m, midpoints, partition_frames, partitions
from safespaces.pipeline import run_study
from safespaces.store import (
    ROW_GROUP,
    read_index,
    read_partition,
    same_study,
    store_cuts,
    write_store,
)
from safespaces.study import Study
from safespaces.tiling import tiled_study

pytestmark = pytest.mark.dask

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from test_scale_dask import assert_same_outputs  # noqa: E402


@pytest.fixture(scope="module")
def city() -> Study:
    return tiled_study(2)


def test_store_partitions_are_the_client_cut_ones(city: Study, tmp_path: Path) -> None:
    """Every partition read from the store equals the client's cut, dtypes and all."""
    index = write_store(city, tmp_path / "store")
    halo = halo_m(city)
    # the index alone plans what the whole study plans: halo, midpoints, cores, reach
    cuts, store_halo = store_cuts(index, 4, None, n_partitions=4)
    assert store_halo == halo
    assert np.array_equal(index.midpoints(), midpoints(city.osm.segments))
    parts = partitions(city, 4, halo)
    buildings = city.osm.buildings.assign(residents=stages.residents_from_tenure(city))
    frames = partition_frames(city, parts, buildings=buildings)
    assert sorted(c.index for c in cuts) == [p.index for p in parts]
    names = (*LIGHTING_EYES_LAYERS, "tenure")
    for cut in cuts:
        k = [p.index for p in parts].index(cut.index)
        assert cut.reach_box == parts[k].reach_box
        for name, frame in zip(names, read_partition(index, cut, names), strict=True):
            pd.testing.assert_frame_equal(frame, frames[name][k], obj=f"{name}[{k}]")
    # a mixed column keeps None apart from NaN (the Parquet file knows only "missing")
    name = city.osm.segments["name"]
    assert (
        name.map(lambda v: v is None).any()
        and name.isna().sum() > name.map(lambda v: v is None).sum()
    )


def test_box_reads_skip_row_groups(city: Study, tmp_path: Path) -> None:
    """The layers are cut into row groups along a space-filling curve, each with its bbox."""
    import pyarrow.parquet as pq

    index = write_store(city, tmp_path / "store")
    meta = pq.ParquetFile(index.path("segments")).metadata
    assert meta.num_row_groups == -(-len(city.osm.segments) // ROW_GROUP)
    assert "bbox" in pq.read_schema(index.path("segments")).names
    # a corner of the city: fewer rows come back than the layer holds
    x0, y0, x1, y1 = index.bounds("segments")
    corner = (x0, y0, x0 + (x1 - x0) / 4, y0 + (y1 - y0) / 4)
    import geopandas as gpd

    read = gpd.read_parquet(index.path("segments"), bbox=corner)
    assert 0 < len(read) < len(city.osm.segments) / 4


def test_store_refuses_another_study_and_bad_folders(city: Study, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    index = write_store(city, folder)
    same_study(index, city)  # its own study: no error
    base = tiled_study(1)
    rows = f"store holds 20,328 segments rows, the study {len(base.osm.segments):,}"
    with pytest.raises(InputError, match=rows):
        same_study(index, base)
    other = city.config.replace(lighting=city.config.lighting.__class__(cutoff_m=40))
    import dataclasses

    with pytest.raises(InputError, match="other settings"):
        same_study(index, dataclasses.replace(city, config=other))
    # one lamp moved a metre: same rows and nearly the same bounds, other content
    lamps = city.osm.lamps.copy()
    first = lamps.geometry.iloc[0]
    lamps.loc[lamps.index[0], "geometry"] = shapely.Point(first.x + 1.0, first.y)
    moved = dataclasses.replace(city, osm=dataclasses.replace(city.osm, lamps=lamps))
    with pytest.raises(InputError, match="store's lamps differ from the study's"):
        same_study(index, moved)
    with pytest.raises(InputError, match=r"not a safespaces store \(no index.json\)"):
        read_index(tmp_path)
    (folder / "pois.parquet").unlink()
    with pytest.raises(InputError, match="no pois.parquet"):
        read_index(folder)
    # a folder of other files is never replaced
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="holds other files"):
        write_store(city, tmp_path / "mine")
    # a failed write leaves the earlier store as it was, and no staging folder behind
    before = sorted(p.name for p in folder.iterdir())
    broken = dataclasses.replace(city, osm=dataclasses.replace(city.osm, pois=None))
    with pytest.raises(AttributeError):
        write_store(broken, folder)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_run_from_a_store_equals_local_on_every_layer(tmp_path: Path) -> None:
    """The default cut into 4 partitions read by their tasks: every layer as the local run."""
    study = tiled_study(1)
    local = run_study(study, tmp_path / "local")
    store = tmp_path / "store"
    dask = run_dask(study, study.config, tmp_path / "dask", n_partitions=4, store=store)
    assert_same_outputs(local.path, dask.path)
    assert "write the store (GeoParquet per layer)" in dask.timings
    # a second run reads the same store (not written again)
    again = run_dask(study, study.config, tmp_path / "dask2", n_partitions=4, store=store)
    assert "write the store (GeoParquet per layer)" not in again.timings
    assert_same_outputs(local.path, again.path)


def test_workers_limited_below_the_whole_study(tmp_path: Path) -> None:
    """5 x 5 city, two workers each limited below the local engine's peak for the study.

    Every phase runs in its own process (benchmarks/bench_scale.py): staging the store,
    the client (which reads only the store's index), and the local engine for reference.
    The partitioned stages run to the end with no worker restarted, and equal the local
    ones; no worker passes its limit; the client stays below the local engine's peak.
    """
    out = tmp_path / "scale.json"
    limit = "1GB"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_scale.py"),
            *("--k", "5", "--workers", "2", "--memory-limit", limit, "--check"),
            *("--json", str(out)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    figures = json.loads(out.read_text())
    ours, local = figures["dask_store"], figures["local"]
    assert figures["differ"] == []
    limit_mb = ours["worker_limit_mb"]
    # the whole study does not fit one worker: the local engine needs more than the limit
    assert local["peak_mb"] > limit_mb
    assert ours["partitions"] > 2  # more than one per worker: each must fit
    assert ours["worker_restarts"] == 0
    assert max(ours["worker_peak_mb"]) < limit_mb
    # the client never reads a layer: below the local engine's peak for the same study
    assert ours["client_peak_mb"] < local["peak_mb"]
