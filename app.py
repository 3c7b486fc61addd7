"""safespaces: the Streamlit app. Run with ``streamlit run app.py``.

This file only declares the pages (and the language switch their titles
follow); every page calls the library through the app's data modules
(``app_pages.runs``: the run cache).
"""

from __future__ import annotations

import streamlit as st

from app_pages.components import language
from app_pages.i18n import t

st.set_page_config(page_title="safespaces", layout="wide")
lang = language()
pages = [
    st.Page("app_pages/map.py", title=t("page.map", lang), default=True),
    st.Page("app_pages/districts.py", title=t("page.districts", lang), url_path="districts"),
    st.Page("app_pages/mix.py", title=t("page.mix", lang), url_path="mix"),
    st.Page("app_pages/lighting.py", title=t("page.lighting", lang), url_path="lighting"),
    st.Page("app_pages/incidents.py", title=t("page.incidents", lang), url_path="incidents"),
    st.Page("app_pages/data.py", title=t("page.data", lang), url_path="data"),
    st.Page("app_pages/export.py", title=t("page.export", lang), url_path="export"),
]
st.navigation(pages).run()
