"""Small synthetic inputs for the lighting tests (EPSG:3067, hand-checkable)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from safespaces.lighting import LightingParams

CRS = "EPSG:3067"
X0, Y0 = 385_000.0, 6_672_000.0  # central Helsinki in ETRS-TM35FIN


def make_segments(
    lines: list[list[tuple[float, float]]],
    *,
    lit: list[str | None] | None = None,
    highway: list[str] | None = None,
) -> gpd.GeoDataFrame:
    n = len(lines)
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in line]) for line in lines]
    return gpd.GeoDataFrame(
        {
            "segment_id": list(range(n)),
            "name": [None] * n,
            "highway": highway or ["footway"] * n,
            "lit_tag": lit if lit is not None else ["yes"] * n,
            "sidewalk": [None] * n,
            "footway": [None] * n,
            "length_m": [g.length for g in geoms],
            "u": list(range(n)),
            "v": list(range(1, n + 1)),
        },
        geometry=geoms,
        crs=CRS,
    )


def make_lamps(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    """Lamps from dicts with x, y (relative) and any lamp-schema columns."""
    geoms = [shapely.Point(X0 + float(r["x"]), Y0 + float(r["y"])) for r in rows]  # type: ignore[arg-type]
    data = [{k: v for k, v in r.items() if k not in ("x", "y")} for r in rows]
    frame = gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)
    if "source" not in frame.columns:
        frame["source"] = "osm"
    return frame


def make_spaces(
    polys: list[tuple[float, float, float, float]], kinds: list[str]
) -> gpd.GeoDataFrame:
    geoms = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in polys]
    return gpd.GeoDataFrame(
        {
            "space_id": list(range(len(polys))),
            "kind": kinds,
            "name": [f"space {i}" for i in range(len(polys))],
        },
        geometry=geoms,
        crs=CRS,
    )


#: The model of earlier versions as a special case (isotropic lamps, MF = 1, the centre line).
point_source = LightingParams.point_source
