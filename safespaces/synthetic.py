"""Seeded generator of the SYNTHETIC demo layers of the embedded Helsinki default.

No open data gives tenure per building or incident points for Helsinki, so the
default ships plausible, clearly labelled stand-ins made here:

``safespaces/data/helsinki/tenure_SYNTHETIC.csv``
    Dwellings per residential building by tenure. Dwellings = estimated
    residents / 1.8 persons per dwelling (Helsinki's household size). Each
    building gets one ownership regime, as Helsinki housing companies do: ARA
    rental, right-of-occupancy or Hitas buildings are wholly that tenure; market
    buildings split their flats between owner-occupied, privately rented and
    other/unknown. Regimes are assigned in the order of a smooth random spatial
    field (so like tenures cluster, as they do in real cities) until each
    regime's share of dwellings matches Helsinki's stock (end 2018-19, Helsinki
    city statistics): 19 % ARA rental, 3 % right-of-occupancy, 41 %
    owner-occupied (of which Hitas about 5 points), the rest rented on the
    market (28 %) or other/unknown (9 %).
``safespaces/data/helsinki/incidents_SYNTHETIC.csv``
    A timed point process along the walking network for 2025: segments are
    drawn with probability proportional to length x (1 + 3 x night-life venues
    within 50 m + 0.5 x other premises within 50 m); points fall uniformly along
    the segment with 5 m of scatter; the hour follows a per-category profile and
    weekend nights are twice as likely. 3 % of reports carry a date only.

Run ``python -m safespaces.synthetic`` to regenerate both files; a test checks
that the committed files equal a fresh generation.
"""

from __future__ import annotations

import argparse
import dataclasses
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.config import Config
from safespaces.population import (
    PERSONS_PER_DWELLING,
    USE_EVIDENCE,
    ResidentParams,
    estimate_residents,
)
from safespaces.sources.osm import OsmData, load_osm

#: The embedded default's folder, package data of ``safespaces`` (installed with the wheel;
#: ``pyproject.toml`` ``[tool.setuptools.package-data]``). A real folder on disk: the readers
#: (osmium, pyogrio) need file paths, and setuptools installs the package unzipped.
DATA_DIR = Path(str(files("safespaces") / "data" / "helsinki")).resolve()
DEFAULT_OSM = DATA_DIR / "helsinki.osm.pbf"
TENURE_FILE = DATA_DIR / "tenure_SYNTHETIC.csv"
INCIDENT_FILE = DATA_DIR / "incidents_SYNTHETIC.csv"

#: Share of dwellings per ownership regime (Helsinki stock, see module docstring).
REGIME_SHARES = {
    "ara_rental": 0.19,
    "right_of_occupancy": 0.03,
    "hitas_owner": 0.05,
    "market": 0.73,
}
#: How market buildings split: owner 36 %, private rental 28 %, other 9 % of all dwellings.
MARKET_SPLIT = {"owner": 36 / 73, "private_rental": 28 / 73, "other": 9 / 73}

