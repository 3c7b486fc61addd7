"""Lighting page: walking length by EN 13201-2 class, dark park paths, parks and squares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from safespaces.lighting.illuminance import BELOW_P6, P_CLASSES, UNLIT
from safespaces_app import components
from safespaces_app.i18n import t

#: EN 13201-2 P classes (P6 or better), from the lighting family.
P_NAMES = [name for name, _, _ in P_CLASSES]

lang = components.lang()
data = components.analysis(lang)
st.title(t("page.lighting", lang))

shares = data.layer("light_class_shares")
if shares is not None:
    st.subheader(t("lighting.shares", lang))
    share = dict(zip(shares["light_class"], shares["share"], strict=True))
    lit = sum(v for c, v in share.items() if c in P_NAMES)
    dark = share.get(BELOW_P6, 0.0) + share.get(UNLIT, 0.0)
    st.markdown(t("lighting.summary", lang, lit=f"{lit:.0%}", dark=f"{dark:.0%}"))
    chart = shares.assign(
        percent=(100 * shares["share"]).round(1), km=(shares["length_m"] / 1000).round(2)
    )
    st.bar_chart(chart, x="light_class", y="percent", sort=False, horizontal=True)
    components.legend(t("layer.lighting", lang), "street_lighting")
    st.dataframe(chart[["light_class", "km", "percent"]], hide_index=True)

dark_paths = data.layer("dark_paths")
if dark_paths is not None:
    st.subheader(t("lighting.dark", lang))
    columns = ["dark_rank", "space_name", "space_kind", "length_m", "light_lux_mean"]
    columns += ["light_lux_max", "light_evidence"]
    st.dataframe(pd.DataFrame(dark_paths[columns]).round(2), hide_index=True, width="stretch")

spaces = data.layer("public_spaces")
if spaces is not None:
    st.subheader(t("lighting.spaces", lang))
    columns = ["space_id", "kind", "name", "light_path_length_m", "light_share_p6_or_better"]
    columns += ["light_dark_path_length_m", "light_lux_avg"]
    table = pd.DataFrame(spaces[columns]).sort_values("light_share_p6_or_better")
    st.dataframe(table.round(2), hide_index=True, width="stretch")
