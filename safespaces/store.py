"""A staged study: one GeoParquet file per layer, read partition by partition.

The dask engine's tasks read their own partition (core + halo) from a store
instead of receiving it from the client (:func:`safespaces.distributed.
partitioned_stages_from_store`): the client reads only the store's index
(``index.json`` and two float columns of the segments), so it never holds the
study's buildings, POIs, entrances, lamps or their geometry, and a worker
holds only its own partition.

Layout of a store folder
------------------------
``index.json``
    Format version, CRS, the settings the study was loaded with, per layer its
    rows, bounds and largest feature, the longest segment, the tenure groups and
    the city's dwellings per group, and the study's darkness place.
``<layer>.parquet``
    GeoParquet 1.1 with a ``bbox`` covering column (``write_covering_bbox``),
    rows sorted along a Hilbert curve and written in row groups of
    :data:`ROW_GROUP` rows, so that a box read (:func:`read_box`) skips the row
    groups outside the box. Each row keeps its position in the study
    (``_row``) and the point that decides its core (``_px``, ``_py``:
    :func:`safespaces.partition.owner_points`).

Layers: ``segments``, ``lamps``, ``public_spaces``, ``buildings`` (with the
eyes' ``residents``), ``pois``, ``entrances`` and, with building tenure,
``tenure`` (the groups' dwellings, each building's network node and access
distance snapped on the whole network at staging).

A store is written from a loaded study (:func:`write_store`), once; every run
from it uses its settings. Staging a region tile by tile (osmium extracts) is
not built yet: see ``docs/scale.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safespaces import stages
from safespaces.config import Config, load_config
from safespaces.darkness import bounds_latlon, darkness_years
from safespaces.errors import InputError
from safespaces.lighting.lamps import study_register_cover
from safespaces.mix.buildings import building_nodes, city_counts
from safespaces.partition import (
    ACCESS,
    CORE,
    NODE,
    Cut,
    best_partitions,
    halo_width,
    has_walking_neighbourhoods,
    largest_extent,
    owned,
    owner_points,
    plan,
    within,
)
from safespaces.study import Study
from safespaces.timing import Progress, timed

#: Version of the store layout (``index.json`` ``format``).
FORMAT = 2
#: Rows per Parquet row group: the unit a box read skips or reads.
ROW_GROUP = 4096
#: Layers a store holds; the first three (and tenure) flag their core rows in a partition.
LAYERS = ("segments", "lamps", "public_spaces", "buildings", "pois", "entrances")
#: Layers whose partitions mark their own rows (:data:`safespaces.partition.CORE`).
OWNED = ("segments", "lamps", "public_spaces", "tenure")
#: Columns the store adds to every layer.
ROW, PX, PY = "_row", "_px", "_py"
#: Prefix of the columns marking where an object column held None rather than NaN.
NONE = "_none:"


@dataclasses.dataclass(frozen=True)
class StoreIndex:
    """What the client reads of a store: no layer, only the figures that plan the run.

    Attributes
    ----------
    folder
        The store folder.
    config
        The settings the study was loaded with (every run from the store uses them).
    crs
        The layers' CRS.
    layers
        Layer name -> ``{"rows", "bounds", "largest"}``.
    longest_segment
        Length of the longest segment (metres).
    walking
        True when the run computes the buildings' walking neighbourhoods.
    groups
        Tenure groups (empty without tenure).
    city
        The whole city's dwellings per group (the walking neighbourhoods' reference).
    register_cover
        The study's lamp-register coverage
        (:func:`safespaces.lighting.lamps.study_register_cover`), or None.
    """

    folder: Path
    config: Config
    crs: CRS
    layers: dict[str, dict[str, Any]]
    longest_segment: float
    walking: bool
    groups: list[str]
    city: np.ndarray
    #: The study's lamp-register coverage (None: no register lamps).
    register_cover: shapely.Geometry | None = None

    def path(self, layer: str) -> Path:
        """The GeoParquet file of ``layer``."""
        return self.folder / f"{layer}.parquet"

    def bounds(self, layer: str) -> tuple[float, float, float, float]:
        """Bounds of ``layer`` (as :attr:`geopandas.GeoDataFrame.total_bounds`)."""
        x0, y0, x1, y1 = self.layers[layer]["bounds"]
        return float(x0), float(y0), float(x1), float(y1)

    def outer(self) -> tuple[float, float, float, float]:
        """Bounds of every non-empty layer together."""
        b = np.array([v["bounds"] for v in self.layers.values() if v["rows"]], dtype=float).reshape(
            -1, 4
        )
        return (
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        )

    def table(self, layer: str, columns: list[str]) -> pd.DataFrame:
        """Attribute ``columns`` of ``layer`` (those it has), in study order: no geometry."""
        import pyarrow.parquet as pq  # the distributed extra: imported when a store is read

        names = set(pq.read_schema(self.path(layer)).names)
        table = pq.read_table(self.path(layer), columns=[ROW, *(c for c in columns if c in names)])
        frame = table.to_pandas().sort_values(ROW, kind="stable").set_index(ROW)
        frame.index.name = None
        return frame

    def midpoints(self) -> np.ndarray:
        """``(n, 2)`` midpoints of the segments, in study order (16 bytes a segment)."""
        import pyarrow.parquet as pq

        table = pq.read_table(self.path("segments"), columns=[ROW, PX, PY])
        order = np.argsort(table.column(ROW).to_numpy(), kind="stable")
        xy = np.column_stack([table.column(PX).to_numpy(), table.column(PY).to_numpy()])
        return np.asarray(xy[order], dtype=float)


def layer_digest(frame: gpd.GeoDataFrame) -> str:
    """SHA-256 of a layer's rows: index, every column's values and the geometries' WKB."""
    digest = hashlib.sha256()
    attributes = frame.drop(columns=frame.geometry.name)
    digest.update(pd.util.hash_pandas_object(attributes, index=True).to_numpy().tobytes())
    digest.update(",".join(map(str, attributes.columns)).encode())
    for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
        digest.update(wkb or b"")
    return digest.hexdigest()


