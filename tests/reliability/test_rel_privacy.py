"""Privacy: no output of ``safespaces run`` exposes a raw incident point or a count below k.

Runs the embedded default (SYNTHETIC incidents and tenure) once, opens every layer of the
GeoPackage and every raster, and checks them against the raw points; then checks that the
opt-in ``--include-raw-points`` is recorded.

The second half attacks the published tables as a linear system (:func:`audit`): every
published incident count and total (areas, street segments, hotspot units, environment groups,
the summary) is a known value, every suppressed one an unknown ``x >= 0``, and every sum a
reader knows (a unit's breakdowns add up to its total, the units to the study total, the
environment groups to their segments ...) an equation. Linear programming then bounds each
unknown. A suppressed cell is **protected** when its feasible interval [lo, hi] is at least 1
wide (it is not determined) and reaches k (hi >= k: a reader cannot even tell it is small).
This is the LP relaxation: integrality, and the knowledge that a primary-suppressed cell is
1..k-1, are not used (as in the usual audit of cell suppression, e.g. tau-Argus).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from scipy import sparse
from scipy.optimize import linprog
from scipy.spatial import cKDTree

from safespaces.cli import main
from safespaces.config import Config
from safespaces.incidents.analysis import analyse_incidents
from safespaces.incidents.environment import environment_groups, score_relations
from safespaces.incidents.params import IncidentParams
from safespaces.io import read_metadata
from safespaces.mix.analysis import analyse_mix
from safespaces.mix.params import MixParams
from safespaces.sources.incidents import read_incidents
from safespaces.synthetic import DEFAULT_OSM, INCIDENT_FILE

K = Config().incidents.k_min
REAL = Path(__file__).resolve().parents[1] / "data" / "real"
MIN_DWELLINGS = Config().mix.min_dwellings
TIME_COLUMN = re.compile(r"^(time|timestamp|occurred(_at)?|datetime|date_time|aika|hour)$")


@pytest.fixture(scope="module")
def run_dir(default_output: Path) -> Path:
    """The session's default run (``safespaces run`` of the embedded default,
    tests/conftest.py; read only here: a test that changes it works on a copy)."""
    return default_output


@pytest.fixture(scope="module")
def layers(run_dir: Path) -> dict[str, pd.DataFrame]:
    gpkg = run_dir / "safespaces.gpkg"
    return {
        str(name): pyogrio.read_dataframe(gpkg, layer=name) for name, _ in pyogrio.list_layers(gpkg)
    }


@pytest.fixture(scope="module")
def raw_points(run_dir: Path) -> np.ndarray:
    crs = gpd.read_file(run_dir / "safespaces.gpkg", layer="street_segments", rows=1).crs
    points = read_incidents(INCIDENT_FILE, drop_invalid=True).points.to_crs(crs)
    return shapely.get_coordinates(points.geometry.to_numpy())


def count_columns(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(count column, its suppression flag) pairs of a layer."""
    pairs = []
    for column in frame.columns:
        flag = "incidents_suppressed" if column == "incidents_count" else f"{column}_suppressed"
        if column.startswith("incidents") and flag in frame and column != flag:
            pairs.append((column, flag))
    return pairs


def test_no_raw_point_layer_and_no_incident_times(layers: dict[str, pd.DataFrame]) -> None:
    assert "incident_points" not in layers
    for name, frame in layers.items():
        for column in frame.columns:
            assert not TIME_COLUMN.match(str(column)), (name, column)
        if name.startswith("incident"):
            assert not any(
                isinstance(frame[c].dtype, pd.DatetimeTZDtype) or frame[c].dtype.kind == "M"
                for c in frame.columns
            ), name


def test_no_point_layer_reproduces_the_incidents(
    layers: dict[str, pd.DataFrame], raw_points: np.ndarray
) -> None:
    tree = cKDTree(raw_points)
    checked = 0
    for name, frame in layers.items():
        if not isinstance(frame, gpd.GeoDataFrame) or frame.empty:
            continue
        geoms = frame.geometry.to_numpy()
        kinds = set(shapely.get_type_id(geoms).tolist())
        if not kinds & {0, 4}:  # Point, MultiPoint
            continue
        xy = shapely.get_coordinates(geoms)
        near, _ = tree.query(xy, distance_upper_bound=1.0)
        matched = np.isfinite(near).sum()
        # lamps and homes are independent of the synthetic incidents: a chance match within 1 m
        # is rare (~0.2 % of points); a leaked incident layer would match every point
        assert matched <= max(3, 0.01 * len(xy)), (name, matched, len(xy))
        checked += 1
    assert checked >= 2  # lamps, mix_neighbourhoods


