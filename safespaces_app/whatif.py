"""The what-if editor's data: a planned development's before/after scores (cached)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from safespaces.config import Config
from safespaces.mix.whatif import what_if
from safespaces.sources.tenure import TENURE_PREFIX
from safespaces_app.results import Analysis


def tenure_groups(config: Config) -> list[str]:
    """The ``tenure_<code>`` count columns of the configured taxonomy."""
    return [TENURE_PREFIX + code for code in config.sources.tenure_categories]


@st.cache_data(show_spinner=False, max_entries=64)
def what_if_table(
    run: str,
    config_json: str,
    area_id: int,
    dwellings: tuple[tuple[str, int], ...],
    _data: Analysis,
    _config: Config,
) -> pd.DataFrame:
    """Before/after scores of a development of ``dwellings`` placed in area ``area_id``.

    ``run`` (the run's folder) and ``config_json`` are the cache key of ``_data`` and
    ``_config``.

    Areas whose counts are suppressed (too few dwellings) are left out: their
    counts are not in the output.
    """
    groups = tenure_groups(_config)
    areas = _data.layers["areas"]
    known = areas.dropna(subset=groups)
    where = known[known["area_id"] == area_id]
    development = gpd.GeoDataFrame(
        {g: [float(dict(dwellings).get(g, 0))] for g in groups},
        geometry=[where.geometry.iloc[0].representative_point()],
        crs=areas.crs,
    )
    return what_if(known, development, groups, params=_config.mix, id_column="area_id")
