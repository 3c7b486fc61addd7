"""Social mix page: areas against the target, the city, and the what-if editor."""

from __future__ import annotations

import streamlit as st

from safespaces.sources.tenure import TENURE_PREFIX
from safespaces_app import components, runs, whatif
from safespaces_app.i18n import t

lang = components.lang()
data = components.analysis(lang)
config = runs.run_config(data)  # an opened run's own settings (target, tenure groups)
st.title(t("page.mix", lang))
components.synthetic_warning(data, lang)
areas = data.layers["areas"].drop(columns="geometry")
if "mix_entropy" not in areas:
    st.info(t("common.no_tenure", lang))
    st.stop()

k = config.mix.min_dwellings
st.caption(t("mix.intro", lang, target=config.mix.target, k=k))
st.subheader(t("mix.areas", lang))
wanted = ["mix_dwellings", "mix_entropy", "mix_divergence"]
wanted += [str(c) for c in areas if str(c).startswith(("mix_target_gap_", "mix_lq_"))]
table = areas[["area_id", "name"]].copy()
for column in wanted:
    table[column] = components.suppressed(areas[column], areas.get("mix_suppressed"), k, lang)
st.dataframe(table, hide_index=True, width="stretch")

summary = data.layer("mix_summary")
if summary is not None:
    st.subheader(t("mix.city", lang))
    city = summary.pivot_table(index="index", columns="group", values="value", aggfunc="first")
    st.dataframe(city.round(3), width="stretch")

st.subheader(t("mix.whatif", lang))
groups = whatif.tenure_groups(config)
known = areas.dropna(subset=groups)
with st.form("whatif"):
    area_id = st.selectbox(
        t("mix.whatif.area", lang),
        known["area_id"].tolist(),
        format_func=lambda a: f"{a}: {known.loc[known['area_id'] == a, 'name'].iloc[0]}",
        key="whatif_area",
    )
    st.markdown(t("mix.whatif.dwellings", lang))
    cells = st.columns(3)
    dwellings = {
        group: int(
            cells[i % 3].number_input(
                config.sources.tenure_categories[group.removeprefix(TENURE_PREFIX)],
                min_value=0,
                max_value=100_000,
                step=10,
                key=f"whatif_{group}",
            )
        )
        for i, group in enumerate(groups)
    }
    submitted = st.form_submit_button(t("mix.whatif.run", lang))
if submitted or "whatif_result" in st.session_state:
    if submitted:
        st.session_state["whatif_result"] = (int(area_id), tuple(sorted(dwellings.items())))
    chosen_area, chosen = st.session_state["whatif_result"]
    if not any(n for _, n in chosen):
        st.warning(t("mix.whatif.empty", lang))
    else:
        result = whatif.what_if_table(
            str(data.folder), config.to_json(), chosen_area, chosen, data, config
        )
        st.markdown(t("mix.whatif.result", lang, area=chosen_area))
        st.dataframe(
            result.rename(
                columns={"before": t("mix.before", lang), "after": t("mix.after", lang)}
            ).round(4),
            hide_index=True,
            width="stretch",
        )
