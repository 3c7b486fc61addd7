"""The session's family weights and the composite score they give (no rerun of the analysis).

The weights go through :func:`safespaces.indices.composite` on the run's stored
``score_<family>`` columns.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from safespaces.indices import FAMILIES, PRESETS, composite

#: The run's per-family score columns.
SCORE_COLUMNS = [f"score_{f}" for f in FAMILIES]


def weights() -> dict[str, float]:
    """The session's family weights (balanced until changed)."""
    stored = st.session_state.get("weights")
    return dict(stored) if isinstance(stored, dict) else dict(PRESETS["balanced"])


def with_score(frame: pd.DataFrame, family_weights: Mapping[str, float]) -> pd.DataFrame:
    """``frame`` with ``safe_space_score`` / ``safe_space_parts`` recomputed for the weights."""
    scores = frame[[c for c in SCORE_COLUMNS if c in frame.columns]]
    out = frame.drop(columns=["safe_space_score", "safe_space_parts"], errors="ignore")
    return out.join(composite(scores, family_weights))
