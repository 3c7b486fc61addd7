"""Small widgets shared by the pages; each returns what the user chose."""

from __future__ import annotations

import time

import streamlit as st

from safespaces.catalogue import OSM_ATTRIBUTION
from safespaces.errors import SafespacesError, report_internal_error
from safespaces.indices import FAMILIES, PRESETS
from safespaces_app import mapview, runs, scoring, urlstate
from safespaces_app.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
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


#: Session key of the preset a slider step replaced on the server: ``(preset, when)``.
_REPLACED = "_preset_replaced"
#: Seconds after a slider step in which the preset it replaced, coming back from the browser
#: with no slider move, is the slider's own second message (sent at once with the same
#: value), not a choice: a person needs longer to see "custom" and choose again.
ECHO_WINDOW_S = 1.5


def _sliders_moved() -> bool:
    """True when a weight slider's value differs from the session's weights (a slider moved
    in the request being handled)."""
    stored = st.session_state.get("weights")
    if not isinstance(stored, dict):
        return False
    return any(
        float(st.session_state.get(f"w_{f}", stored.get(f, 0.0))) != float(stored.get(f, 0.0))
        for f in FAMILIES
    )


def _stale_preset(preset: object) -> bool:
    """Whether the preset box's "change" to ``preset`` is the browser's stale copy of it.

    A slider step sets the box to "custom" on the server; a request the browser sends
    before it hears so (the next key press, or the slider's own second message) still
    carries the old preset, which Streamlit reports as a change back to it. It is stale when
    it is the preset the step replaced and it comes with a slider move (a person cannot move
    a slider and choose a preset in one request) or right after the step.
    """
    replaced = st.session_state.get(_REPLACED)
    if not isinstance(replaced, tuple) or replaced[0] != preset:
        return False
    return _sliders_moved() or time.monotonic() - replaced[1] < ECHO_WINDOW_S


def _apply_preset() -> None:
    """The preset box changed: its weights go to the sliders, unless the change is the
    browser's stale copy (:func:`_stale_preset`): then the sliders' weights stay and the box
    shows their preset. Before this, right-arrow keys pressed faster than a rerun snapped
    the weights back to "balanced"."""
    preset = st.session_state.get("preset")
    if _stale_preset(preset):
        if _sliders_moved():  # a step of a burst of keys: its own echo may follow
            st.session_state[_REPLACED] = (preset, time.monotonic())
        _slider_moved(remember=False)
        return
    if preset in PRESETS:
        for family, value in PRESETS[preset].items():
            st.session_state[f"w_{family}"] = float(value)
        st.session_state["weights"] = dict(PRESETS[preset])


def _slider_moved(remember: bool = True) -> None:
    """A slider moved: the weights are the sliders'; the box shows their preset or "custom"
    (and, with ``remember``, the preset it replaced is kept for :func:`_stale_preset`)."""
    chosen = {f: float(st.session_state[f"w_{f}"]) for f in FAMILIES}
    before = st.session_state.get("preset")
    after = next((p for p, w in PRESETS.items() if w == chosen), "custom")
    st.session_state["weights"] = chosen
    st.session_state["preset"] = after
    if remember and before != after:
        st.session_state[_REPLACED] = (before, time.monotonic())


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
    return mapview.input_label(kind, lang)


def synthetic_warning(data: Analysis, lang: str) -> None:
    """Say which inputs are SYNTHETIC demo data, if any."""
    if data.synthetic:
        layers = escape_markdown(", ".join(input_name(k, lang) for k in data.synthetic))
        st.warning(t("common.synthetic", lang, layers=layers))


def attribution(data: Analysis, lang: str) -> None:
    """The data's attribution."""
    text = str(data.metadata.get("attribution") or OSM_ATTRIBUTION)
    st.caption(t("common.attribution", lang, text=escape_markdown(text)))
