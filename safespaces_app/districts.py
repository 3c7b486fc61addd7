"""Districts page: areas ranked by the safe-space score and by each family."""

from __future__ import annotations

import streamlit as st

from safespaces_app import components
from safespaces_app.i18n import t
from safespaces_app.scoring import SCORE_COLUMNS, with_score

lang = components.lang()
data = components.analysis(lang)
weights = components.weights(lang)
st.title(t("page.districts", lang))
components.synthetic_warning(data, lang)

areas = with_score(data.layers["areas"].drop(columns="geometry"), weights)
columns = ["area_id", "name", "residents_est", "safe_space_score"]
columns += [c for c in SCORE_COLUMNS if c in areas.columns]
table = areas[columns].round(1)
labels = {"safe_space_score": t("family.score", lang)}
labels |= {c: t(f"family.{c.removeprefix('score_')}", lang) for c in SCORE_COLUMNS}
by = st.selectbox(
    t("districts.rank_by", lang), columns[3:], format_func=lambda c: labels[c], key="rank_by"
)
table = table.sort_values(by, na_position="last").reset_index(drop=True)
table.insert(0, "rank", range(1, len(table) + 1))
st.caption(t("districts.caption", lang, n=len(table)))
st.dataframe(table.rename(columns=labels), hide_index=True, width="stretch")

st.subheader(t("districts.chart", lang, family=labels[by]))
lowest = table.dropna(subset=[by]).head(10)
chart = lowest.assign(area=lowest["area_id"].astype(str) + " " + lowest["name"].astype(str))
st.bar_chart(chart, x="area", y=by, horizontal=True, sort=by)