def _bounds(frame: gpd.GeoDataFrame) -> list[float]:
    if not len(frame):
        return [0.0, 0.0, 0.0, 0.0]
    return [float(v) for v in frame.total_bounds]


def store_layers(study: Study) -> dict[str, gpd.GeoDataFrame]:
    """The frames a store holds, as the partitions take them (before the store's columns)."""
    osm = study.osm
    layers = {
        "segments": osm.segments,
        "lamps": osm.lamps,
        "public_spaces": osm.public_spaces,
        "buildings": osm.buildings.assign(residents=stages.residents_from_tenure(study)),
        "pois": osm.pois,
        "entrances": osm.entrances,
    }
    if has_walking_neighbourhoods(study):
        assert study.tenure is not None
        nodes, access = building_nodes(osm.segments, study.tenure)
        columns = [*stages.tenure_groups(study), "geometry"]
        layers["tenure"] = study.tenure[columns].assign(**{NODE: nodes, ACCESS: access})
    return layers


def _nones(frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Where each object column holds None (Parquet keeps only "missing", not which kind)."""
    out = {}
    for column in frame.columns:
        if frame[column].dtype == object:
            none = np.equal(
                frame[column].to_numpy(), np.array(None, dtype=object)
            )  # elementwise, NaN is not None
            if none.any():
                out[NONE + str(column)] = none
    return out


def _write_layer(frame: gpd.GeoDataFrame, path: Path, *, lines: bool) -> None:
    xy = owner_points(frame, lines=lines)
    extra = {ROW: frame.index.to_numpy(dtype=np.int64), PX: xy[:, 0], PY: xy[:, 1]}
    staged = frame.assign(**extra, **_nones(frame))
    staged = staged.reset_index(drop=True)
    if len(staged):
        # rows near each other in space share row groups: a box read skips the others
        staged = staged.iloc[np.argsort(staged.geometry.hilbert_distance(), kind="stable")]
    staged.to_parquet(
        path, index=False, write_covering_bbox=True, row_group_size=ROW_GROUP, compression="zstd"
    )


def write_store(study: Study, folder: Path) -> StoreIndex:
    """Write ``study`` into a new store folder (replaced as a whole, or left as it was).

    Parameters
    ----------
    study
        A loaded study (:func:`safespaces.load` or :func:`safespaces.study.load_study`).
    folder
        The store folder (created; an existing store there is replaced only when
        the new one is complete).
    """
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "index.json").is_file():
        raise InputError(
            f"{folder} holds other files and is not a safespaces store",
            fix="give an empty or new folder for the store",
        )
    staging = folder.with_name(f".{folder.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        layers = store_layers(study)
        for name, frame in layers.items():
            _write_layer(frame, staging / f"{name}.parquet", lines=name == "segments")
        groups: list[str] = []
        city = np.zeros(0)
        if "tenure" in layers:
            assert study.tenure is not None
            groups = list(stages.tenure_groups(study))
            city = city_counts(study.tenure, groups)
        segments = study.osm.segments
        cover = study_register_cover(study.osm.lamps, study.config.lighting)
        index = {
            "format": FORMAT,
            "crs": study.crs.to_wkt(),
            "config": json.loads(study.config.to_json()),
            "layers": {
                name: {
                    "rows": len(frame),
                    "bounds": _bounds(frame),
                    "largest": largest_extent(frame),
                    "sha256": layer_digest(frame),
                    # Parquet has no Python-object columns: these are read back as objects
                    "objects": [str(c) for c in frame.columns if frame[c].dtype == object],
                }
                for name, frame in layers.items()
            },
            "longest_segment": float(segments["length_m"].max()) if len(segments) else 0.0,
            "walking": "tenure" in layers,
            "groups": list(groups),
            "city": [float(v) for v in np.asarray(city, dtype=float)],
            "register_cover": None if cover is None else shapely.to_wkb(cover, hex=True),
        }
        (staging / "index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return read_index(folder)


def read_index(folder: Path) -> StoreIndex:
    """The index of the store in ``folder``.

    Raises
    ------
    InputError
        No store there, or one of another format.
    """
    folder = Path(folder)
    path = folder / "index.json"
    if not path.is_file():
        raise InputError(
            f"{folder} is not a safespaces store (no index.json)",
            fix="write one with `safespaces store --out FOLDER` (or safespaces.store.write_store)",
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise InputError(
            f"{path}: store format {data.get('format')!r}, this safespaces reads {FORMAT}",
            fix="write the store again with this version",
        )
    missing = [name for name in data["layers"] if not (folder / f"{name}.parquet").is_file()]
    if missing:
        raise InputError(
            f"{folder}: the store has no {missing[0]}.parquet",
            fix="write the store again (it was copied or cleaned only in part)",
        )
    config = load_config(Config(), settings=data["config"])
    if json.loads(config.to_json()) != data["config"]:
        raise InputError(
            f"{path}: the store's settings do not read back the same in this safespaces",
            fix="write the store again with this version",
        )
    return StoreIndex(
        folder=folder,
        config=config,
        crs=CRS.from_wkt(data["crs"]),
        layers=data["layers"],
        longest_segment=float(data["longest_segment"]),
        walking=bool(data["walking"]),
        groups=list(data["groups"]),
        city=np.asarray(data["city"], dtype=float),
        register_cover=None
        if data["register_cover"] is None
        else shapely.from_wkb(data["register_cover"]),
    )


def read_box(
    index: StoreIndex, layer: str, box: tuple[float, float, float, float]
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The rows of ``layer`` whose geometry meets ``box``, in study order.

    Only the row groups whose bounding boxes meet ``box`` are read (GeoParquet
    bbox covering), then the rows are tested exactly as
    :func:`safespaces.partition.partitions` tests them.

    Returns
    -------
    frame, points
        The rows with their study positions as index and the layer's own
        columns; the ``(n, 2)`` points that decide their cores.
    """
    frame = gpd.read_parquet(index.path(layer), bbox=box)
    frame = within(frame.drop(columns="bbox", errors="ignore"), box)
    frame = frame.iloc[np.argsort(frame[ROW].to_numpy(), kind="stable")]
    points = frame[[PX, PY]].to_numpy(dtype=float)
    out = frame.drop(columns=[PX, PY]).set_index(ROW)
    out.index.name = None
    objects = {c: out[c].astype(object) for c in index.layers[layer]["objects"]}
    for column in [c for c in out.columns if str(c).startswith(NONE)]:
        name = column[len(NONE) :]
        objects[name] = objects[name].where(~out[column].to_numpy(dtype=bool), None)
        out = out.drop(columns=column)
    # text or numbers with gaps, as the loaders left them (NaN or None)
    return out.assign(**objects) if objects else out, points


def read_partition(index: StoreIndex, cut: Cut, layers: tuple[str, ...]) -> list[gpd.GeoDataFrame]:
    """``layers`` of one partition (core + halo), read from the store by its reach box.

    The layers a partition owns rows of (:data:`OWNED`) flag them in
    :data:`~safespaces.partition.CORE`, as :func:`safespaces.partition.partition_frames`
    does: the frames equal the client-cut ones.
    """
    frames = []
    for name in layers:
        frame, points = read_box(index, name, cut.reach_box)
        if name in OWNED:
            frame = frame.assign(**{CORE: owned(points, cut)})
        frames.append(frame)
    return frames


def store_darkness(index: StoreIndex) -> pd.DataFrame:
    """The study's darkness table, from the index (as :func:`safespaces.stages.study_darkness`)."""
    config = index.config
    years = {config.lighting.darkness_year, int(config.eyes.reference_monday[:4])}
    lat, lon = bounds_latlon(index.bounds("segments"), index.crs)
    return darkness_years(lat, lon, years, timezone=config.general.timezone)


def same_study(index: StoreIndex, study: Study) -> None:
    """Refuse a store written from another study or under other settings.

    Compared: the settings, the CRS, and every layer's rows and content
    (:func:`layer_digest`).

    Raises
    ------
    InputError
        Naming the first difference and the fix.
    """
    fix = f"give --store an empty or new folder, or delete {index.folder}"
    if json.loads(study.config.to_json()) != json.loads(index.config.to_json()):
        raise InputError(f"{index.folder}: the store was written under other settings", fix=fix)
    if not study.crs.equals(index.crs):
        raise InputError(f"{index.folder}: the store is in another CRS", fix=fix)
    for name, frame in store_layers(study).items():
        layer = index.layers.get(name)
        if layer is None or int(layer["rows"]) != len(frame):
            had = "no" if layer is None else f"{int(layer['rows']):,}"
            raise InputError(
                f"{index.folder}: the store holds {had} {name} rows, the study {len(frame):,}",
                fix=fix,
            )
        if layer.get("sha256") != layer_digest(frame):
            raise InputError(
                f"{index.folder}: the store's {name} differ from the study's (same number of "
                "rows, other values or places)",
                fix=fix,
            )


def store_cuts(
    index: StoreIndex, workers: int, memory_limit: float | None, n_partitions: int | None = None
) -> tuple[list[Cut], float]:
    """The partitions of a store, planned from its index alone, largest first; and the halo."""
    config = index.config
    extents = {name: float(layer["largest"]) for name, layer in index.layers.items()}
    halo = halo_width(config, extents, index.longest_segment, index.walking)
    mid = index.midpoints()
    bounds = index.bounds("segments")
    n = n_partitions or best_partitions(mid, bounds, workers, memory_limit, halo)
    cuts = plan(mid, bounds, index.outer(), n, halo)
    # largest first (the scheduler usually starts them first): the last round is the shortest
    cuts.sort(key=lambda c: -c.size)
    return cuts, halo


def study_store(
    study: Study, folder: Path, progress: Progress | None, timings: dict[str, float]
) -> StoreIndex:
    """The store of ``study`` in ``folder``: written there when the folder is missing or
    empty, else read and checked to be of this study (:func:`safespaces.store.same_study`)."""
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()):
        index = read_index(folder)
        same_study(index, study)
        return index
    with timed("write the store (GeoParquet per layer)", progress, timings):
        return write_store(study, folder)