def test_every_published_count_is_zero_or_at_least_k(layers: dict[str, pd.DataFrame]) -> None:
    seen = 0
    for name, frame in layers.items():
        for column, flag in count_columns(frame):
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            flags = frame[flag].astype(bool).to_numpy()
            published = ~np.isnan(values)
            assert not ((values > 0) & (values < K)).any(), (name, column)
            assert (published != flags).all(), (name, column)  # NULL exactly where flagged
            seen += 1
    assert seen >= 50
    areas = layers["areas"]
    sup = areas["incidents_suppressed"].astype(bool)
    assert sup.any()  # the default has areas below k
    for rate in ("incidents_per_1000_residents", "incidents_per_1000_eb", "incidents_per_100m"):
        assert areas.loc[sup, rate].isna().all(), rate


def test_density_raster_is_masked_below_k(run_dir: Path, raw_points: np.ndarray) -> None:
    meta = json.loads(read_metadata(run_dir / "safespaces.gpkg")["incidents_density"])
    bandwidth, cell = float(meta["bandwidth_m"]), float(meta["cell_m"])
    with rasterio.open(run_dir / "incident_density.tif") as src:
        band = src.read(1, masked=True)
        rows, cols = np.nonzero(~np.ma.getmaskarray(band))
        xs, ys = rasterio.transform.xy(src.transform, rows, cols)
        assert int(src.tags()["k_min"]) == K
    assert len(rows) and np.ma.getmaskarray(band).any()
    centres = np.column_stack([xs, ys])
    # points are binned to cells before counting: allow one cell of slack
    within = cKDTree(raw_points).query_ball_point(centres, bandwidth + cell, return_length=True)
    assert within.min() >= K


def test_run_metadata_records_the_protections(run_dir: Path) -> None:
    meta = read_metadata(run_dir / "safespaces.gpkg")
    privacy = json.loads(meta["incidents_privacy"])
    assert privacy["k_min"] == K
    assert privacy["raw_points_exported"] is False
    assert privacy["density_masked_below_k"] is True
    assert privacy["secondary_suppression"] is True
    assert privacy["min_bandwidth_m"] >= 100
    assert json.loads(meta["incidents_raw_points_exported"]) is False
    assert json.loads(meta["config"])["mix"]["min_dwellings"] == MIN_DWELLINGS


def test_tenure_counts_below_min_dwellings_are_not_published(
    layers: dict[str, pd.DataFrame],
) -> None:
    areas = layers["areas"]
    tenure = [c for c in areas.columns if c.startswith("tenure_")]
    dwellings = areas["mix_dwellings"].to_numpy(dtype=float)
    assert not ((dwellings > 0) & (dwellings < MIN_DWELLINGS)).any()
    suppressed = areas["mix_suppressed"].astype(bool).to_numpy()
    assert areas.loc[suppressed, [*tenure, "mix_dwellings", "mix_entropy"]].isna().all().all()
    totals = areas[tenure].sum(axis=1, min_count=1).to_numpy(dtype=float)
    assert not ((totals > 0) & (totals < MIN_DWELLINGS)).any()


def test_mix_suppresses_a_small_area() -> None:
    groups = ["tenure_ara_rental", "tenure_owner"]
    areas = gpd.GeoDataFrame(
        {"area_id": [0, 1, 2], "tenure_ara_rental": [2.0, 30, 40], "tenure_owner": [1.0, 25, 10]},
        geometry=[shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(3)],
        crs=3067,
    )
    out = analyse_mix(areas, groups, params=MixParams(permutations=0), seed=1).areas
    assert out["mix_suppressed"].tolist() == [True, False, False]
    assert out.loc[0, [*groups, "mix_dwellings", "mix_entropy"]].isna().all()


def test_raw_points_opt_in_is_recorded(tmp_path: Path) -> None:
    assert main(["run", "--out", str(tmp_path), "--include-raw-points"]) == 0
    meta = read_metadata(tmp_path / "safespaces.gpkg")
    assert json.loads(meta["incidents_privacy"])["raw_points_exported"] is True
    assert json.loads(meta["incidents_raw_points_exported"]) is True
    names = {name for name, _ in pyogrio.list_layers(tmp_path / "safespaces.gpkg")}
    assert "incident_points" in names


# --- the published tables as a linear system ------------------------------------------------

LIGHT = ("day", "evening", "night", "unknown")
GROUPS = {
    "light": ["incidents_day", "incidents_evening", "incidents_night", "incidents_hour_unknown"],
    "week": ["incidents_weekday", "incidents_weekend"],
    "month": [f"incidents_month_{m:02d}" for m in range(1, 13)],
}


@dataclasses.dataclass
class Cells:
    """Cells of a published table: the unknown's index (-1: published) and the value (0: not)."""

    ids: np.ndarray
    values: np.ndarray

    def __getitem__(self, key: Any) -> Cells:
        return Cells(self.ids[key], self.values[key])

    @staticmethod
    def row(*parts: Cells) -> Cells:
        """The cells as one row (the parts of one sum)."""
        return Cells(
            np.concatenate([np.ravel(p.ids) for p in parts])[None, :],
            np.concatenate([np.ravel(p.values) for p in parts])[None, :],
        )


