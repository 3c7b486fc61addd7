"""Map page: eyes on the street by hour, lighting, dark paths, social mix, hot spots, score.

The map (left) is drawn and restyled in the browser: its hour slider, play button and
layer panel never rerun this script. A click on a feature reruns it and opens the
feature's panel beside the map (right); the map reports its view (hour, layers, centre,
zoom) a moment after it settles, which puts the view in the URL (:mod:`urlstate`).
"""

from __future__ import annotations

import streamlit as st

from safespaces.errors import SafespacesError
from safespaces_app import components, mapview, mapwidget, urlstate
from safespaces_app.formats import MISSING, number
from safespaces_app.i18n import t
from safespaces_app.settings import current_config
from safespaces_app.webmap import escape_markdown

lang = components.lang()
data = components.analysis(lang)
weights = components.weights(lang)
reported = st.session_state.get(mapwidget.KEY)
urlstate.remember_map_view(reported)  # the map's hour, layers, centre and zoom -> the URL
st.title(t("page.map", lang))

col_map, col_panel = st.columns([3, 2], gap="medium")
with col_panel:
    districts = mapview.districts(data)
    urlstate.check_district(districts)  # a link may name a district of another run
    # the widget's value comes from the session's view (urlstate: the URL, kept across pages)
    district = st.selectbox(
        t("map.district", lang),
        [urlstate.ALL_DISTRICTS, *districts],
        format_func=lambda d: d or t("map.all", lang),
        key=urlstate.DISTRICT_KEY,
        **urlstate.PERSIST,
    )
    segments = data.layers["street_segments"]
    st.caption(
        t(
            "map.caption",
            lang,
            segments=number(len(segments), lang),
            km=number(segments["length_m"].sum() / 1000, lang, 1),
        )
    )
    components.synthetic_warning(data, lang)
    if mapview.all_weights_zero(weights):
        st.warning(t("map.weights_zero", lang))

picked = mapview.clicked(reported)
selected = (picked[0], picked[1]) if picked else None
with col_map:
    mapwidget.live_map(
        data,
        mapview.client_args(
            data,
            document=mapwidget.document(data)[1],
            weights=weights,
            lang=lang,
            district=district or None,
            selected=selected,
            min_dwellings=current_config().mix.min_dwellings,
            view=urlstate.map_args(str(data.folder)),
        ),
    )
    components.attribution(data, lang)

with col_panel:
    hour = picked[2] if picked and picked[2] is not None else urlstate.current().hour
    panel = mapview.feature(data, *selected, hour, data.k_min, lang) if selected else None
    if panel is None:
        st.info(t("map.click", lang))
    else:
        st.subheader(escape_markdown(panel.title))  # the title holds a name from the data
        if panel.subtitle:
            st.markdown(f"**{escape_markdown(panel.subtitle)}**")
        st.caption(t("map.at_hour", lang, hour=f"{hour:02d}"))
        # st.table wraps long text and renders its cells as Markdown: data text is escaped
        # (a street named like an image would otherwise make the browser fetch it)
        measures = panel.measures.set_index(panel.measures.columns[0])  # labels: the catalogue's
        st.table(measures.astype(str).map(escape_markdown))
        why = panel.row.get("eyes_explain")
        if isinstance(why, str) and why:
            st.markdown(f"**{t('panel.why', lang)}:**")
            st.text(why)
        st.markdown(f"**{t('panel.breakdown', lang)}**")
        st.dataframe(
            mapview.breakdown(panel.row, weights, lang), hide_index=True, placeholder=MISSING
        )
        profile = mapview.eyes_profile(panel.row, lang)
        if profile is not None:
            st.markdown(f"**{t('map.profile', lang)}**")
            st.bar_chart(profile, height=170)

with col_panel, st.expander(t("print.title", lang)):
    st.caption(t("print.help", lang))
    fmt = st.radio(
        t("print.format", lang),
        ["png", "pdf"],
        format_func=str.upper,
        horizontal=True,
        key="print_fmt",
    )
    shown = list(urlstate.current().layers)
    if not shown:
        st.info(t("print.no_layer", lang))
    elif st.button(t("print.make", lang), key="print_make"):
        from safespaces.printing import print_map  # matplotlib: only when asked for

        try:
            with st.spinner(t("print.make", lang)):
                page = print_map(
                    data,
                    layer=shown,
                    hour=urlstate.current().hour,
                    bounds=urlstate.reported_bounds(reported),
                    lang=lang,
                    fmt=str(fmt),
                    weights=weights,
                )
        except SafespacesError as exc:  # e.g. a view outside the study
            st.error(escape_markdown(exc))
        else:
            st.session_state["print_file"] = (str(fmt), page)
    made = st.session_state.get("print_file")
    if isinstance(made, tuple):
        st.download_button(
            t("print.download", lang, fmt=made[0].upper()),
            made[1],
            file_name=f"safespaces-map.{made[0]}",
            mime="application/pdf" if made[0] == "pdf" else "image/png",
            key="print_download",
        )
