"""Incidents page: privacy-safe hot spots and smoothed rates only (never raw points)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from safespaces.incidents.hotspots import SIGNIFICANT_CLASSES as SIGNIFICANT
from safespaces_app import components, tables
from safespaces_app.i18n import summary_item, t, value_label
from safespaces_app.tables import Col

lang = components.lang()
data = components.analysis(lang)
st.title(t("page.incidents", lang))
components.synthetic_warning(data, lang)
hotspots = data.layer("incident_hotspots")
if hotspots is None:
    st.info(t("common.no_incidents", lang))
    st.stop()

k = data.k_min
suppressed = t("common.suppressed", lang, k=k)


def flags(frame: pd.DataFrame, column: str) -> pd.Series:
    """Rows whose ``column`` count is withheld (its ``_suppressed`` flag)."""
    flag = frame.get(column)
    if flag is None:
        return pd.Series(False, index=frame.index)
    return pd.to_numeric(flag, errors="coerce").fillna(0) > 0


st.info(t("incidents.privacy", lang, k1=k - 1))
st.subheader(t("incidents.hotspots", lang))
spots = pd.DataFrame(hotspots.drop(columns="geometry"))
significant = spots[spots["hotspot_class"].isin(SIGNIFICANT)]
significant = significant.sort_values("hotspot_gi_z", ascending=False)
tables.show(
    significant.assign(
        hotspot_class=significant["hotspot_class"].map(lambda v: value_label(v, lang))
    ),
    {
        "name": Col(t("col.area", lang), pinned=True),
        "hotspot_class": Col(t("col.hotspot_class", lang)),
        "hotspot_gi_z": Col(t("col.gi_z", lang), decimals=2, signed=True),
        "hotspot_q": Col(t("col.q", lang), decimals=3),
        "hotspot_p_sim": Col(t("col.p_sim", lang), decimals=3),
        "incidents_count": Col(t("col.incidents", lang), decimals=0),
        "area_id": Col(t("col.id", lang), decimals=0),
    },
    lang,
    withheld={"incidents_count": flags(significant, "incidents_suppressed")},
    withheld_text=suppressed,
    key="hotspots",
)
components.legend(t("layer.hotspots", lang), "incident_hotspots", polygon=True)

st.subheader(t("incidents.rates", lang))
areas = data.layers["areas"]
tables.show(
    areas,
    {
        "name": Col(t("col.area", lang), pinned=True),
        "incidents_count": Col(t("col.incidents", lang), decimals=0),
        "incidents_per_1000_eb": Col(t("col.per_1000", lang), decimals=1),
        "incidents_per_100m_eb": Col(t("col.per_100m", lang), decimals=2),
        "residents_est": Col(t("col.residents", lang), decimals=0),
        "area_id": Col(t("col.id", lang), decimals=0),
    },
    lang,
    withheld={"incidents_count": flags(areas, "incidents_suppressed")},
    withheld_text=suppressed,
    key="incident_rates",
)

environment = data.layer("incident_environment")
if environment is not None:
    st.subheader(t("incidents.environment", lang))
    env = pd.DataFrame(environment)
    env = env.assign(
        variable=env["variable"].map(lambda v: value_label(v, lang)),
        group=env["group"].map(lambda v: value_label(v, lang)),
    )
    tables.show(
        env,
        {
            "variable": Col(t("col.measure", lang)),
            "group": Col(t("col.group", lang)),
            "segments": Col(t("col.segments", lang), decimals=0),
            "length_km": Col(t("col.length_km", lang), decimals=1),
            "incidents": Col(t("col.incidents", lang), decimals=0),
            "per_100m": Col(t("col.rate_100m", lang), decimals=2),
            "per_100m_ci_low": Col(t("col.ci_low", lang), decimals=2),
            "per_100m_ci_high": Col(t("col.ci_high", lang), decimals=2),
        },
        lang,
        withheld={"incidents": flags(env, "incidents_suppressed")},
        withheld_text=suppressed,
        key="incident_environment",
    )

_UNITS = re.compile(r"^(\d+) (areas|grid)$")


def summary_value(value: object) -> tuple[float, str]:
    """A value of the summary as a number (NaN if none) and a note (translated units, or
    the library's text where it is not a number)."""
    text = "" if value is None or value != value else str(value)
    if re.fullmatch(r"-?\d+", text):
        return float(text), ""
    units = _UNITS.match(text)
    if units:
        return float(units[1]), t(f"unit.{units[2]}", lang)
    return float("nan"), text


summary = data.layer("incident_summary")
if summary is not None:
    with st.expander(t("incidents.summary", lang)):
        values = [summary_value(v) for v in summary["value"]]
        items = pd.DataFrame(
            {
                "item": summary["item"].map(lambda i: summary_item(str(i), lang)),
                "value": [v for v, _ in values],
                "note": [n for _, n in values],
            }
        )
        columns = {
            "item": Col(t("col.item", lang)),
            "value": Col(t("col.value", lang), decimals=0),
        }
        if items["note"].astype(bool).any():
            columns["note"] = Col(t("col.note", lang))
        tables.show(items, columns, lang, key="incident_summary")
components.attribution(data, lang)
