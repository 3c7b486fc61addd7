"""Perceived safety page: residents' survey answers beside the measures (issue 24).

Shows what the run's ``perceived_safety`` layer holds (:mod:`safespaces.survey`): the
divergence map (a printed map of the layer, :func:`safespaces.printing.print_map`, offline),
the areas by class with what to do about each, the areas' shares feeling unsafe with their
Wilson intervals (suppressed areas empty), the study-wide answers, the equity table by
respondent group and the audit validation. The page computes nothing: a run without a
survey says how to add one.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from safespaces.catalogue import CATALOGUE
from safespaces.printing import print_map
from safespaces_app import components, tables
from safespaces_app.i18n import t, value_label
from safespaces_app.tables import Col

#: The divergence classes a planner acts on, in the catalogue's legend order.
ACTION_CLASSES = (
    "feels unsafe, measures good",
    "feels safe, measures poor",
    "both poor",
    "uncertain",
)


@st.cache_data(show_spinner=False, max_entries=8)
def divergence_map(folder: str, lang: str, stamp: float) -> bytes:
    """The printed divergence map of a run folder (PNG), kept per folder, language and file."""
    return print_map(folder, layer="perceived", lang=lang, dpi=110)


lang = components.lang()
data = components.analysis(lang)
st.title(t("page.perceived", lang))
components.synthetic_warning(data, lang)
areas = data.layer("perceived_safety")
summary = data.layer("survey_summary")
if areas is None:
    st.info(t("perceived.none", lang))
    st.stop()
k = int(summary["k_min"].iloc[0]) if summary is not None and "k_min" in summary else 10
st.markdown(t("perceived.intro", lang, k=k))


def labelled(values: pd.Series) -> pd.Series:
    """Categorical values of the data in the chosen language."""
    return values.map(lambda v: value_label(v, lang))


st.subheader(t("perceived.map", lang))
gpkg = data.folder / "safespaces.gpkg"
st.image(divergence_map(str(data.folder), lang, gpkg.stat().st_mtime))

st.subheader(t("perceived.classes", lang))
legend = [c.value for c in CATALOGUE["perceived_safety"].style.classes if c.value]  # type: ignore[union-attr]
counts = areas["divergence"].value_counts()
others = int(len(areas) - sum(int(counts.get(c, 0)) for c in legend))  # suppressed
by_class = pd.DataFrame(
    {
        "divergence": [*labelled(pd.Series(legend)), t("perceived.suppressed", lang, k=k)],
        "areas": [*(int(counts.get(c, 0)) for c in legend), others],
    }
)
tables.show(
    by_class,
    {
        "divergence": Col(t("col.perceived_class", lang)),
        "areas": Col(t("col.areas", lang), decimals=0),
    },
    lang,
    key="perceived_classes",
    width="content",
)
st.subheader(t("perceived.actions", lang))
st.markdown(
    "\n".join(
        f"- **{value_label(c, lang)}**: {t(f'perceived.action.{c}', lang)}" for c in ACTION_CLASSES
    )
)

st.subheader(t("perceived.areas", lang))
table = areas.assign(
    divergence=labelled(areas["divergence"]),
    measure_class=labelled(areas["measure_class"]),
    feeling=labelled(areas["feeling"]),
).sort_values("survey_share_unsafe", ascending=False, na_position="last")
tables.show(
    table,
    {
        "name": Col(t("col.area", lang), pinned=True),
        "survey_respondents": Col(t("col.respondents", lang), decimals=0),
        "survey_share_unsafe": Col(t("col.share_unsafe", lang), decimals=1, scale=100),
        "survey_share_unsafe_low": Col(t("col.low", lang), decimals=1, scale=100),
        "survey_share_unsafe_high": Col(t("col.high", lang), decimals=1, scale=100),
        "measure_class": Col(t("col.measure_class", lang)),
        "feeling": Col(t("col.feeling", lang)),
        "divergence": Col(t("col.perceived_class", lang)),
    },
    lang,
    key="perceived_areas",
)

if summary is not None:
    st.subheader(t("perceived.summary", lang))
    tables.show(
        summary.assign(scope=labelled(summary["scope"])),
        {
            "scope": Col(t("col.period", lang)),
            "respondents": Col(t("col.respondents", lang), decimals=0),
            "share_unsafe": Col(t("col.share_unsafe", lang), decimals=1, scale=100),
            "share_unsafe_low": Col(t("col.low", lang), decimals=1, scale=100),
            "share_unsafe_high": Col(t("col.high", lang), decimals=1, scale=100),
        },
        lang,
        key="perceived_summary",
        width="content",
    )
equity = data.layer("survey_equity")
if equity is not None and len(equity):
    st.subheader(t("perceived.equity", lang))
    tables.show(
        equity,
        {
            "group": Col(t("col.group", lang), pinned=True),
            "respondents": Col(t("col.respondents", lang), decimals=0),
            "share_unsafe": Col(t("col.share_unsafe", lang), decimals=1, scale=100),
            "share_unsafe_low": Col(t("col.low", lang), decimals=1, scale=100),
            "share_unsafe_high": Col(t("col.high", lang), decimals=1, scale=100),
        },
        lang,
        key="perceived_equity",
        width="content",
    )
audit = data.layer("survey_audit_validation")
if audit is not None and len(audit):
    st.subheader(t("perceived.audit", lang))
    st.dataframe(audit, hide_index=True)
components.attribution(data, lang)
