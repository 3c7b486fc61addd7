"""Data page: upload your own files, see the validation messages, or use the default; or
open a finished output folder (no recomputing)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from safespaces.catalogue import CATALOGUE, Layer, is_synthetic
from safespaces.errors import SafespacesError, report_internal_error
from safespaces.study import Inputs
from safespaces_app import components, provenance, runs, settings, tables, uploads
from safespaces_app.i18n import has, t
from safespaces_app.tables import Col
from safespaces_app.webmap import escape_markdown

lang = components.lang()
st.title(t("page.data", lang))
st.markdown(t("data.intro", lang))

#: Session key of the user's own names of the uploads in use (the stored copies' are sanitised).
UPLOAD_NAMES = "upload_names"

# No ``type=`` filter: Streamlit's own check raises an exception on a wrong suffix;
# uploads.check_upload refuses it with a message instead (and sniffs the content too).
given_files = {
    kind: st.file_uploader(t(f"data.kind.{kind}", lang), key=f"upload_{kind}")
    for kind in uploads.UPLOAD_TYPES
}


def upload_message(exc: uploads.UploadError, name: str, kind: str) -> str:
    """The message of a refused upload (translated for type and size), Markdown-escaped."""
    if exc.reason == "size":
        return t("data.too_big", lang, name=escape_markdown(name), mb=uploads.upload_limit_mb())
    if exc.reason == "type":
        allowed = ", ".join(uploads.UPLOAD_TYPES[kind])
        suffix = escape_markdown(Path(name).suffix or "?")
        return t("data.bad_type", lang, name=escape_markdown(name), suffix=suffix, allowed=allowed)
    return escape_markdown(exc)


def check_and_use(given: dict[str, UploadedFile]) -> None:
    """Save the uploads, run the analysis on them (the check), and use them if it succeeds.

    Files of a failed check are deleted; the session keeps its previous inputs.
    """
    saved: dict[str, Path] = {}
    for kind, upload in given.items():
        try:
            saved[kind] = uploads.save_upload(kind, upload.name, upload.getvalue())
        except uploads.UploadError as exc:
            st.error(upload_message(exc, upload.name, kind))
    if len(saved) < len(given):
        uploads.discard(list(saved.values()))
        return
    inputs = Inputs(**saved)  # type: ignore[arg-type]
    config = settings.current_config()
    try:
        with st.spinner(t("common.running", lang)):
            result = runs.analysis(inputs, config.to_json(), config)
    except SafespacesError as exc:
        st.error(escape_markdown(exc))
    except Exception as exc:  # a bug: one line naming the log, as the CLI prints it
        detail = report_internal_error(exc, "app: the analysis failed on uploaded files")
        runs.LOG.error(detail)
        st.error(escape_markdown(t("common.failed", lang, detail=detail)))
    else:
        uploads.use_inputs(st.session_state, inputs)
        st.session_state[UPLOAD_NAMES] = {kind: upload.name for kind, upload in given.items()}
        runs.close_folder()  # the uploads replace an opened folder
        st.success(t("data.ok", lang))
        for warning in result.warnings:
            st.warning(escape_markdown(warning))
        return
    uploads.discard(list(saved.values()))


left, right = st.columns(2)
if left.button(t("data.check", lang), type="primary"):
    chosen = {kind: f for kind, f in given_files.items() if f is not None}
    if chosen:
        check_and_use(chosen)
    else:
        st.warning(t("data.nothing", lang))
if right.button(t("data.reset", lang)):
    uploads.use_inputs(st.session_state, Inputs())
    st.session_state.pop(UPLOAD_NAMES, None)
    runs.close_folder()

st.subheader(t("data.open.title", lang))
st.caption(t("data.open.help", lang))
folder_text = st.text_input(t("data.open.path", lang), key="open_folder")
if st.button(t("data.open.button", lang)):
    if not folder_text.strip():
        st.warning(t("data.open.empty", lang))
    else:
        try:
            with st.spinner(t("common.running", lang)):
                opened = runs.use_folder(folder_text.strip())
        except SafespacesError as exc:  # one line: not an output folder, and why
            st.error(escape_markdown(exc))
        else:  # the folder replaces the uploads (their files are deleted)
            uploads.use_inputs(st.session_state, Inputs())
            st.session_state.pop(UPLOAD_NAMES, None)
            st.success(t("data.open.ok", lang, folder=escape_markdown(opened)))

st.subheader(t("data.current", lang))
IN_USE_COLUMNS = {
    "input": Col(t("col.input", lang)),
    "source": Col(t("col.source", lang)),
    "file": Col(t("col.file", lang)),
}
folder = runs.opened_folder()
if folder is not None:
    try:
        metadata = runs.load().metadata
    except SafespacesError as exc:  # the folder went away or changed since it was opened
        st.error(escape_markdown(exc))
    else:
        summary = provenance.opened_summary(folder, metadata, lang)
        st.markdown(t("data.opened", lang, **{k: escape_markdown(v) for k, v in summary.items()}))
        tables.show(
            provenance.opened_rows(metadata, lang), IN_USE_COLUMNS, lang, key="inputs_in_use"
        )
else:
    inputs = runs.current_inputs()
    names = st.session_state.get(UPLOAD_NAMES)
    tables.show(
        provenance.input_rows(
            inputs,
            set(uploads.uploaded_paths(inputs)),
            names if isinstance(names, dict) else {},
            lang,
        ),
        IN_USE_COLUMNS,
        lang,
        key="inputs_in_use",
    )

data = components.analysis(lang)
components.synthetic_warning(data, lang)
st.subheader(t("data.layers", lang))
rows = [
    (
        t(f"title.{entry.title}", lang) if has(f"title.{entry.title}") else entry.title,
        t(f"group.{entry.group}", lang) if has(f"group.{entry.group}") else entry.group,
        t("data.synthetic_col", lang) if is_synthetic(entry, data.synthetic) else "",
    )
    for entry in CATALOGUE.values()
    if (entry.table if isinstance(entry, Layer) else entry.name) in data.layers
    or (data.folder / f"{entry.name}.tif").exists()
]
tables.show(
    pd.DataFrame(rows, columns=["layer", "group", "synthetic"]),
    {
        "layer": Col(t("data.layer_col", lang)),
        "group": Col(t("data.group_col", lang)),
        "synthetic": Col(t("data.synthetic_col", lang)),
    },
    lang,
    key="layers_sources",
)
components.attribution(data, lang)
