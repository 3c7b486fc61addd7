"""Data access for the app: cached library calls keyed by hashable parameters."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from safespaces.config import Config
from safespaces.pipeline import Inputs, Study, load_study


@st.cache_resource(show_spinner="Reading the data ...")
def study(inputs: Inputs, config: Config) -> Study:
    """The validated inputs, cached per (inputs, config)."""
    return load_study(inputs, config)


def default_inputs() -> Inputs:
    """The embedded Helsinki default."""
    return Inputs()


def repo_root() -> Path:
    """The folder holding app.py."""
    return Path(__file__).resolve().parent.parent
