"""Export page: the GeoPackage, the rasters with their QGIS styles, and the QGIS project."""

from __future__ import annotations

import streamlit as st

from app_pages import components, state
from safespaces.i18n import t

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
files = {p.name: p for p in state.export_files(data)}

st.download_button(
    t("export.gpkg", lang),
    files["safespaces.gpkg"].read_bytes(),
    file_name="safespaces.gpkg",
    mime=MIME[".gpkg"],
    key="download_gpkg",
    type="primary",
)
if "safespaces.qgz" in files:
    st.download_button(
        t("export.qgz", lang),
        files["safespaces.qgz"].read_bytes(),
        file_name="safespaces.qgz",
        mime=MIME[".qgz"],
        key="download_qgz",
    )
st.download_button(
    t("export.zip", lang),
    state.zip_bytes(str(data.folder)),
    file_name="safespaces.zip",
    mime=MIME[".zip"],
    key="download_zip",
)
st.subheader(t("export.rasters", lang))
for name, path in files.items():
    if path.suffix in (".tif", ".qml", ".qmd"):
        st.download_button(
            t("export.file", lang, name=name),
            path.read_bytes(),
            file_name=name,
            mime=MIME.get(path.suffix, "application/octet-stream"),
            key=f"download_{name}",
        )
components.attribution(data, lang)
