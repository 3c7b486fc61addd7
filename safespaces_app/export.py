"""Export page: the GeoPackage, the rasters with their QGIS styles, and the QGIS project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from safespaces_app import archive, components
from safespaces_app.i18n import t

MIME = {
    ".gpkg": "application/geopackage+sqlite3",
    ".tif": "image/tiff",
    ".qgz": "application/zip",
    ".zip": "application/zip",
}

lang = components.lang()
data = components.analysis(lang)
st.title(t("page.export", lang))
st.markdown(t("export.intro", lang))
components.synthetic_warning(data, lang)
files = {p.name: p for p in archive.export_files(data)}


def reader(path: Path) -> Callable[[], bytes]:
    """Read the file only when the button is clicked (the run wrote it atomically)."""
    return path.read_bytes


st.download_button(
    t("export.gpkg", lang),
    reader(files["safespaces.gpkg"]),
    file_name="safespaces.gpkg",
    mime=MIME[".gpkg"],
    key="download_gpkg",
    type="primary",
    on_click="ignore",
)
if "safespaces.qgz" in files:
    st.download_button(
        t("export.qgz", lang),
        reader(files["safespaces.qgz"]),
        file_name="safespaces.qgz",
        mime=MIME[".qgz"],
        key="download_qgz",
        on_click="ignore",
    )
st.download_button(
    t("export.zip", lang),
    lambda: archive.zip_bytes(str(data.folder)),  # built once, atomically, on the first click
    file_name="safespaces.zip",
    mime=MIME[".zip"],
    key="download_zip",
    on_click="ignore",
)
st.subheader(t("export.rasters", lang))
for name, path in files.items():
    if path.suffix in (".tif", ".qml", ".qmd"):
        st.download_button(
            t("export.file", lang, name=name),
            reader(path),
            file_name=name,
            mime=MIME.get(path.suffix, "application/octet-stream"),
            key=f"download_{name}",
            on_click="ignore",
        )
components.attribution(data, lang)
