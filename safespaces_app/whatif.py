"""The what-if editor's data: a planned development's before/after scores (cached), and the
compact table a housing manager reads (:func:`compact`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from safespaces.config import Config
from safespaces.mix.targets import resolve_targets
from safespaces.mix.whatif import what_if
from safespaces.sources.tenure import TENURE_PREFIX
from safespaces_app.formats import MISSING, number, percent
from safespaces_app.i18n import policy_name, t, tenure_name
from safespaces_app.results import Analysis

#: How each kind of row writes its numbers: decimals of the values and of the change.
DECIMALS = {"count": 0, "percent": 1, "index": 2}


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


@dataclasses.dataclass(frozen=True)
class Row:
    """One row of the compact what-if table: where, what, the target, before and after.

    ``kind`` says how its numbers read: ``count`` (dwellings), ``percent`` (a share in
    percent; its change in percentage points) or ``index`` (a 0-1 or bits score).
    """

    scope: str
    measure: str
    kind: str
    before: float
    after: float
    target: float = float("nan")

    @property
    def change(self) -> float:
        """after − before."""
        return self.after - self.before


def _value(result: pd.DataFrame, scope: str, metric: str) -> tuple[float, float] | None:
    hit = result[(result["scope"] == scope) & (result["metric"] == metric)]
    if hit.empty:
        return None
    return float(hit["before"].iloc[0]), float(hit["after"].iloc[0])


def compact(result: pd.DataFrame, area_name: str, config: Config, lang: str) -> list[Row]:
    """The measures a housing manager needs from :func:`what_if_table`'s 69 rows.

    For the developed area and its neighbourhood: dwellings, each policy group's share of
    the dwellings in the target's groups (in percent, beside its target: share = target
    + gap, the library's ``target_gap_<group>``), the tenure mix (entropy); for the area
    also its difference from the city's mix; for the whole study area: dwellings, the
    tenure mix and the dissimilarity index of the first policy group's tenure (ARA
    rental by default) and of all groups together.
    """
    targets = resolve_targets(config.mix)
    m = number(config.mix.neighbourhood_m, lang)
    scopes = {
        "area": t("scope.area", lang, area=area_name),
        "neighbourhood": t("scope.neighbourhood", lang, m=m),
    }
    rows: list[Row] = []
    for scope, label in scopes.items():
        found = _value(result, scope, "dwellings")
        if found:
            rows.append(Row(label, t("metric.dwellings", lang), "count", *found))
        for group, target in targets.items():
            gap = _value(result, scope, f"target_gap_{group}")
            if gap is None:
                continue
            rows.append(
                Row(
                    label,
                    t("col.share", lang, group=policy_name(group, lang)),
                    "percent",
                    100 * target + gap[0],
                    100 * target + gap[1],
                    target=100 * target,
                )
            )
        found = _value(result, scope, "entropy")
        if found:
            rows.append(Row(label, t("metric.entropy", lang), "index", *found))
        if scope == "area" and (found := _value(result, scope, "divergence")):
            rows.append(Row(label, t("metric.divergence", lang), "index", *found))
    city = t("scope.city", lang)
    for metric, measure, kind in (
        ("dwellings", t("metric.dwellings", lang), "count"),
        ("entropy", t("metric.entropy", lang), "index"),
    ):
        if found := _value(result, "city", metric):
            rows.append(Row(city, measure, kind, *found))
    first = next(iter(config.mix.target_groups.get(next(iter(targets), ""), ())), None)
    if first and (found := _value(result, "city", f"dissimilarity_{first}")):
        name = tenure_name(first, lang, short=True)
        rows.append(Row(city, t("metric.dissimilarity", lang, group=name), "index", *found))
    if found := _value(result, "city", "multigroup_dissimilarity"):
        name = t("col.all_groups", lang)
        rows.append(Row(city, t("metric.dissimilarity", lang, group=name), "index", *found))
    return [r for r in rows if not (np.isnan(r.before) and np.isnan(r.after))]


def frame(rows: list[Row], lang: str) -> pd.DataFrame:
    """The rows as a table with translated headers (numbers stay numbers)."""
    return pd.DataFrame(
        {
            t("col.scope", lang): [r.scope for r in rows],
            t("col.measure", lang): [r.measure for r in rows],
            t("mix.target", lang): [r.target for r in rows],
            t("mix.before", lang): [r.before for r in rows],
            t("mix.after", lang): [r.after for r in rows],
            t("col.change", lang): [r.change for r in rows],
        }
    )


def styled(rows: list[Row], lang: str) -> Styler:
    """:func:`frame` with each row's numbers written for its kind in ``lang``: dwellings
    whole, shares in percent (their target whole, their change in points, signed), scores
    to two places."""
    table = frame(rows, lang)
    headers = list(table.columns)
    styler = table.style
    for i, row in enumerate(rows):
        value, change = _formats(row.kind, lang)
        styler = styler.format(value, subset=pd.IndexSlice[[i], headers[3:5]], na_rep=MISSING)
        styler = styler.format(
            partial(percent, lang=lang), subset=pd.IndexSlice[[i], headers[2:3]], na_rep=MISSING
        )
        styler = styler.format(change, subset=pd.IndexSlice[[i], headers[5:]], na_rep=MISSING)
    return styler


def _formats(kind: str, lang: str) -> tuple[Callable[[object], str], Callable[[object], str]]:
    """The writers of a row's values and of its change (signed)."""
    decimals = DECIMALS[kind]
    write = percent if kind == "percent" else number
    return (
        partial(write, lang=lang, decimals=decimals),
        partial(number, lang=lang, decimals=decimals, signed=True),
    )
