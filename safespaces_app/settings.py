"""The app's configuration: the site's TOML file, else the library's defaults."""

from __future__ import annotations

import streamlit as st

from safespaces.config import Config
from safespaces_app.build import CONFIG_ENV, CONFIG_FILE, read_site_config, site_config_path

__all__ = ["CONFIG_ENV", "CONFIG_FILE", "current_config", "server_config", "site_config"]


@st.cache_resource(show_spinner=False)
def site_config(path: str) -> Config:
    """The site's configuration file (cached per path; defaults when absent)."""
    return read_site_config(path)


def server_config() -> Config:
    """The site's configuration: its TOML file (``SAFESPACES_CONFIG``, else
    ``safespaces.toml`` in the folder the app was started from, e.g. for ``[app]
    basemap_url``), else the defaults. Needs no session (the server's warm-up uses it)."""
    return site_config(site_config_path())


def current_config() -> Config:
    """The session's configuration: one it set, else :func:`server_config`."""
    value = st.session_state.get("config")
    if isinstance(value, Config):
        return value
    return server_config()
