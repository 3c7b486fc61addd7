"""Map page: eyes on the street by hour, lighting, dark paths, social mix, hot spots, score."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from safespaces_app import components, mapview, urlstate
from safespaces_app.formats import MISSING, number
from safespaces_app.i18n import t
from safespaces_app.webmap import escape_markdown

lang = components.lang()
data = components.analysis(lang)
weights = components.weights(lang)
st.title(t("page.map", lang))
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

left, right = st.columns([1, 2])
districts = mapview.districts(data)
urlstate.check_district(districts)  # a link may name a district of another run
# the widgets' values come from the session's view (urlstate: the URL, kept across pages)
district = left.selectbox(
    t("map.district", lang),
    [urlstate.ALL_DISTRICTS, *districts],
    format_func=lambda d: d or t("map.all", lang),
    key=urlstate.DISTRICT_KEY,
    **urlstate.PERSIST,
)
hours = mapview.HOURS
hour = int(
    right.slider(
        t("map.hour", lang), hours[0], hours[-1], key=urlstate.HOUR_KEY, **urlstate.PERSIST
    )
)
st.sidebar.subheader(t("map.layers", lang))
shown = [
    key
    for key in mapview.LAYERS
    if st.sidebar.checkbox(
        mapview.layer_title(key, hour, lang), key=urlstate.layer_key(key), **urlstate.PERSIST
    )
]

col_map, col_legend = st.columns([4, 1])
m = mapview.build_map(data, hour=hour, shown=shown, weights=weights, district=district, lang=lang)
# the view's centre and zoom (else: fitted), given anew only to a new map: a new script
instance = (str(data.folder), hour, tuple(shown), tuple(weights.items()), district, lang)
centre, zoom = urlstate.map_view(instance)
with col_map:
    returned = st_folium(
        m,
        height=620,
        use_container_width=True,
        returned_objects=["last_active_drawing", "center", "zoom"],
        center=centre,
        zoom=zoom,
        key="map",
    )
urlstate.remember_map_view(returned)  # a pan or zoom goes into the URL
with col_legend:
    for key in reversed(list(mapview.LAYERS)):
        if key in shown:
            _, name, kind = mapview.LAYERS[key]
            components.legend(mapview.layer_title(key, hour, lang), name, polygon=kind == "polygon")
components.attribution(data, lang)

picked = mapview.clicked_id(returned)
found = mapview.feature(data, *picked, hour, data.k_min, lang) if picked else None
if found is None:
    st.info(t("map.click", lang))
else:
    title, row, measures = found
    st.subheader(escape_markdown(title))  # the title holds a name from the data
    info, parts = st.columns(2)
    info.dataframe(measures, hide_index=True, width="stretch", placeholder=MISSING)
    if isinstance(row.get("eyes_explain"), str) and row["eyes_explain"]:
        info.markdown(f"**{t('panel.why', lang)}:**")
        info.text(row["eyes_explain"])
    parts.markdown(f"**{t('panel.breakdown', lang)}**")
    parts.dataframe(mapview.breakdown(row, weights, lang), hide_index=True, placeholder=MISSING)
