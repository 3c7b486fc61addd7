"""Export page: the GeoPackage, the rasters with their QGIS styles, the QGIS project, and
the formats for map servers, web maps and catalogues (safespaces.formats, the SLD styles,
the ISO record, PostGIS through safespaces.postgis)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from safespaces.errors import SafespacesError
from safespaces.postgis import DEFAULT_SCHEMA, export_postgis
from safespaces.qgis.iso import ISO_NAME
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
st.caption(t("export.cog", lang))

st.subheader(t("export.publish", lang))
folder = str(data.folder)


def format_reader(fmt: str) -> Callable[[], bytes]:
    """Build the format's zip only when its button is clicked (then kept)."""
    return lambda: archive.format_zip_bytes(folder, fmt)


for fmt in ("geoparquet", "fgb", "pmtiles"):
    st.markdown(t(f"export.{fmt}", lang))
    st.download_button(
        f"{t('export.download', lang)}: safespaces-{fmt}.zip",
        format_reader(fmt),
        file_name=f"safespaces-{fmt}.zip",
        mime=MIME[".zip"],
        key=f"download_{fmt}",
        on_click="ignore",
    )
st.markdown(t("export.sld", lang))
st.download_button(
    f"{t('export.download', lang)}: safespaces-sld.zip",
    lambda: archive.sld_zip_bytes(folder),
    file_name="safespaces-sld.zip",
    mime=MIME[".zip"],
    key="download_sld",
    on_click="ignore",
)
if ISO_NAME in files:
    st.markdown(t("export.iso", lang))
    st.download_button(
        f"{t('export.download', lang)}: {ISO_NAME}",
        reader(files[ISO_NAME]),
        file_name=ISO_NAME,
        mime="application/xml",
        key="download_iso",
        on_click="ignore",
    )
st.markdown(t("export.postgis.intro", lang))
with st.expander(t("export.postgis", lang)), st.form("postgis"):
    dsn = st.text_input(t("export.postgis.dsn", lang), key="postgis_dsn")
    schema = st.text_input(t("export.postgis.schema", lang), value=DEFAULT_SCHEMA)
    password = st.text_input(t("export.postgis.password", lang), type="password")
    if st.form_submit_button(t("export.postgis.go", lang)):
        try:
            report = export_postgis(folder, dsn, schema, password=password or None)
        except SafespacesError as exc:  # one line: what, where and the fix; no password
            st.error(str(exc))
        else:
            st.success(
                t(
                    "export.postgis.done",
                    lang,
                    tables=len(report.tables),
                    rows=f"{sum(report.tables.values()):,}",
                    styles=report.styles,
                    schema=report.schema,
                    where=report.database,
                )
            )
components.attribution(data, lang)
