"""Outputs before and after a refactor: make them, then compare them layer by layer.

A refactor that should not change behaviour is checked by running the same
studies before and after and comparing every output::

    python tools/golden.py make DIR      # on the old commit
    python tools/golden.py make DIR2     # on the new commit
    python tools/golden.py compare DIR DIR2

``make`` runs the Helsinki default (``run``, local engine), the default tiled
4 x 4 (local and dask engines) and each family subcommand (``lighting``,
``eyes``, ``mix`` on a fixed polygon file, ``incidents``, ``export``) into
``DIR/<case>``. ``compare`` reads every layer of every GeoPackage (text,
integers and geometry exact, floats to 1e-9 relative), every GeoTIFF (values
and georeferencing) and every ``.qml`` (byte-exact), skipping only
``run_metadata`` (timings and paths).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "safespaces" / "data" / "helsinki"
SKIP = {"run_metadata", "layer_styles"}
TOLERANCE = 1e-9


def _mix_areas(path: Path) -> Path:
    import geopandas as gpd

    rng = np.random.default_rng(0)
    n = 24
    x, y = np.arange(n) % 6 * 300.0 + 385000, np.arange(n) // 6 * 300.0 + 6671000
    frame = pd.DataFrame(rng.integers(0, 60, (n, 3)), columns=["ara", "hitas", "owner"])
    frame.loc[0] = [1, 2, 0]
    frame["name"] = [f"area {i}" for i in range(n)]
    gdf = gpd.GeoDataFrame(frame, geometry=shapely.box(x, y, x + 300, y + 300), crs=3067)
    gdf.to_file(path)
    return path


def make(out: Path, cases: list[str] | None) -> None:
    from safespaces import pipeline
    from safespaces.cli import main
    from safespaces.tiling import tile_study, tiled_study

    out.mkdir(parents=True, exist_ok=True)
    osm = str(DEFAULT / "helsinki.osm.pbf")
    inc = str(DEFAULT / "incidents_SYNTHETIC.csv")
    areas = _mix_areas(out / "mix_areas.gpkg")
    commands = {
        "run": ["run"],
        "lighting": ["lighting", "--osm", osm],
        "eyes": ["eyes", "--osm", osm],
        "mix": [
            "mix",
            "--areas",
            str(areas),
            "--groups",
            "ara,hitas,owner",
            "--permutations",
            "99",
        ],
        "incidents": ["incidents", "--incidents", inc, "--osm", osm, "--permutations", "99"],
    }
    for name, argv in commands.items():
        if cases and name not in cases:
            continue
        rc = main([*argv, "--out", str(out / name)])
        assert rc == 0, (name, rc)
    if not cases or "export" in cases:
        rc = main(["export", "--out", str(out / "incidents")])
        assert rc == 0, ("export", rc)
    if not cases or "tiled4" in cases or "tiled4-dask" in cases:
        city = tile_study(tiled_study(1), 4)
        if not cases or "tiled4" in cases:
            pipeline.run_study(city, out / "tiled4")
        if not cases or "tiled4-dask" in cases:
            from safespaces.distributed import run_dask

            run_dask(city, city.config, out / "tiled4-dask", workers=2, processes=False)


def _same_frame(where: str, a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    bad: list[str] = []
    if list(a.columns) != list(b.columns):
        return [f"{where}: columns {list(a.columns)} != {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{where}: {len(a)} rows != {len(b)}"]
    for column in a.columns:
        x, y = a[column], b[column]
        at = f"{where}.{column}"
        if x.dtype != y.dtype:
            bad.append(f"{at}: dtype {x.dtype} != {y.dtype}")
        elif column == "geometry":
            wa = shapely.to_wkb(np.asarray(x, dtype=object))
            wb = shapely.to_wkb(np.asarray(y, dtype=object))
            if (wa != wb).any():
                bad.append(f"{at}: {(wa != wb).sum()} geometries differ")
        elif pd.api.types.is_float_dtype(x):
            xa, ya = x.to_numpy(float), y.to_numpy(float)
            if not np.allclose(xa, ya, rtol=TOLERANCE, atol=0, equal_nan=True):
                bad.append(f"{at}: floats differ (max {np.nanmax(np.abs(xa - ya))})")
        elif not x.equals(y):
            bad.append(f"{at}: values differ")
    return bad


def compare(a: Path, b: Path) -> list[str]:
    import rasterio

    bad: list[str] = []
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    compared = [f for f in files_a if f.suffix in {".gpkg", ".tif", ".qml"}]
    missing = set(compared) - set(files_b)
    bad += [f"{f}: missing in {b}" for f in sorted(missing)]
    extra = {f for f in files_b if f.suffix in {".gpkg", ".tif", ".qml"}} - set(files_a)
    bad += [f"{f}: only in {b}" for f in sorted(extra)]
    for rel in compared:
        if rel in missing:
            continue
        pa, pb = a / rel, b / rel
        if rel.suffix == ".gpkg":
            la = [str(n) for n in pyogrio.list_layers(pa)[:, 0] if n not in SKIP]
            lb = [str(n) for n in pyogrio.list_layers(pb)[:, 0] if n not in SKIP]
            if la != lb:
                bad.append(f"{rel}: layers {la} != {lb}")
                continue
            for layer in la:
                fa = pyogrio.read_dataframe(pa, layer=layer)
                fb = pyogrio.read_dataframe(pb, layer=layer)
                bad += _same_frame(f"{rel}:{layer}", fa, fb)
        elif rel.suffix == ".tif":
            with rasterio.open(pa) as ra, rasterio.open(pb) as rb:
                if (ra.transform, ra.crs, ra.shape, ra.nodata) != (
                    rb.transform,
                    rb.crs,
                    rb.shape,
                    rb.nodata,
                ):
                    bad.append(f"{rel}: georeferencing differs")
                    continue
                xa, xb = ra.read(), rb.read()
                if not np.allclose(xa, xb, rtol=TOLERANCE, atol=0, equal_nan=True):
                    bad.append(f"{rel}: raster values differ")
                if ra.tags() != rb.tags():
                    bad.append(f"{rel}: tags differ")
        elif pa.read_bytes() != pb.read_bytes():
            bad.append(f"{rel}: bytes differ")
    print(f"compared {len(compared)} files", file=sys.stderr)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("out", type=Path)
    m.add_argument("--cases", default="", help="comma-separated subset")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "make":
        make(args.out, [x for x in args.cases.split(",") if x] or None)
        return 0
    problems = compare(args.a, args.b)
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
