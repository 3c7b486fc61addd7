"""Small widgets shared by the pages; each returns what the user chose."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from safespaces.errors import SafespacesError, report_internal_error
from safespaces.indices import FAMILIES, PRESETS
from safespaces.pipeline import OSM_ATTRIBUTION
from safespaces_app import runs, scoring, urlstate
from safespaces_app.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, t
from safespaces_app.results import Analysis
from safespaces_app.webmap import escape_markdown, html_legend, legend_entries


def language() -> str:
    """The language switch (sidebar); English by default."""
    st.session_state.setdefault("lang", DEFAULT_LANGUAGE)
    return str(
        st.sidebar.selectbox(
            "Language / Kieli / Språk",
            LANGUAGES,
            format_func=lambda code: LANGUAGE_NAMES[code],
            key="lang",
        )
    )


def lang() -> str:
    """The language chosen in the switch."""
    value = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def analysis(lang: str) -> Analysis:
    """The session's analysis; a bad input shows its message and stops the page.

    An unexpected failure (a bug) shows a short message instead of a traceback and is
    logged on the server; the Data page still works, so the user can go back to the default.
    """
    try:
        with st.spinner(t("common.running", lang)):
            return runs.load()
    except SafespacesError as exc:
        st.error(escape_markdown(exc))
    except Exception as exc:  # a bug: one line naming the log, as the CLI prints it
        detail = report_internal_error(exc, "app: the analysis failed")
        runs.LOG.error(detail)
        st.error(escape_markdown(t("common.failed", lang, detail=detail)))
    st.stop()
    raise AssertionError("unreachable: st.stop() raises")


def _apply_preset() -> None:
    preset = st.session_state.get("preset")
    if preset in PRESETS:
        for family, value in PRESETS[preset].items():
            st.session_state[f"w_{family}"] = float(value)
        st.session_state["weights"] = dict(PRESETS[preset])


def _slider_moved() -> None:
    chosen = {f: float(st.session_state[f"w_{f}"]) for f in FAMILIES}
    st.session_state["weights"] = chosen
    st.session_state["preset"] = next((p for p, w in PRESETS.items() if w == chosen), "custom")


def weights(lang: str) -> dict[str, float]:
    """Preset selectbox and one slider per family (sidebar); returns the weights."""
    stored = scoring.weights()
    for family in FAMILIES:
        st.session_state.setdefault(f"w_{family}", float(stored.get(family, 0.0)))
    st.session_state.setdefault("preset", "balanced")
    box = st.sidebar.container()
    box.subheader(t("weights.title", lang))
    box.selectbox(
        t("weights.preset", lang),
        [*PRESETS, "custom"],
        format_func=lambda p: t("weights.custom", lang) if p == "custom" else p,
        key="preset",
        on_change=_apply_preset,
        **urlstate.PERSIST,
    )
    for family in FAMILIES:
        box.slider(
            t(f"family.{family}", lang),
            0.0,
            3.0,
            step=0.25,
            key=f"w_{family}",
            on_change=_slider_moved,
            **urlstate.PERSIST,
        )
    box.caption(t("weights.help", lang))
    return scoring.weights()


def legend(title: str, layer_name: str, *, polygon: bool = False) -> None:
    """A legend from the layer catalogue (escaped HTML)."""
    st.markdown(
        html_legend(title, legend_entries(layer_name), polygon=polygon), unsafe_allow_html=True
    )


def synthetic_warning(data: Analysis, lang: str) -> None:
    """Say which inputs are SYNTHETIC demo data, if any."""
    if data.synthetic:
        layers = escape_markdown(", ".join(data.synthetic))
        st.warning(t("common.synthetic", lang, layers=layers))


def attribution(data: Analysis, lang: str) -> None:
    """The data's attribution."""
    text = str(data.metadata.get("attribution") or OSM_ATTRIBUTION)
    st.caption(t("common.attribution", lang, text=escape_markdown(text)))


def suppressed(values: pd.Series, flags: pd.Series | None, k: int, lang: str) -> pd.Series:
    """Values as text, ``suppressed (<k)`` where the count was withheld."""
    text = values.map(lambda v: "" if pd.isna(v) else f"{float(v):,.2f}")
    if flags is not None:
        hidden = flags.fillna(0).astype(float).to_numpy() > 0
        text = text.where(~hidden, t("common.suppressed", lang, k=k))
    return text
