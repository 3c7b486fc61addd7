"""Data page: upload your own files, see the validation messages, or use the default."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import components, state
from safespaces.catalogue import CATALOGUE, Layer, is_synthetic
from safespaces.errors import SafespacesError
from safespaces.i18n import t
from safespaces.pipeline import Inputs

lang = components.lang()
st.title(t("page.data", lang))
st.markdown(t("data.intro", lang))

uploads = {
    kind: st.file_uploader(t(f"data.kind.{kind}", lang), type=list(types), key=f"upload_{kind}")
    for kind, types in state.UPLOAD_TYPES.items()
}
left, right = st.columns(2)
if left.button(t("data.check", lang), type="primary"):
    given = {kind: f for kind, f in uploads.items() if f is not None}
    saved: dict[str, Path] = {}
    for kind, upload in given.items():
        try:
            saved[kind] = state.save_upload(kind, upload.name, upload.getvalue())
        except ValueError as exc:
            if str(exc) == "size":
                st.error(t("data.too_big", lang, name=upload.name, mb=state.MAX_UPLOAD_MB))
            else:
                allowed = ", ".join(state.UPLOAD_TYPES[kind])
                suffix = Path(upload.name).suffix or "?"
                st.error(t("data.bad_type", lang, name=upload.name, suffix=suffix, allowed=allowed))
    if not given:
        st.warning(t("data.nothing", lang))
    elif len(saved) == len(given):
        inputs = Inputs(**saved)  # type: ignore[arg-type]
        try:
            state.check_inputs(inputs, state.current_config())
        except SafespacesError as exc:
            st.error(str(exc))
            state.discard(list(saved.values()))
        else:
            st.session_state["inputs"] = inputs
            st.success(t("data.ok", lang))
if right.button(t("data.reset", lang)):
    st.session_state["inputs"] = Inputs()

st.subheader(t("data.current", lang))
inputs = state.current_inputs()
names = {
    field.name: getattr(inputs.resolved(), field.name)
    for field in dataclasses.fields(Inputs)
    if field.name != "crs"
}
st.table(
    pd.DataFrame(
        [
            (
                kind,
                Path(path).name if path else "",
                t("data.default", lang) if inputs.is_default else "",
            )
            for kind, path in names.items()
        ],
        columns=["input", "file", ""],
    )
)

data = components.analysis(lang)
components.synthetic_warning(data, lang)
st.subheader(t("data.layers", lang))
rows = [
    (
        entry.title,
        entry.group,
        "SYNTHETIC" if is_synthetic(entry, data.synthetic) else "",
    )
    for entry in CATALOGUE.values()
    if (entry.table if isinstance(entry, Layer) else entry.name) in data.layers
    or (data.folder / f"{entry.name}.tif").exists()
]
st.dataframe(
    pd.DataFrame(
        rows,
        columns=[
            t("data.layer_col", lang),
            t("data.group_col", lang),
            t("data.synthetic_col", lang),
        ],
    ),
    hide_index=True,
    width="stretch",
)
components.attribution(data, lang)