@dataclasses.dataclass
class LinearSystem:
    """What a reader knows: published values, unknowns x >= 0 (suppressed cells) and the
    equations ``sum(parts) - total = 0`` between cells of the published tables."""

    labels: list[str] = dataclasses.field(default_factory=list)
    rows: list[np.ndarray] = dataclasses.field(default_factory=list)
    cols: list[np.ndarray] = dataclasses.field(default_factory=list)
    coefs: list[np.ndarray] = dataclasses.field(default_factory=list)
    rhs: list[np.ndarray] = dataclasses.field(default_factory=list)
    inconsistent: list[str] = dataclasses.field(default_factory=list)
    n_equations: int = 0
    near: list[tuple[np.ndarray, np.ndarray, float, float]] = dataclasses.field(
        default_factory=list
    )

    def cells(self, label: str, values: object, columns: list[str] | None = None) -> Cells:
        """Cells of published values (NULL = suppressed = a new unknown), 1-D or rows x columns."""
        v = pd.to_numeric(pd.Series(np.ravel(np.asarray(values, dtype=object))), errors="coerce")
        shape = np.shape(np.asarray(values, dtype=object))
        hidden = v.isna().to_numpy()
        ids = np.full(len(v), -1, dtype=np.int64)
        ids[hidden] = np.arange(len(self.labels), len(self.labels) + int(hidden.sum()))
        if len(shape) == 2:
            r, c = np.unravel_index(np.flatnonzero(hidden), shape)
            names = columns or [str(j) for j in range(shape[1])]
            flat = [f"{label}[{i}].{names[j]}" for i, j in zip(r, c, strict=True)]
        else:
            flat = [f"{label}[{i}]" for i in np.flatnonzero(hidden)]
        self.labels.extend(flat)
        return Cells(ids.reshape(shape), v.fillna(0.0).to_numpy(dtype=float).reshape(shape))

    def sums(self, parts: Cells, total: Cells, name: str) -> None:
        """One equation per row of ``parts`` (m x p): the row's sum equals ``total`` (m,)."""
        pid, pval = np.atleast_2d(parts.ids), np.atleast_2d(parts.values)
        tid, tval = np.atleast_1d(total.ids), np.atleast_1d(total.values)
        m = pid.shape[0]
        eq = np.arange(m)
        r = [np.repeat(eq, pid.shape[1])[pid.ravel() >= 0], eq[tid >= 0]]
        c = [pid.ravel()[pid.ravel() >= 0], tid[tid >= 0]]
        k = [np.ones(len(c[0])), -np.ones(len(c[1]))]
        constant = tval - pval.sum(axis=1)  # sum(x parts) - x total = total - sum(published)
        has = np.zeros(m, dtype=bool)
        has[np.concatenate(r)] = True
        for i in np.flatnonzero(~has & (np.abs(constant) > 1e-6))[:3]:
            self.inconsistent.append(f"{name} [{i}]: published cells do not add up")
        keep = np.cumsum(has) - 1  # renumber the equations that have unknowns
        rr = np.concatenate(r)
        self.rows.append(keep[rr] + self.n_equations)
        self.cols.append(np.concatenate(c))
        self.coefs.append(np.concatenate(k))
        self.rhs.append(constant[has])
        self.n_equations += int(has.sum())

    def approximately(self, cells: Cells, weights: np.ndarray, value: float, tol: float) -> None:
        """sum(weights * cells) = value, known up to ``tol`` (a fitted model's equations)."""
        hidden = cells.ids >= 0
        constant = float(weights[~hidden] @ cells.values[~hidden])
        self.near.append((cells.ids[hidden], weights[hidden], value - constant, tol))

    def near_matrix(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        """The approximate equations as ``A_ub x <= b_ub`` (both directions)."""
        rows: list[int] = []
        cols: list[int] = []
        data: list[float] = []
        b: list[float] = []
        for i, (ids, w, value, tol) in enumerate(self.near):
            rows += [2 * i] * len(ids) + [2 * i + 1] * len(ids)
            cols += list(ids) * 2
            data += list(w) + list(-w)
            b += [value + tol, -(value - tol)]
        shape = (2 * len(self.near), len(self.labels))
        return sparse.csr_matrix((data, (rows, cols)), shape=shape), np.array(b, dtype=float)

    def matrix(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        a = sparse.csr_matrix(
            (np.concatenate(self.coefs), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.n_equations, len(self.labels)),
        )
        return a, np.concatenate(self.rhs)


def _count_table(system: LinearSystem, layer: str, frame: pd.DataFrame) -> dict[str, Cells]:
    """Cells of a layer's count columns, with each unit's breakdowns summing to its total."""
    cats = [
        c for c in frame.columns if c.startswith("incidents_cat_") and not c.endswith("_suppressed")
    ]
    groups = {**GROUPS, "category": cats}
    columns = ["incidents_count", *[c for g in groups.values() for c in g if c in frame]]
    grid = system.cells(layer, frame[columns].to_numpy(dtype=object), columns)
    cells = {col: grid[:, j] for j, col in enumerate(columns)}
    for name, members in groups.items():
        idx = [columns.index(m) for m in members if m in columns]
        if idx:
            system.sums(grid[:, idx], cells["incidents_count"], f"{layer} {name}")
    return cells


def read_layers(gpkg: Path) -> dict[str, pd.DataFrame]:
    """Every layer of a GeoPackage."""
    return {
        str(name): pyogrio.read_dataframe(gpkg, layer=name) for name, _ in pyogrio.list_layers(gpkg)
    }


def published_system(
    source: Path | dict[str, pd.DataFrame],
    model_info: dict[str, Any] | None = None,
) -> tuple[LinearSystem, dict[str, int]]:
    """The reader's linear system of every published incident table (a GeoPackage, or the
    layers as written).

    Returns the system and the number of suppressed cells per table.
    """
    layers = read_layers(source) if isinstance(source, Path) else source
    info = model_info
    if isinstance(source, Path):
        meta = read_metadata(source)
        info = {
            "columns": json.loads(meta["incidents_environment_columns"]),
            "model": json.loads(meta["incidents_model"]),
        }
    system = LinearSystem()
    summary = layers["incident_summary"]
    items = dict(zip(summary["item"], summary["value"], strict=True))
    hidden: dict[str, int] = {}
    start = 0

    def close(table: str) -> None:
        nonlocal start
        hidden[table] = len(system.labels) - start
        start = len(system.labels)

    def item(name: str) -> Cells:
        return system.cells(f"summary.{name}", [items.get(name)])

    read, inside = item("incidents read"), item("in study area")
    known = float(items["outside study area"]) + sum(
        float(v) for k, v in items.items() if str(k).startswith("dropped.")
    )
    outside = system.cells("summary.outside", [known])
    system.sums(Cells.row(inside, outside), read, "read")
    windows = [item(f"by light window.{w}") for w in LIGHT]
    light = Cells.row(*windows)[0]
    system.sums(Cells.row(light), inside, "summary windows")
    system.sums(
        Cells.row(item("light window unknown")),
        windows[3],
        "date only",
    )
    not_snapped = item("not snapped to a street") if "not snapped to a street" in items else None
    close("incident_summary")

    areas = layers["areas"]
    a = _count_table(system, "areas", areas)
    system.sums(Cells.row(a["incidents_count"]), inside, "areas total")
    for j, column in enumerate(GROUPS["light"]):
        system.sums(Cells.row(a[column]), light[j : j + 1], f"areas {column}")
    close("areas")

    segments = layers.get("street_segments")
    if segments is not None and "incidents_count" in segments:
        s = _count_table(system, "street_segments", segments)
        assert not_snapped is not None
        t = s["incidents_count"]
        system.sums(Cells.row(t, not_snapped), inside, "segments total")
        close("street_segments")
        env = layers["incident_environment"]
        variables = list(dict.fromkeys(env["variable"]))
        groups = environment_groups(segments, variables)
        assert [(v, g, len(m)) for v, g, m in groups] == list(
            zip(env["variable"], env["group"], env["segments"], strict=True)
        ), "the environment groups cannot be recomputed from the published segments"
        e = system.cells("incident_environment", env["incidents"].to_numpy(dtype=object))
        for i, (_, group, members) in enumerate(groups):
            system.sums(Cells.row(t[members]), e[i : i + 1], f"environment {group}")
        close("incident_environment")
        model = layers.get("incident_model")
        if model is not None and len(model):
            # each coefficient's score equation is a weighted sum of the segment counts,
            # known to the fit's precision (a fitted NB2 leaves ~1e-3 there: allow 0.01
            # incidents, far below a count's resolution)
            assert info is not None, "a published model needs its run_metadata"
            relations = score_relations(
                segments, np.zeros(len(segments)), info["columns"], model, info["model"]
            )
            weights = relations.rows.toarray()
            for j, value in enumerate(relations.values):
                system.approximately(t, weights[j], float(value), 1e-2 + 1e-4 * abs(value))

    hot = layers["incident_hotspots"]
    h = system.cells("incident_hotspots", hot["incidents_count"].to_numpy(dtype=object))
    same = (
        "area_id" in hot
        and len(hot) == len(areas)
        and (hot["area_id"].to_numpy() == areas["area_id"].to_numpy()).all()
        and hot.geometry.geom_equals(areas.geometry).all()
    )
    if same:  # the areas themselves: the same counts
        system.sums(Cells(h.ids[:, None], h.values[:, None]), a["incidents_count"], "hotspots")
    else:  # a grid over the study area: its units add up to the study total
        system.sums(Cells.row(h), inside, "hotspot units total")
    close("incident_hotspots")
    return system, hidden


@dataclasses.dataclass
class Audit:
    """Feasible interval [lo, hi] of every suppressed cell, and the unprotected ones."""

    lo: np.ndarray
    hi: np.ndarray
    unprotected: list[str]
    lps: int


def _classes(a: sparse.csr_matrix) -> np.ndarray:
    """Class of each unknown: unknowns with identical columns of ``a`` share one."""
    csc = a.tocsc()
    csc.sort_indices()
    keys = [
        (tuple(csc.indices[s:e]), tuple(np.round(csc.data[s:e], 9)))
        for s, e in zip(csc.indptr[:-1], csc.indptr[1:], strict=True)
    ]
    _, inverse = np.unique(np.array([hash(k) for k in keys]), return_inverse=True)
    return inverse


def audit(
    system: LinearSystem, k: int, *, publish_zero: bool = True, tol: float = 1e-6, rounds: int = 40
) -> Audit:
    """Bound every unknown; protected: hi - lo >= 1 and hi >= k (or, where zeros are
    published anyway, provably 0: hi = 0).

    Inner bounds come from feasible points: LPs that maximise sum(min(x, k)) over the cells
    not yet proven (then minimise sum(x)). Unknowns with identical columns (e.g. two hidden
    months of one segment, which appear in that segment's month sum only) can trade their
    mass freely, so from a feasible point each of them can take all of their sum, or 0.
    A cell these points do not prove protected gets its exact LP minimum and maximum.
    """
    assert not system.inconsistent, system.inconsistent[:5]
    n = len(system.labels)
    if n == 0:
        return Audit(np.zeros(0), np.zeros(0), [], 0)
    a, b = system.matrix()
    a_near, b_near = system.near_matrix()
    cls = _classes(sparse.vstack([a, a_near]).tocsr())

    def lp(
        objective: np.ndarray,
        extra: sparse.spmatrix | None = None,
        extra_b: np.ndarray | None = None,
        bounds: list[tuple[float, float | None]] | None = None,
    ) -> Any:
        width = len(objective)
        ub = [sparse.hstack([a_near, sparse.csr_matrix((a_near.shape[0], width - n))])]
        bub = [b_near]
        if extra is not None and extra_b is not None:
            ub.append(extra)
            bub.append(extra_b)
        a_ub = sparse.vstack(ub).tocsr()
        return linprog(
            objective,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=np.concatenate(bub) if a_ub.shape[0] else None,
            A_eq=sparse.hstack([a, sparse.csr_matrix((a.shape[0], width - n))]).tocsr(),
            b_eq=b,
            bounds=bounds or (0, None),
            method="highs",
        )

    size = np.bincount(cls)
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    lps = 0

    def take(x: np.ndarray) -> None:
        mass = np.bincount(cls, weights=x)[cls]
        shared = size[cls] >= 2
        np.maximum(hi, np.where(shared, mass, x), out=hi)
        np.minimum(lo, np.where(shared, 0.0, x), out=lo)

    def open_cells() -> np.ndarray:
        bad = (hi - lo < 1 - tol) | (hi < k - tol)
        return bad & (hi > tol) if publish_zero else bad

    lowest = lp(np.ones(n))
    assert lowest.status == 0, f"the published tables are not a feasible system: {lowest.message}"
    take(lowest.x)
    lps += 1
    for _ in range(rounds):
        todo = np.unique(cls[open_cells()])
        if not len(todo):
            break
        # maximise sum over open classes of min(class sum, k): t_c <= sum x, t_c <= k
        nt = len(todo)
        pick = sparse.csr_matrix(
            (np.ones(n), (np.searchsorted(todo, cls).clip(0, nt - 1), np.arange(n))),
            shape=(nt, n),
        )
        member = np.isin(cls, todo)
        pick = pick.multiply(member[None, :]).tocsr()
        res = lp(
            np.r_[np.zeros(n), -np.ones(nt)],
            sparse.hstack([-pick, sparse.identity(nt)]).tocsr(),
            np.zeros(nt),
            [(0.0, None)] * n + [(0.0, float(k))] * nt,
        )
        lps += 1
        assert res.status == 0, res.message
        before = int(open_cells().sum())
        take(res.x[:n])
        if int(open_cells().sum()) == before:
            break
    exact: dict[int, tuple[float, float]] = {}  # unknowns with identical columns: one answer
    for i in np.flatnonzero(open_cells()):
        if cls[i] not in exact:
            objective = np.zeros(n)
            objective[i] = -1.0
            top = lp(objective)
            objective[i] = 1.0
            bottom = lp(objective)
            exact[cls[i]] = (bottom.fun, np.inf if top.status == 3 else -top.fun)
            lps += 2
        lo[i], hi[i] = exact[cls[i]]
    unprotected = [
        f"{system.labels[i]} in [{lo[i]:.2f}, {hi[i]:.2f}]" for i in np.flatnonzero(open_cells())
    ]
    return Audit(lo, hi, unprotected, lps)


# --- the audit itself can fail ----------------------------------------------------------------


def _breakdown(total: float, parts: list[float | None]) -> LinearSystem:
    system = LinearSystem()
    t = system.cells("total", [total])
    p = system.cells("part", np.array(parts, dtype=object))
    system.sums(Cells.row(p), t, "breakdown")
    return system


def test_audit_finds_a_cell_derived_from_its_total() -> None:
    # the example: total 10 = day 9 + evening NULL -> evening = 1
    assert audit(_breakdown(10, [9, None, 0, 0]), 5).unprotected == ["part[1] in [1.00, 1.00]"]


def test_audit_finds_hidden_cells_pinned_below_k() -> None:
    # two hidden cells, but together only 3: a reader knows both are small
    found = audit(_breakdown(10, [7, None, None]), 5).unprotected
    assert found == ["part[1] in [0.00, 3.00]", "part[2] in [0.00, 3.00]"]


def test_audit_passes_a_protected_breakdown() -> None:
    result = audit(_breakdown(20, [None, None, 5]), 5)
    assert result.unprotected == []
    assert result.hi.tolist() == [15.0, 15.0] and result.lo.tolist() == [0.0, 0.0]


# --- every published table of real runs -------------------------------------------------------


def test_no_hidden_count_can_be_derived_in_the_helsinki_default(run_dir: Path) -> None:
    system, hidden = published_system(run_dir / "safespaces.gpkg")
    assert hidden["areas"] > 50 and hidden["street_segments"] > 10_000  # a real test
    assert len(system.near) >= 5  # the published count model's equations are in it
    result = audit(system, K)
    assert result.unprotected == [], result.unprotected[:10]


def _write_incidents(path: Path, lonlat: np.ndarray, categories: list[str], seed: int) -> Path:
    rng = np.random.default_rng(seed)
    lines = ["lon,lat,time,category"]
    for (lon, lat), cat in zip(lonlat, categories, strict=True):
        day, minute = int(rng.integers(0, 365)), int(rng.integers(0, 24 * 60))
        when = pd.Timestamp("2025-01-01") + pd.Timedelta(days=day, minutes=minute)
        lines.append(f"{lon:.6f},{lat:.6f},{when:%Y-%m-%dT%H:%M},{cat}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``safespaces run`` with 14 incidents in three clusters: suppression everywhere."""
    tmp = tmp_path_factory.mktemp("small")
    rng = np.random.default_rng(11)
    centres = np.array([[24.9420, 60.1690], [24.9470, 60.1720], [24.9500, 60.1680]])
    lonlat = centres[rng.integers(0, 3, 14)] + rng.normal(0, 0.0008, (14, 2))
    categories = rng.choice(["theft", "harassment", "violence"], 14).tolist()
    csv = _write_incidents(tmp / "few.csv", lonlat, categories, 11)
    assert main(["run", "--incidents", str(csv), "--out", str(tmp / "out")]) == 0
    return tmp / "out" / "safespaces.gpkg"


def test_no_hidden_count_can_be_derived_with_few_incidents(small_run: Path) -> None:
    system, hidden = published_system(small_run)
    assert hidden["areas"] > 20 and hidden["street_segments"] > 100
    assert hidden["incident_environment"] > 0  # the environment table is protected too
    result = audit(system, K)
    assert result.unprotected == [], result.unprotected[:10]
    # 14 incidents cannot estimate 10 parameters: every term is "not estimable", no number
    # is published (withholding is checked in the random incident sets below)
    model = pyogrio.read_dataframe(small_run, layer="incident_model")
    assert len(model) and (model["status"] == "not estimable").all()
    assert model[["coef", "se", "p", "irr", "irr_ci_low", "irr_ci_high"]].isna().all().all()
    reason = json.loads(read_metadata(small_run)["incidents_model"])["reason"]
    assert reason.startswith("too few incidents: fewer than 10 per parameter")


def test_hotspot_z_withheld_where_it_would_reveal_counts(small_run: Path) -> None:
    """A Gi* z gives its unit's neighbourhood sum: with suppressed cells around, the
    audit withholds z, p and q (the classes stay) and says why."""
    hot = pyogrio.read_dataframe(small_run, layer="incident_hotspots")
    assert hot["incidents_suppressed"].any()
    assert hot["hotspot_gi_z"].isna().all() and hot["hotspot_p_sim"].isna().all()
    assert hot["hotspot_class"].notna().all()
    summary = json.loads(read_metadata(small_run)["incidents_summary"])
    assert summary["hotspot statistics"].startswith("z, p and q withheld")


def test_hotspot_numbers_of_quiet_units_hidden_without_publish_zero() -> None:
    """Without publish_zero a unit not tested (0 in it and its neighbours) must not
    stand out: z, p and q are blank on every unit that is not significant."""
    points, segments, areas = _toy_city(0)
    for publish_zero in (True, False):
        params = IncidentParams(
            k_min=3,
            publish_zero=publish_zero,
            secondary_suppression=False,
            hotspot_units="grid",
            grid_size_m=100.0,
        )
        result = analyse_incidents(points, segments, areas, params, seed=0)
        hot = result.hotspots
        quiet = ~hot["hotspot_class"].str.startswith(("hot", "cold"))
        assert quiet.sum() > 10
        assert hot.loc[~quiet, "hotspot_gi_z"].notna().all()
        z_quiet = hot.loc[quiet, "hotspot_gi_z"]
        assert z_quiet.isna().all() if not publish_zero else z_quiet.notna().any()


def _areas_around(csv: Path, path: Path) -> Path:
    """A 3 x 3 grid of areas over the incidents of ``csv`` (GeoJSON, lon/lat)."""
    points = pd.read_csv(csv)
    xy = gpd.GeoSeries(gpd.points_from_xy(points["lon"], points["lat"]), crs=4326).to_crs(3067)
    x0, y0, x1, y1 = xy.total_bounds
    xs, ys = np.linspace(x0 - 10, x1 + 10, 4), np.linspace(y0 - 10, y1 + 10, 4)
    boxes = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(3) for j in range(3)]
    gpd.GeoDataFrame({"name": [f"area {i}" for i in range(9)]}, geometry=boxes, crs=3067).to_crs(
        4326
    ).to_file(path)
    return path


def test_colliding_categories_stay_distinct_and_protected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = REAL / "privacy_category_collision.csv"
    areas = _areas_around(csv, tmp_path / "areas.geojson")
    out = tmp_path / "out"
    args = ["incidents", "--incidents", str(csv), "--areas", str(areas), "--out", str(out)]
    assert main(args) == 0
    gpkg = out / "safespaces.gpkg"
    layer = pyogrio.read_dataframe(gpkg, layer="areas")
    mapping = json.loads(read_metadata(gpkg)["incidents_categories"])["columns"]
    assert mapping == {
        "incidents_cat_hate_crime": "HATE CRIME",
        "incidents_cat_hate_crime_2": "Hate crime",
        "incidents_cat_theft": "Theft",
        "incidents_cat_hate_crime_3": "hate-crime",
        "incidents_cat_other": "1 other categories",
    }
    assert set(mapping) <= set(layer.columns)
    # the published cells are the true counts of each spelling, never a merged column
    raw = pd.read_csv(csv)
    for column, label in list(mapping.items())[:4]:
        published = pd.to_numeric(layer[column], errors="coerce")
        assert published.sum() <= (raw["category"] == label).sum()
    system, hidden = published_system(gpkg)
    assert hidden["areas"] > 0
    assert audit(system, K).unprotected == []
    # the terminal report publishes the same (suppressed) study figures as the tables
    report = capsys.readouterr().out
    summary = json.loads(read_metadata(gpkg)["incidents_summary"])
    for item in ("incidents read", "in study area"):
        value = summary[item]
        assert f"  {item}: {'NULL' if value is None else value}\n" in report


def test_every_copy_of_the_summary_publishes_the_same_values(run_dir: Path) -> None:
    gpkg = run_dir / "safespaces.gpkg"
    meta = read_metadata(gpkg)
    summary = json.loads(meta["incidents_summary"])
    assert json.loads(meta["summary"])["incidents"] == summary
    table = pyogrio.read_dataframe(gpkg, layer="incident_summary")
    items = dict(zip(table["item"], table["value"], strict=True))
    for key, value in summary.items():
        nested = value if isinstance(value, dict) else {None: value}
        for sub, v in nested.items():
            item = key if sub is None else f"{key}.{sub}"
            assert items[item] == (None if v is None else str(v)), item


def test_an_update_with_no_incident_in_the_areas_leaves_nothing_stale(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    shutil.copytree(run_dir, out)
    assert (out / "incident_density.tif").exists()
    rng = np.random.default_rng(5)  # 500 m west of the extract: outside every area
    lonlat = np.column_stack([rng.uniform(24.926, 24.929, 15), rng.uniform(60.168, 60.172, 15)])
    csv = _write_incidents(tmp_path / "elsewhere.csv", lonlat, ["theft"] * 15, 5)
    args = ["incidents", "--osm", str(DEFAULT_OSM), "--incidents", str(csv), "--out", str(out)]
    assert main([*args, "--permutations", "0"]) == 0
    for name in ("incident_density.tif", "incident_density.qml", "incident_density.qmd"):
        assert not (out / name).exists(), name
    with zipfile.ZipFile(out / "safespaces.qgz") as qgz:  # the project was rebuilt
        project = qgz.read(qgz.namelist()[0]).decode("utf-8")
    assert "incident_density" not in project and "illuminance.tif" in project
    gpkg = out / "safespaces.gpkg"
    segments = pyogrio.read_dataframe(gpkg, layer="street_segments")
    areas = pyogrio.read_dataframe(gpkg, layer="areas")
    assert segments["score_incidents"].isna().all() and areas["score_incidents"].isna().all()
    assert segments["safe_space_score"].notna().mean() > 0.9  # from the other families
    assert (segments["incidents_count"] == 0).all()
    meta = read_metadata(gpkg)
    summary = json.loads(meta["incidents_summary"])
    assert summary["in study area"] == 0 and summary["outside study area"] == 15
    assert "no incident falls in the study area" in summary["incident rates"]
    assert json.loads(meta["summary"])["incidents"] == summary  # not the earlier run's
    score = json.loads(meta["safe_space_score"])
    assert "incidents" not in score["families"] and "incidents" in score["unknown"]
    assert json.loads(meta["summary"])["score"] == score
    assert json.loads(meta["incidents_density"]) is None
    assert "no incident falls in the study area" in capsys.readouterr().out


# --- random incident sets on a toy city -------------------------------------------------------

X0, Y0 = 385000.0, 6672000.0


def _toy_city(seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """288 segments of 50 m on a 100 m grid (with an eyes index and a light class), 9 areas,
    and 0-89 incidents in up to three clusters (some outside the areas)."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(9):
        for j in range(16):
            lines.append(
                shapely.LineString([(X0 + j * 50, Y0 + i * 100), (X0 + j * 50 + 50, Y0 + i * 100)])
            )
            lines.append(
                shapely.LineString([(X0 + i * 100, Y0 + j * 50), (X0 + i * 100, Y0 + j * 50 + 50)])
            )
    segments = gpd.GeoDataFrame(
        {
            "segment_id": np.arange(len(lines)),
            "length_m": 50.0,
            "eyes_night": rng.uniform(0, 60, len(lines)).round(2),
            "light_class": rng.choice(["P4", "P5", "below P6", "unlit"], len(lines)),
        },
        geometry=lines,
        crs=3067,
    )
    boxes = [
        shapely.box(X0 + a * 267, Y0 + b * 267, X0 + (a + 1) * 267, Y0 + (b + 1) * 267)
        for a in range(3)
        for b in range(3)
    ]
    areas = gpd.GeoDataFrame(
        {"area_id": np.arange(9), "name": [f"a{i}" for i in range(9)]}, geometry=boxes, crs=3067
    )
    n = int(rng.integers(0, 90))
    centres = rng.uniform(0, 800, (3, 2))
    xy = np.clip(
        centres[rng.integers(0, 3, n)] + rng.normal(0, rng.uniform(20, 200), (n, 2)), -50, 850
    )
    minutes = rng.integers(0, 365 * 24 * 60, n)
    points = gpd.GeoDataFrame(
        {
            "time": pd.Timestamp("2025-01-01", tz="Europe/Helsinki")
            + pd.to_timedelta(minutes, unit="min"),
            "hour_known": rng.random(n) > 0.1,
            "category": rng.choice(
                ["theft", "harassment", "violence", "vandalism", "rare"],
                n,
                p=[0.4, 0.3, 0.15, 0.13, 0.02],
            ),
        },
        geometry=gpd.points_from_xy(X0 + xy[:, 0], Y0 + xy[:, 1]),
        crs=3067,
    )
    return points, segments, areas


# seeds that once found a gap: 6 and 9 (a cell pinned through the two environment partitions),
# 60 (the file total pinned by the always-published count of incidents outside the areas)
@pytest.mark.parametrize("seed", [0, 1, 2, 4, 5, 6, 9, 60])
def test_no_hidden_count_can_be_derived_in_random_incident_sets(seed: int) -> None:
    points, segments, areas = _toy_city(seed)
    k = (3, 5, 10)[seed % 3]
    params = IncidentParams(
        k_min=k,
        hotspot_permutations=0,
        hotspot_units="grid" if seed % 5 == 0 else "areas",
        grid_size_m=200.0,
        # odd seeds relax the model's 10 incidents per parameter, so that small data still
        # publish (seed 9) or withhold (seeds 1, 5) a model whose score equations are audited
        model_min_per_parameter=1 if seed % 2 else 10,
    )
    result = analyse_incidents(points, segments, areas, params, seed=seed)
    reason = str(result.metadata()["incidents_model"].get("reason", ""))
    if seed in (4, 5):
        assert reason.startswith("withheld: its coefficients would narrow down")
    if seed == 9:
        assert (result.model["status"] == "estimated").all()
    info = {
        "columns": result.metadata()["incidents_environment_columns"],
        "model": result.metadata()["incidents_model"],
    }
    system, _ = published_system(result.layers(), info)
    assert audit(system, k).unprotected == []
