"""Plan page: new lamps where they lift the most walking length to P6, edited and exported.

The planner sets a budget and presses Propose: the library's greedy planner
(:func:`safespaces.plan.plan_lamps`) ranks the lamps, cached per run and parameters
(:mod:`safespaces_app.planning`). Dropping lamps or moving one re-evaluates the edited plan
at once on the lighting model (:func:`safespaces.plan.evaluate.evaluate_lamps`:
incremental, only the new lamps are added to the existing lamps' illuminance). The lamps
are drawn on the app's own offline map (points over the streets by lighting class) and
exported as a GeoPackage layer ``plan_lamps``, a CSV for procurement, the full lamp
register for ``safespaces lighting --lamps`` and a print layout (PDF, drawn by
:func:`safespaces.printing.print_map`).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from safespaces.errors import SafespacesError
from safespaces.plan import LampPlan
from safespaces.plan.report import light_known
from safespaces_app import components, mapview, mapwidget, planning, runs, scoring, tables
from safespaces_app.formats import number, share
from safespaces_app.i18n import t
from safespaces_app.settings import current_config
from safespaces_app.tables import Col
from safespaces_app.webmap import escape_markdown

#: ``where`` options in the order the page lists them.
WHERE_OPTIONS = ("all", "streets", "parks")
#: Session key of the proposal shown: ``(run, budget, where, objective)``.
PARAMS_KEY = "plan_params"
#: Widget keys of the edits (forgotten when a new proposal is made).
EDIT_KEYS = ("plan_drop", "plan_move", "plan_dx", "plan_dy")
#: Margin around the lamps when the map fits them (degrees).
FIT_MARGIN = 0.004

lang = components.lang()
data = components.analysis(lang)
config = current_config()
st.title(t("page.plan", lang))
st.caption(t("plan.intro", lang))
components.synthetic_warning(data, lang)
if runs.opened_folder() is not None:
    st.info(t("plan.opened", lang))
    st.stop()

inputs = runs.current_inputs()
run = runs.run_key(inputs, config.to_json())
try:
    with st.spinner(t("common.running", lang)):
        ctx = planning.context(run, inputs, config)
except SafespacesError as exc:
    st.error(escape_markdown(exc))
    st.stop()

with st.form("plan_form"):
    cells = st.columns(3)
    budget = cells[0].number_input(
        t("plan.budget", lang), min_value=1, max_value=200, value=10, step=1, key="plan_budget"
    )
    where = cells[1].selectbox(
        t("plan.where", lang),
        WHERE_OPTIONS,
        format_func=lambda w: t(f"plan.where.{w}", lang),
        key="plan_where",
    )
    objective = cells[2].selectbox(
        t("plan.objective", lang),
        ctx.objectives,
        format_func=lambda o: t(f"plan.objective.{o}", lang),
        key="plan_objective",
    )
    submitted = st.form_submit_button(t("plan.propose", lang), type="primary")
if submitted:
    st.session_state[PARAMS_KEY] = (run, int(budget), str(where), str(objective))
    for key in EDIT_KEYS:
        st.session_state.pop(key, None)

params = st.session_state.get(PARAMS_KEY)
if not (isinstance(params, tuple) and params[0] == run):
    st.info(t("plan.start", lang))
    st.stop()
_, budget, where, objective = params
try:
    with st.spinner(t("plan.computing", lang)):
        proposed = planning.propose(run, budget, where, objective, ctx)
except SafespacesError as exc:
    st.error(escape_markdown(exc))
    st.stop()
if len(proposed.lamps) == 0:
    unknown = light_known(ctx.lighting.segments)["unknown_share"]
    if proposed.summary["candidates"] == 0 and unknown:  # lamps not mapped: nothing known dark
        st.warning(t("plan.none_unknown", lang, share=share(unknown, lang, 1)))
    else:
        st.info(t("plan.none", lang))
    st.stop()

# --- drop or move: the edited plan, evaluated again ---------------------------------------
st.subheader(t("plan.edit", lang))
ranks = [int(r) for r in proposed.lamps["rank"]]
drop = st.multiselect(t("plan.drop", lang), ranks, key="plan_drop")
cells = st.columns(3)
movable = [0, *[r for r in ranks if r not in drop]]
moved = cells[0].selectbox(
    t("plan.move", lang),
    movable,
    format_func=lambda r: t("plan.move_none", lang) if r == 0 else str(r),
    key="plan_move",
)
dx = cells[1].number_input(t("plan.dx", lang), -500, 500, 0, step=1, key="plan_dx")
dy = cells[2].number_input(
    t("plan.dy", lang), -500, 500, 0, step=1, key="plan_dy", help=t("plan.move_help", lang)
)
move = ((int(moved), float(dx), float(dy)),) if moved and (dx or dy) else ()
plan: LampPlan = proposed
if drop or move:
    plan = planning.edited(
        run, budget, where, objective, tuple(sorted(int(r) for r in drop)), move, ctx
    )

summary = plan.summary
cells = st.columns(3)
cells[0].metric(
    t("plan.before", lang),
    t(
        "plan.km_share",
        lang,
        km=number(summary["p6_length_before_m"] / 1000, lang, 2),
        share=share(summary["p6_share_before"], lang, 1),
    ),
)
cells[1].metric(
    t("plan.after", lang),
    t(
        "plan.km_share",
        lang,
        km=number(summary["p6_length_after_m"] / 1000, lang, 2),
        share=share(summary["p6_share_after"], lang, 1),
    ),
)
cells[2].metric(t("plan.gain", lang), t("plan.metres", lang, m=number(summary["gain_m"], lang)))
st.markdown(
    t(
        "plan.summary",
        lang,
        n=len(plan.lamps),
        gain=number(summary["gain_m"], lang),
        before=number(summary["p6_length_before_m"] / 1000, lang, 2),
        before_share=share(summary["p6_share_before"], lang, 1),
        after=number(summary["p6_length_after_m"] / 1000, lang, 2),
        after_share=share(summary["p6_share_after"], lang, 1),
    )
)
if plan is proposed:
    bound = summary.get("share_of_optimum_at_least")
    if summary.get("exact", {}).get("status") == "optimal" and bound == 1.0:
        st.caption(t("plan.bound_optimal", lang, n=budget))
    elif bound is not None and not str(summary.get("guarantee", "")).startswith("unknown"):
        st.caption(t("plan.bound_share", lang, n=budget, share=share(bound, lang, 1)))
    else:
        st.caption(t("plan.bound_unknown", lang))
if plan is not proposed:
    change = float(summary["gain_m"]) - float(proposed.summary["gain_m"])
    st.markdown(
        t(
            "plan.edited",
            lang,
            gain=number(summary["gain_m"], lang),
            proposed=number(proposed.summary["gain_m"], lang),
            change=number(change, lang, signed=True),
        )
    )

# --- the ranked lamps, their gains, the map ---------------------------------------------------
lamps = plan.lamps
st.subheader(t("plan.ranked", lang))
table = pd.DataFrame(lamps.drop(columns=lamps.geometry.name)).assign(
    light_context=lamps["light_context"].map(lambda c: t(f"plan.context.{c}", lang))
)
tables.show(
    table,
    {
        "rank": Col(t("col.rank", lang), decimals=0, pinned=True),
        "gain_m": Col(t("col.gain_m", lang), decimals=0, help=t("plan.ranked_help", lang)),
        "cumulative_gain_m": Col(t("col.cumulative_m", lang), decimals=0),
        **(
            {f"gain_{objective}": Col(t(f"col.gain_{objective}", lang), decimals=2)}
            if f"gain_{objective}" in table
            else {}
        ),
        "height_m": Col(t("col.height_m", lang), decimals=1),
        "intensity_cd": Col(t("col.intensity_cd", lang), decimals=0),
        "light_context": Col(t("col.context", lang)),
    },
    lang,
    key="plan_table",
)
tables.bar_chart(
    [str(r) for r in lamps["rank"]],
    lamps["gain_m"].tolist(),
    label_title=t("col.rank", lang),
    value_title=t("col.gain_m", lang),
    lang=lang,
    decimals=0,
)

st.subheader(t("plan.map", lang))
xy = planning.lonlat(lamps)
if len(xy) == 0:  # every lamp dropped: the map fits the study
    xy = np.asarray(planning.study_corners(data))
points = [
    {"lon": float(x), "lat": float(y), "label": str(r)}
    for (x, y), r in zip(planning.lonlat(lamps), lamps["rank"], strict=True)
]
box = [*(xy.min(axis=0) - FIT_MARGIN), *(xy.max(axis=0) + FIT_MARGIN)]
fit_key = hashlib.sha256(np.round(xy, 6).tobytes()).hexdigest()[:12]
mapwidget.live_map(
    data,
    mapview.client_args(
        data,
        document=mapwidget.document(data)[1],
        weights=scoring.weights(),
        lang=lang,
        district=None,
        selected=None,
        min_dwellings=config.mix.min_dwellings,
        view={**mapview.DEFAULT_VIEW, "street": "lighting", "dark": True},
        points=points,
        fit_to={"key": f"plan-{fit_key}", "bounds": [float(v) for v in box]},
    ),
    key="plan_map",
)
st.caption(t("plan.map_caption", lang))
components.legend(t("layer.lighting", lang), "street_lighting")

# --- export ---------------------------------------------------------------------------------
st.subheader(t("plan.export", lang))
st.caption(t("plan.export_help", lang))
st.download_button(
    t("plan.gpkg", lang),
    lambda: planning.gpkg_bytes(plan),  # built when clicked, in the app's cache
    file_name="plan_lamps.gpkg",
    mime="application/geopackage+sqlite3",
    key="plan_download_gpkg",
    type="primary",
    on_click="ignore",
)
st.download_button(
    t("plan.csv", lang),
    planning.csv_bytes(planning.procurement_table(plan)),
    file_name="plan_lamps.csv",
    mime="text/csv",
    key="plan_download_csv",
    on_click="ignore",
)
st.download_button(
    t("plan.register", lang),
    planning.csv_bytes(plan.register_table()),
    file_name="plan_lamps_register.csv",
    mime="text/csv",
    key="plan_download_register",
    on_click="ignore",
)
st.download_button(
    t("plan.print", lang),
    lambda: planning.print_pdf(data, plan, budget, lang),  # drawn when clicked, by the library
    file_name="plan_lamps.pdf",
    mime="application/pdf",
    key="plan_download_print",
    help=t("plan.print_help", lang),
    on_click="ignore",
)
components.attribution(data, lang)
