"""Lighting page: walking length by EN 13201-2 class, dark park paths, parks and squares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from safespaces.lighting.illuminance import BELOW_P6, P_CLASSES, UNLIT
from safespaces_app import components, tables
from safespaces_app.formats import share
from safespaces_app.i18n import t, value_label
from safespaces_app.tables import Col

#: EN 13201-2 P classes (P6 or better), from the lighting family.
P_NAMES = [name for name, _, _ in P_CLASSES]

lang = components.lang()
data = components.analysis(lang)
st.title(t("page.lighting", lang))


def labelled(values: pd.Series) -> pd.Series:
    """Categorical values of the data in the chosen language."""
    return values.map(lambda v: value_label(v, lang))


shares = data.layer("light_class_shares")
if shares is not None:
    st.subheader(t("lighting.shares", lang))
    by_class = dict(zip(shares["light_class"], shares["share"], strict=True))
    lit = sum(v for c, v in by_class.items() if c in P_NAMES)
    dark = by_class.get(BELOW_P6, 0.0) + by_class.get(UNLIT, 0.0)
    st.markdown(t("lighting.summary", lang, lit=share(lit, lang), dark=share(dark, lang)))
    chart = shares.assign(light_class=labelled(shares["light_class"]), km=shares["length_m"] / 1000)
    tables.bar_chart(
        chart["light_class"].tolist(),
        (100 * chart["share"]).tolist(),
        label_title=t("layer.lighting", lang),
        value_title=t("col.length_share", lang),
        lang=lang,
    )
    components.legend(t("layer.lighting", lang), "street_lighting")
    tables.show(
        chart,
        {
            "light_class": Col(t("layer.lighting", lang)),
            "km": Col(t("col.km", lang), decimals=2),
            "share": Col(t("col.length_share", lang), decimals=1, scale=100),
        },
        lang,
        key="light_shares",
        width="content",
    )

dark_paths = data.layer("dark_paths")
if dark_paths is not None:
    st.subheader(t("lighting.dark", lang))
    paths = dark_paths.assign(
        space_kind=labelled(dark_paths["space_kind"]),
        light_evidence=labelled(dark_paths["light_evidence"]),
    )
    tables.show(
        paths,
        {
            "dark_rank": Col(t("col.dark_rank", lang), decimals=0),
            "space_name": Col(t("col.space", lang), pinned=True),
            "space_kind": Col(t("col.kind", lang)),
            "length_m": Col(t("col.length_m", lang), decimals=0),
            "light_lux_mean": Col(t("col.lux_mean", lang), decimals=2),
            "light_lux_max": Col(t("col.lux_max", lang), decimals=2),
            "light_evidence": Col(t("col.evidence", lang)),
        },
        lang,
        key="dark_paths",
    )

spaces = data.layer("public_spaces")
if spaces is not None:
    st.subheader(t("lighting.spaces", lang))
    table = spaces.assign(kind=labelled(spaces["kind"])).sort_values("light_share_p6_or_better")
    tables.show(
        table,
        {
            "name": Col(t("col.space", lang), pinned=True),
            "kind": Col(t("col.kind", lang)),
            "light_share_p6_or_better": Col(t("col.share_p6", lang), decimals=0, scale=100),
            "light_path_length_m": Col(t("col.path_length", lang), decimals=0),
            "light_dark_path_length_m": Col(t("col.dark_length", lang), decimals=0),
            "light_lux_avg": Col(t("col.lux_mean", lang), decimals=2),
            "space_id": Col(t("col.id", lang), decimals=0),
        },
        lang,
        key="public_spaces",
    )
