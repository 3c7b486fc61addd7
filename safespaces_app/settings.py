"""The app's configuration: the site's TOML file, else the library's defaults."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from safespaces.config import Config, load_config

#: Configuration file of the app: ``$SAFESPACES_CONFIG``, else :data:`CONFIG_FILE` in the
#: folder the app was started from (the repository's top for ``streamlit run app.py``).
CONFIG_ENV = "SAFESPACES_CONFIG"
CONFIG_FILE = "safespaces.toml"


@st.cache_resource(show_spinner=False)
def site_config(path: str) -> Config:
    """The site's configuration file (cached per path; defaults when absent)."""
    return load_config(path) if path and Path(path).is_file() else Config()


def server_config() -> Config:
    """The site's configuration: its TOML file (``SAFESPACES_CONFIG``, else
    ``safespaces.toml`` in the folder the app was started from, e.g. for ``[app]
    basemap_url``), else the defaults. Needs no session (the server's warm-up uses it)."""
    return site_config(os.environ.get(CONFIG_ENV, str(Path.cwd() / CONFIG_FILE)))


def current_config() -> Config:
    """The session's configuration: one it set, else :func:`server_config`."""
    value = st.session_state.get("config")
    if isinstance(value, Config):
        return value
    return server_config()
