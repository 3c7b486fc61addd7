"""Synthetic tenure counts for demos and tests (no real tenure data is open).

The city-wide shares follow Helsinki's published housing stock (end 2018-19:
~19 % ARA rental, ~28 % other rental, ~3 % right-of-occupancy, ~41 % owner
occupied of which roughly a quarter Hitas, the rest other/unknown). Areas
drift smoothly from that mix along a random direction so the synthetic city is
segregated to a realistic, moderate degree.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

#: Helsinki-like city shares of the default tenure taxonomy.
HELSINKI_SHARES: dict[str, float] = {
    "ara_rental": 0.19,
    "right_of_occupancy": 0.03,
    "hitas_owner": 0.10,
    "owner": 0.31,
    "private_rental": 0.28,
    "other": 0.09,
}


def synthetic_area_tenure(
    areas: gpd.GeoDataFrame,
    *,
    seed: int,
    shares: Mapping[str, float] | None = None,
    dwellings_per_km2: float = 4000.0,
    concentration: float = 8.0,
    empty_share: float = 0.05,
) -> pd.DataFrame:
    """Draw synthetic ``tenure_<category>`` dwelling counts for each area.

    Parameters
    ----------
    areas
        Areas in any CRS (areas are measured in a local metric projection).
    seed
        Seed; the same seed gives the same table.
    shares
        City-wide shares per category; defaults to :data:`HELSINKI_SHARES`.
    dwellings_per_km2
        Mean density; each area's count is Poisson around density x area.
    concentration
        Dirichlet concentration of an area's mix around its local mean (lower
        is more segregated).
    empty_share
        Share of areas with no dwellings at all (parks, harbours).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``areas.index``, integer columns ``tenure_<category>``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> areas = gpd.GeoDataFrame(
    ...     {"name": ["A", "B", "C"],
    ...      "tenure_ara_rental": [80, 20, 50], "tenure_owner": [20, 80, 50]},
    ...     geometry=[shapely.box(x0 + 250 * i, y0, x0 + 250 * (i + 1), y0 + 250)
    ...               for i in range(3)],
    ...     crs="EPSG:3067")
    >>> counts = synthetic_area_tenure(areas, seed=1)
    >>> list(counts.columns)[:2], bool((counts >= 0).all().all())
    (['tenure_ara_rental', 'tenure_right_of_occupancy'], True)
    """
    rng = np.random.default_rng(seed)
    base = dict(shares or HELSINKI_SHARES)
    cats = list(base)
    p0 = np.array([base[c] for c in cats], dtype=float)
    p0 = p0 / p0.sum()
    metric = areas.to_crs(areas.estimate_utm_crs()) if areas.crs.is_geographic else areas
    km2 = metric.geometry.area.to_numpy() / 1e6
    pts = metric.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    z = (xy - xy.mean(axis=0)) / (xy.std(axis=0) + 1e-9)
    direction = rng.normal(size=(2, len(cats)))
    logits = np.log(p0)[None, :] + 0.6 * np.tanh(z @ direction)
    mean = np.exp(logits)
    mean /= mean.sum(axis=1, keepdims=True)
    mix = np.vstack([rng.dirichlet(concentration * m + 0.05) for m in mean])
    n = rng.poisson(np.maximum(dwellings_per_km2 * km2, 1.0))
    n[rng.random(len(n)) < empty_share] = 0
    counts = np.vstack([rng.multinomial(k, q) for k, q in zip(n, mix, strict=True)])
    return pd.DataFrame(
        {f"tenure_{c}": counts[:, k] for k, c in enumerate(cats)}, index=areas.index
    )