NIGHTLIFE = frozenset({"bar", "pub", "nightclub", "fast_food", "casino", "biergarten"})
#: Relative frequency of each hour 0..23, per incident category.
HOUR_PROFILES = {
    "disturbance": [8, 7, 6, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7],
    "violence": [9, 9, 8, 6, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 8],
    "theft": [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 6, 5, 4, 3, 2, 1],
    "harassment": [5, 4, 3, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 4, 4, 4, 5, 5, 6, 6, 6],
    "vandalism": [6, 6, 6, 5, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 6],
    "unsafe_spot": [3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
}
CATEGORY_SHARES = {
    "disturbance": 0.30,
    "theft": 0.25,
    "harassment": 0.15,
    "violence": 0.10,
    "vandalism": 0.10,
    "unsafe_spot": 0.10,
}


def _smooth_field(xy: np.ndarray, rng: np.random.Generator, scale_m: float = 400.0) -> np.ndarray:
    """A smooth random field: a sum of 12 random plane waves of wavelength ~``scale_m``."""
    angles = rng.uniform(0, 2 * np.pi, 12)
    phases = rng.uniform(0, 2 * np.pi, 12)
    k = 2 * np.pi / (scale_m * rng.uniform(0.7, 1.5, 12))
    proj = xy[:, :1] * np.cos(angles) + xy[:, 1:] * np.sin(angles)
    return np.sin(proj * k + phases).sum(axis=1)


def demo_residents(config: Config) -> ResidentParams:
    """The resident estimate the SYNTHETIC tenure was generated with: 5 storeys where
    levels are missing, for every type and size (no ``levels_by_type``, no footprint rules;
    :func:`synthetic_tenure` also leaves out the evidence of use, ``USE_EVIDENCE``)."""
    return dataclasses.replace(
        config.residents, levels_by_type={}, outbuilding_max_m2=0.0, house_max_m2=0.0
    )


def synthetic_tenure(osm: OsmData, config: Config) -> gpd.GeoDataFrame:
    """Dwellings by tenure per residential building (SYNTHETIC), points in EPSG:4326."""
    rng = np.random.default_rng(config.general.seed)
    # the demo files were generated before storeys by building type and before the evidence
    # of use (premises, land use, lodging): pinned to that estimate
    before = osm.buildings.drop(columns=list(USE_EVIDENCE), errors="ignore")
    residents = estimate_residents(before, demo_residents(config)).to_numpy()
    keep = residents >= PERSONS_PER_DWELLING / 2
    b = osm.buildings.loc[keep].reset_index(drop=True)
    dwellings = np.maximum(np.round(residents[keep] / PERSONS_PER_DWELLING), 1).astype(np.int64)
    xy = shapely.get_coordinates(b.geometry.representative_point().to_numpy())
    order = np.argsort(_smooth_field(xy, rng) + rng.normal(0, 0.8, len(b)))
    cum = np.cumsum(dwellings[order]) / dwellings.sum()
    edges = np.cumsum(list(REGIME_SHARES.values()))
    regime_sorted = np.searchsorted(edges, cum - 1e-12, side="left").clip(max=len(edges) - 1)
    regime = np.empty(len(b), dtype=np.int64)
    regime[order] = regime_sorted
    names = list(REGIME_SHARES)
    counts = {code: np.zeros(len(b), dtype=np.int64) for code in config.sources.tenure_categories}
    for r, name in enumerate(names[:-1]):
        counts[name][regime == r] = dwellings[regime == r]
    market = regime == len(names) - 1
    split = rng.multinomial(dwellings[market], list(MARKET_SPLIT.values()))
    for j, code in enumerate(MARKET_SPLIT):
        counts[code][market] = split[:, j]
    points = gpd.GeoSeries(shapely.points(xy), crs=osm.crs).to_crs("EPSG:4326")
    frame = pd.DataFrame(
        {
            "osm_building_id": b["osm_id"].to_numpy(),
            "lon": points.x.round(7),
            "lat": points.y.round(7),
            **{f"tenure_{code}": v for code, v in counts.items()},
            "synthetic": True,
        }
    )
    return gpd.GeoDataFrame(frame, geometry=points.to_numpy(), crs="EPSG:4326")


def synthetic_incidents(
    osm: OsmData, config: Config, n: int = 2500, year: int = 2025
) -> pd.DataFrame:
    """Timed incident points along the walking network (SYNTHETIC)."""
    rng = np.random.default_rng(config.general.seed + 1)
    seg = osm.segments
    lines = seg.geometry.to_numpy()
    pois = osm.pois
    night = pois["category"].isin(NIGHTLIFE).to_numpy()
    tree = shapely.STRtree(pois.geometry.to_numpy())
    seg_idx, poi_idx = tree.query(lines, predicate="dwithin", distance=50.0)
    n_night = np.bincount(seg_idx[night[poi_idx]], minlength=len(seg))
    n_other = np.bincount(seg_idx[~night[poi_idx]], minlength=len(seg))
    weight = seg["length_m"].to_numpy() * (1 + 3 * n_night + 0.5 * n_other)
    chosen = rng.choice(len(seg), size=n, p=weight / weight.sum())
    frac = rng.uniform(0, 1, n)
    pts = shapely.line_interpolate_point(lines[chosen], frac, normalized=True)
    xy = shapely.get_coordinates(pts) + rng.normal(0, 5.0, (n, 2))
    cats = np.array(list(CATEGORY_SHARES))
    category = cats[rng.choice(len(cats), size=n, p=list(CATEGORY_SHARES.values()))]
    # days: weekend days (Fri, Sat) twice as likely, for the night-time categories
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    weekend = np.isin(days.day_of_week, [4, 5])
    day_w = np.where(weekend, 2.0, 1.0)
    day = rng.choice(len(days), size=n, p=day_w / day_w.sum())
    hour = np.empty(n, dtype=np.int64)
    for name, profile in HOUR_PROFILES.items():
        mask = category == name
        p = np.asarray(profile, dtype=float)
        hour[mask] = rng.choice(24, size=int(mask.sum()), p=p / p.sum())
    minute = rng.integers(0, 60, n)
    local = (
        pd.DatetimeIndex(days[day])
        + pd.to_timedelta(hour, unit="h")
        + pd.to_timedelta(minute, unit="m")
    )
    zone = "Europe/Helsinki" if config.general.timezone == "auto" else config.general.timezone
    aware = local.tz_localize(zone, nonexistent="shift_forward", ambiguous=np.ones(n, dtype=bool))
    text = np.asarray(aware.strftime("%Y-%m-%dT%H:%M:00%z"), dtype=object)
    text = np.array([t[:-2] + ":" + t[-2:] for t in text], dtype=object)
    date_only = rng.uniform(0, 1, n) < 0.03
    text[date_only] = np.asarray(aware[date_only].strftime("%Y-%m-%d"), dtype=object)
    lonlat = gpd.GeoSeries(shapely.points(xy), crs=osm.crs).to_crs("EPSG:4326")
    order = np.argsort(aware.asi8, kind="stable")
    return pd.DataFrame(
        {
            "lon": lonlat.x.round(6).to_numpy()[order],
            "lat": lonlat.y.round(6).to_numpy()[order],
            "time": text[order],
            "category": category[order],
            "synthetic": True,
        }
    )


def write_demo_data(out_dir: Path = DATA_DIR, osm_path: Path = DEFAULT_OSM) -> list[Path]:
    """Regenerate both SYNTHETIC files of the default from the OSM extract."""
    config = Config()
    osm = load_osm(osm_path)
    tenure = synthetic_tenure(osm, config).drop(columns="geometry")
    incidents = synthetic_incidents(osm, config)
    paths = [out_dir / TENURE_FILE.name, out_dir / INCIDENT_FILE.name]
    tenure.to_csv(paths[0], index=False, lineterminator="\n")
    incidents.to_csv(paths[1], index=False, lineterminator="\n")
    return paths


def main() -> None:
    """Command-line entry: ``python -m safespaces.synthetic [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder to write into")
    args = parser.parse_args()
    for path in write_demo_data(args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
