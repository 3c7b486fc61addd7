"""A seeded SYNTHETIC survey on the Helsinki default (tests and the README demo only).

Every answer is made up: a well-measured area (top third of the composite score)
is planted as feeling unsafe, one area has fewer than k respondents, the others
answer at random with about one in five feeling unsafe. The file carries a
``synthetic`` column, so every output made from it is labelled SYNTHETIC.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

SEED = 20261204


def plan(areas: gpd.GeoDataFrame) -> tuple[int, int]:
    """(planted area_id: the best-scored area, small area_id: a middle-scored one)."""
    ranked = areas.sort_values("safe_space_score", ascending=False)["area_id"].to_numpy()
    return int(ranked[0]), int(ranked[len(ranked) // 2])


def synthetic_survey(
    areas: gpd.GeoDataFrame, path: Path, *, seed: int = SEED, small: int = 4, groups: bool = True
) -> pd.DataFrame:
    """Write the SYNTHETIC respondent CSV to ``path`` and return it (with lon/lat)."""
    rng = np.random.default_rng(seed)
    planted, tiny = plan(areas)
    rows = []
    for area in areas.itertuples():
        aid = int(area.area_id)
        n = small if aid == tiny else 40 if aid == planted else int(rng.integers(15, 35))
        p_unsafe = 0.85 if aid == planted else 0.2
        pts = area.geometry.representative_point()
        xs = pts.x + rng.uniform(-40, 40, n)
        ys = pts.y + rng.uniform(-40, 40, n)
        inside = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=areas.crs).within(area.geometry)
        xs = np.where(inside, xs, pts.x)
        ys = np.where(inside, ys, pts.y)
        unsafe = rng.random(n) < p_unsafe
        rating = np.where(unsafe, rng.integers(1, 3, n), rng.integers(3, 6, n))
        period = rng.choice(["day", "evening", "night"], n)
        age = rng.choice(["18-34", "35-64", "65+"], n)
        rows.append(
            pd.DataFrame({"x": xs, "y": ys, "rating": rating, "period": period, "age": age})
        )
    frame = pd.concat(rows, ignore_index=True)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(frame["x"], frame["y"]), crs=areas.crs).to_crs(4326)
    out = pd.DataFrame(
        {
            "lon": lonlat.x.round(7),
            "lat": lonlat.y.round(7),
            "rating": frame["rating"],
            "period": frame["period"],
            **({"age": frame["age"]} if groups else {}),
            "synthetic": "true",
        }
    )
    out.to_csv(path, index=False)
    return out


def synthetic_audits(segments: gpd.GeoDataFrame, path: Path, *, seed: int = 1) -> pd.DataFrame:
    """Write SYNTHETIC audits of 60 segments to ``path``: audit lighting made from our own
    modelled lux plus noise (agreement by construction: it shows the table's form only)."""
    from safespaces.sources.survey import AUDIT_PARAMETERS

    rng = np.random.default_rng(seed)
    chosen = segments.sample(60, random_state=seed)
    pts = chosen.geometry.interpolate(0.5, normalized=True).to_crs(4326)
    lux = chosen["light_lux_avg"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
            **{p: rng.integers(0, 4, 60) for p in AUDIT_PARAMETERS},
        }
    )
    out["lighting"] = np.clip(np.digitize(lux, [0.5, 2, 6]) + rng.integers(-1, 2, 60), 0, 3)
    out["synthetic"] = "true"
    out.to_csv(path, index=False)
    return out
