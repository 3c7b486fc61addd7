"""safespaces: the Streamlit app. Run with ``streamlit run app.py``.

This file only declares the pages; every page calls the library.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="safespaces", layout="wide")

pages = [st.Page("app_pages/map.py", title="Map", default=True)]
st.navigation(pages).run()
