"""Social mix page: areas against the target, the city, and the what-if editor."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from safespaces.mix.targets import resolve_targets
from safespaces.sources.areas import district_names
from safespaces.sources.tenure import TENURE_PREFIX
from safespaces_app import components, runs, tables, whatif
from safespaces_app.formats import MISSING, number, share
from safespaces_app.i18n import index_name, policy_name, t, tenure_name
from safespaces_app.tables import Col

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
targets = resolve_targets(config.mix)
shares = ", ".join(f"{share(v, lang)} {policy_name(g, lang)}" for g, v in targets.items())
st.caption(t("mix.intro", lang, target=f"{config.mix.target}: {shares}", k=k))

st.subheader(t("mix.areas", lang))
table = areas.copy()
columns: dict[str, Col] = {
    "name": Col(t("col.area", lang), pinned=True),
    "mix_dwellings": Col(t("col.dwellings", lang), decimals=0),
}
for group, target in targets.items():
    gap = f"mix_target_gap_{group}"
    if gap not in table:
        continue
    name = policy_name(group, lang)
    table[f"share_{group}"] = 100 * target + table[gap]  # gap = 100 (share - target)
    columns[f"share_{group}"] = Col(t("col.share", lang, group=name), decimals=1)
    target_text = share(target, lang)
    columns[gap] = Col(
        t("col.gap", lang, target=target_text),
        decimals=1,
        signed=True,
        help=t("col.gap_help", lang, group=name, target=target_text),
    )
columns["mix_entropy"] = Col(t("col.mix", lang), decimals=2, help=t("col.mix_help", lang))
flags = areas.get("mix_suppressed")
hidden = (
    pd.to_numeric(flags, errors="coerce").fillna(0) > 0
    if flags is not None
    else pd.Series(False, index=areas.index)
)
withheld = {c: hidden for c, col in columns.items() if col.decimals is not None}
suppressed = t("common.suppressed", lang, k=k)
table = table.assign(_hidden=hidden.to_numpy()).sort_values(["_hidden", "area_id"], kind="stable")
hidden = table["_hidden"]  # the areas with withheld numbers last, the others in area order
withheld = dict.fromkeys(withheld, hidden)
tables.show(table, columns, lang, withheld=withheld, withheld_text=suppressed, key="mix_areas")
st.caption(t("mix.sign", lang))

with st.expander(t("mix.details", lang)):
    details: dict[str, Col] = {
        "name": Col(t("col.area", lang), pinned=True),
        "mix_divergence": Col(t("col.divergence", lang), decimals=2),
    }
    for column in areas.columns:
        if str(column).startswith("mix_lq_"):
            code = str(column).removeprefix("mix_lq_")
            tenure = tenure_name(code, lang, short=True)
            details[str(column)] = Col(t("col.lq", lang, tenure=tenure), decimals=2)
    tables.show(
        areas,
        details,
        lang,
        withheld={c: hidden for c in details if c != "name"},
        withheld_text=suppressed,
        key="mix_details",
    )

summary = data.layer("mix_summary")
if summary is not None:
    st.subheader(t("mix.city", lang))
    indices = summary.assign(group=summary["group"].fillna("_all"))
    city = indices.pivot_table(
        index="index", columns="group", values="value", aggfunc="first", sort=False
    ).reset_index()
    city["index"] = city["index"].map(lambda i: index_name(str(i), lang))
    city_columns = {"index": Col(t("col.index", lang), pinned=True)}
    for code in config.sources.tenure_categories:
        if code in city:
            city_columns[code] = Col(tenure_name(code, lang, short=True), decimals=3)
    if "_all" in city:
        city_columns["_all"] = Col(t("col.all_groups", lang), decimals=3)
    tables.show(city, city_columns, lang, key="mix_city")

st.subheader(t("mix.whatif", lang))
groups = whatif.tenure_groups(config)
known = areas.dropna(subset=groups)
known = known.assign(_district=district_names(known)).sort_values(["_district", "area_id"])
names = dict(zip(known["area_id"], known["name"].astype(str), strict=True))
with st.form("whatif"):
    area_id = st.selectbox(
        t("mix.whatif.area", lang),
        list(names),
        format_func=lambda a: names.get(a, str(a)),
        key="whatif_area",
    )
    st.markdown(t("mix.whatif.dwellings", lang))
    cells = st.columns(3)
    dwellings = {
        group: int(
            cells[i % 3].number_input(
                tenure_name(
                    group.removeprefix(TENURE_PREFIX),
                    lang,
                    fallback=config.sources.tenure_categories[group.removeprefix(TENURE_PREFIX)],
                ),
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
    if submitted and area_id is not None:
        st.session_state["whatif_result"] = (int(area_id), tuple(sorted(dwellings.items())))
    chosen_area, chosen = st.session_state["whatif_result"]
    if not any(n for _, n in chosen):
        st.warning(t("mix.whatif.empty", lang))
    else:
        result = whatif.what_if_table(
            str(data.folder), config.to_json(), chosen_area, chosen, data, config
        )
        area_name = names.get(chosen_area, str(chosen_area))
        st.markdown(t("mix.whatif.named", lang, area=area_name))
        rows = whatif.compact(result, area_name, config, lang)
        st.dataframe(
            whatif.styled(rows, lang), hide_index=True, width="stretch", placeholder=MISSING
        )
        st.caption(t("mix.whatif.sign", lang, m=number(config.mix.neighbourhood_m, lang)))
