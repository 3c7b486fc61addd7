"""Districts page: areas ranked by the safe-space score and by each family."""

from __future__ import annotations

import streamlit as st

from safespaces_app import components, tables
from safespaces_app.i18n import t
from safespaces_app.scoring import SCORE_COLUMNS, with_score
from safespaces_app.tables import Col

lang = components.lang()
data = components.analysis(lang)
weights = components.weights(lang)
st.title(t("page.districts", lang))
components.synthetic_warning(data, lang)

areas = with_score(data.layers["areas"].drop(columns="geometry"), weights)
scores = ["safe_space_score", *(c for c in SCORE_COLUMNS if c in areas.columns)]
family = {"safe_space_score": t("family.score", lang)}
family |= {c: t(f"family.{c.removeprefix('score_')}", lang) for c in SCORE_COLUMNS}
by = st.selectbox(
    t("districts.rank_by", lang), scores, format_func=lambda c: family[c], key="rank_by"
)
table = areas.sort_values(by, na_position="last").reset_index(drop=True)
table["rank"] = range(1, len(table) + 1)
columns = {
    "rank": Col(t("col.rank", lang), decimals=0),
    "name": Col(t("col.area", lang), pinned=True),
    **{c: Col(t("col.score", lang, family=family[c]), decimals=1) for c in scores},
    "residents_est": Col(t("col.residents", lang), decimals=0),
    "area_id": Col(t("col.id", lang), decimals=0),
}
st.caption(t("districts.caption", lang, n=len(table)))
tables.show(table, columns, lang, key="districts_table")

st.subheader(t("districts.chart", lang, family=family[by]))
lowest = table.dropna(subset=[by]).head(10)
tables.bar_chart(
    lowest["name"].astype(str).tolist(),
    lowest[by].tolist(),
    label_title=t("col.area", lang),
    value_title=t("col.score", lang, family=family[by]),
    lang=lang,
    sort=True,
)
