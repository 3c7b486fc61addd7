"""Map page: the street network on an offline map."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from app_pages.state import default_inputs, study
from safespaces.config import Config
from safespaces.pipeline import OSM_ATTRIBUTION
from safespaces.webmap import add_lines, base_map, bounds_lonlat, display_frame, html_legend

HIGHWAY_COLORS = {
    "footway": "#1b9e77",
    "pedestrian": "#1b9e77",
    "path": "#66a61e",
    "steps": "#66a61e",
    "residential": "#7570b3",
    "service": "#a6a6a6",
    "primary": "#d95f02",
    "secondary": "#e7298a",
    "tertiary": "#e6ab02",
    "cycleway": "#377eb8",
}

st.title("Map")
data = study(default_inputs(), Config())
segments = data.osm.segments
st.caption(
    f"{len(segments):,} street segments, {segments['length_m'].sum() / 1000:.1f} km of walkable "
    f"network. Data: {OSM_ATTRIBUTION}."
)
shown = display_frame(segments, ["segment_id", "name", "highway", "lit_tag", "length_m"])
m = base_map(bounds_lonlat(segments))
add_lines(
    m,
    shown,
    color_column="highway",
    colors=HIGHWAY_COLORS,
    name="Street segments",
    tooltip=["name", "highway", "lit_tag"],
)
col_map, col_legend = st.columns([4, 1])
with col_map:
    st_folium(m, height=600, use_container_width=True, returned_objects=[], key="map")
with col_legend:
    st.markdown(html_legend("Street type", HIGHWAY_COLORS), unsafe_allow_html=True)
