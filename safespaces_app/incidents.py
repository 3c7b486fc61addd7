"""Incidents page: privacy-safe hot spots and smoothed rates only (never raw points)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from safespaces.incidents.hotspots import SIGNIFICANT_CLASSES as SIGNIFICANT
from safespaces_app import components
from safespaces_app.i18n import t

lang = components.lang()
data = components.analysis(lang)
st.title(t("page.incidents", lang))
components.synthetic_warning(data, lang)
hotspots = data.layer("incident_hotspots")
if hotspots is None:
    st.info(t("common.no_incidents", lang))
    st.stop()

k = data.k_min
st.info(t("incidents.privacy", lang, k1=k - 1))
st.subheader(t("incidents.hotspots", lang))
spots = pd.DataFrame(hotspots.drop(columns="geometry"))
spots["incidents_count"] = components.suppressed(
    spots["incidents_count"], spots.get("incidents_suppressed"), k, lang
)
spots = spots.drop(columns=["incidents_suppressed", "grid_id"], errors="ignore")
significant = spots["hotspot_class"].isin(SIGNIFICANT)
st.dataframe(
    spots[significant].sort_values("hotspot_gi_z", ascending=False).round(3),
    hide_index=True,
    width="stretch",
)
components.legend(t("layer.hotspots", lang), "incident_hotspots", polygon=True)

st.subheader(t("incidents.rates", lang))
areas = data.layers["areas"]
rates = areas[["area_id", "name", "residents_est"]].copy()
for column in ["incidents_count", "incidents_per_1000_eb", "incidents_per_100m_eb"]:
    flags = areas.get("incidents_suppressed") if column == "incidents_count" else None
    rates[column] = components.suppressed(areas[column], flags, k, lang)
st.dataframe(rates.round(0), hide_index=True, width="stretch")

environment = data.layer("incident_environment")
if environment is not None:
    st.subheader(t("incidents.environment", lang))
    env = pd.DataFrame(environment)
    env["incidents"] = components.suppressed(
        env["incidents"], env.get("incidents_suppressed"), k, lang
    )
    st.dataframe(env.drop(columns="incidents_suppressed").round(2), hide_index=True)

summary = data.layer("incident_summary")
if summary is not None:
    with st.expander(t("incidents.summary", lang)):
        st.dataframe(summary.astype(str), hide_index=True)
components.attribution(data, lang)
