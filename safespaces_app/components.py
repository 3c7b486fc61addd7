"""Small widgets shared by the pages; each returns what the user chose."""

from __future__ import annotations

import streamlit as st

from safespaces.errors import SafespacesError, report_internal_error
from safespaces.indices import FAMILIES, PRESETS
from safespaces.pipeline import OSM_ATTRIBUTION
from safespaces_app import runs, scoring, urlstate
from safespaces_app.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    has,
    legend_label,
    preset_name,
    t,
)
from safespaces_app.results import Analysis
from safespaces_app.webmap import escape_markdown, html_legend, legend_entries

#: Keyed choice widgets whose option labels are translated (see :func:`_relabel`).
RELABELLED = ("preset", "rank_by", "district", "whatif_area")


def _relabel() -> None:
    """After a language change, give the translated choice widgets their value again.

    The browser keeps showing a selectbox's chosen option by its old label until the app
    sets its value; setting it (to the same value) makes it show the new label.
    """
    for key in RELABELLED:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def language() -> str:
    """The language switch (sidebar); English by default."""
    st.session_state.setdefault("lang", DEFAULT_LANGUAGE)
    return str(
        st.sidebar.selectbox(
            "Language / Kieli / Språk",
            LANGUAGES,
            format_func=lambda code: LANGUAGE_NAMES[code],
            key="lang",
            on_change=_relabel,
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


#: Session keys of the preset box's value as the browser sent it: with the previous request
#: (:func:`note_request`) and with the request being handled (captured by its first callback,
#: before any callback writes the box's value).
_PRESET_IN_BROWSER = "_preset_in_browser"
_PRESET_THIS_REQUEST = "_preset_this_request"


def _preset_sent() -> object:
    """The preset box's value the browser sent with the request being handled."""
    if _PRESET_THIS_REQUEST not in st.session_state:
        st.session_state[_PRESET_THIS_REQUEST] = st.session_state.get("preset")
    return st.session_state[_PRESET_THIS_REQUEST]


def note_request() -> None:
    """Remember the preset box's value the browser sent with this request (the main script
    calls this first in every run, after the callbacks and before anything is drawn)."""
    sent = st.session_state.pop(_PRESET_THIS_REQUEST, st.session_state.get("preset"))
    st.session_state[_PRESET_IN_BROWSER] = sent


def _apply_preset() -> None:
    """The preset box changed: its weights go to the sliders.

    Unless the box did not change in the browser: a slider step sets the box to "custom" on
    the server, and a request the browser sends before it hears so (the next key press, or
    the slider's own second message) still carries the old preset, which Streamlit reports
    as a change back to it. Such a stale copy (the same value the browser sent with its
    previous request) is not a choice: the sliders' weights stay, and the box shows their
    preset. Before this, right-arrow keys pressed faster than a rerun snapped the weights
    back to "balanced".
    """
    sent = _preset_sent()
    if sent == st.session_state.get(_PRESET_IN_BROWSER):
        _slider_moved()
        return
    preset = st.session_state.get("preset")
    if preset in PRESETS:
        for family, value in PRESETS[preset].items():
            st.session_state[f"w_{family}"] = float(value)
        st.session_state["weights"] = dict(PRESETS[preset])


def _slider_moved() -> None:
    _preset_sent()  # before this callback writes the box's value
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
        format_func=lambda p: t("weights.custom", lang) if p == "custom" else preset_name(p, lang),
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
    """A legend from the layer catalogue (escaped HTML), its labels in the chosen language."""
    chosen = lang()
    entries = [
        (legend_label(label, chosen), colour) for label, colour in legend_entries(layer_name)
    ]
    st.markdown(html_legend(title, entries, polygon=polygon), unsafe_allow_html=True)


def input_name(kind: str, lang: str) -> str:
    """The name of an input (``tenure``, ``lamps`` ...) in ``lang``."""
    return t(f"input.{kind}", lang) if has(f"input.{kind}") else kind


def synthetic_warning(data: Analysis, lang: str) -> None:
    """Say which inputs are SYNTHETIC demo data, if any."""
    if data.synthetic:
        layers = escape_markdown(", ".join(input_name(k, lang) for k in data.synthetic))
        st.warning(t("common.synthetic", lang, layers=layers))


def attribution(data: Analysis, lang: str) -> None:
    """The data's attribution."""
    text = str(data.metadata.get("attribution") or OSM_ATTRIBUTION)
    st.caption(t("common.attribution", lang, text=escape_markdown(text)))
