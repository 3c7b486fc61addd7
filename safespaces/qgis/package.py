"""Package an output folder for QGIS: styles, metadata and a project, atomically.

:func:`export_package` takes a folder written by ``safespaces run`` (or the
family subcommands) and adds

- the default QGIS style of every layer in the GeoPackage's ``layer_styles``
  table (and the catalogue's other views of a table as named styles), each as
  QML for QGIS and as SLD 1.1.0 (``styleSLD``, :mod:`safespaces.qgis.sld`) for
  map servers,
- QGIS layer metadata (title, abstract with the columns, attribution,
  SYNTHETIC flags, the run's parameters) in ``gpkg_metadata``,
- beside each GeoTIFF a same-named ``.qml`` colour ramp (:func:`raster_style`, the
  only source of raster styles; :func:`write_raster_style` writes it alone for
  the family subcommands) and ``.qmd`` metadata,
- ``safespaces.qgz``: every layer in its group, styles and metadata embedded,
  relative paths, the project CRS and an initial extent.

Every file is first written to a temporary name; they are renamed over the
old ones only when all of them are complete, so a failed export leaves the
previous output as it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree as ET

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds

from safespaces.catalogue import (
    RASTERS,
    Layer,
    Raster,
    Style,
    describe_columns,
    entry_for,
    layers_of_table,
    plain_style,
)
from safespaces.errors import InputError, OutputError
from safespaces.io import GPKG_NAME, METADATA_LAYER, atomic_path
from safespaces.qgis.gpkg import StoredStyle, TableInfo, connect, read_tables, write_metadata
from safespaces.qgis.gpkg import write_styles as store_styles
from safespaces.qgis.iso import ISO_NAME, iso_metadata
from safespaces.qgis.metadata import (
    SYNTHETIC_SUFFIX,
    history,
    metadata_element,
    parse_run_metadata,
    qmd_text,
    spatialrefsys,
    synthetic_inputs,
)
from safespaces.qgis.project import ProjectLayer, project_xml, write_qgz
from safespaces.qgis.qml import raster_pipe, raster_qml, renderer, vector_qml
from safespaces.qgis.sld import style_sld

PROJECT_NAME = "safespaces.qgz"
DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

Progress = Callable[[str], None]


def _usable_style(entry: Layer, table: TableInfo) -> Style | None:
    """The entry's style if the table has its column; ``None`` for attribute tables."""
    style = entry.style
    if table.geometry == "none" or style is None:
        return None
    if style.kind == "single" or style.column in table.columns:
        return style
    return None


def _read_run_metadata(gpkg: Path) -> dict[str, Any]:
    with connect(gpkg) as con:
        try:
            rows = con.execute(f'SELECT "key", "value" FROM "{METADATA_LAYER}"').fetchall()
        except sqlite3.OperationalError:
            return {}
    return parse_run_metadata(dict(rows))


def _raster_top(path: Path) -> float:
    """Robust maximum of a raster: the 99th percentile of its positive valid cells."""
    with rasterio.open(path) as src:
        data = src.read(1, masked=True)
    values = np.ma.compressed(data)
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.percentile(values, 99)) if values.size else 1.0


def _raster_info(path: Path) -> tuple[CRS | None, tuple[float, float, float, float]]:
    with rasterio.open(path) as src:
        crs = CRS.from_wkt(src.crs.to_wkt()) if src.crs else None
        b = src.bounds
    return crs, (b.left, b.bottom, b.right, b.top)


class RasterStyle(NamedTuple):
    """The QGIS style of one GeoTIFF: its catalogue entry, the ramp's scale and the QML."""

    raster: Raster
    maximum: float
    qml: str


def raster_style(tif: str | Path, name: str | None = None) -> RasterStyle:
    """The catalogue's QGIS style of a GeoTIFF the run wrote.

    The one place raster styles come from: :func:`export_package` writes it
    beside each GeoTIFF and embeds it in the project, :func:`write_raster_style`
    writes it alone (for the family subcommands).

    Parameters
    ----------
    tif
        The GeoTIFF (read only for an interpolated ramp, which is scaled to
        the raster's 99th percentile of positive cells).
    name
        The catalogue raster it shows; default: the file name without
        ``.tif`` (``illuminance``, ``incident_density``).

    Raises
    ------
    KeyError
        No catalogue raster of that name.
    InputError
        The GeoTIFF cannot be read.
    """
    tif = Path(tif)
    key = name or tif.stem
    raster = next((r for r in RASTERS if r.name == key), None)
    if raster is None:
        known = ", ".join(r.name for r in RASTERS)
        raise KeyError(f"no catalogue raster {key!r} (known: {known})")
    try:
        top = _raster_top(tif) if raster.interpolated else 1.0
    except RasterioError as exc:
        raise InputError(f"cannot read the raster: {exc}", path=tif) from exc
    return RasterStyle(raster, top, raster_qml(raster, top))


def write_raster_style(tif: str | Path, name: str | None = None) -> Path:
    """Write the catalogue's style of a GeoTIFF beside it (``<tif>.qml``, atomically).

    For outputs written outside :func:`export_package` (``safespaces lighting``,
    ``eyes``, ``incidents``), so QGIS styles the GeoTIFF on open. Parameters and
    errors as :func:`raster_style`.

    Returns
    -------
    pathlib.Path
        The ``.qml`` written.

    Raises
    ------
    OutputError
        The style cannot be written.
    """
    style = raster_style(tif, name)
    path = Path(tif).with_suffix(".qml")
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(style.qml, encoding="utf-8")
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"{path}: cannot write the raster style ({exc})") from exc
    return path


class _Plan:
    """Everything the export writes, computed before any file is touched."""

    def __init__(self, folder: Path, gpkg: Path, run: Mapping[str, Any]) -> None:
        self.run = run
        self.synthetic = synthetic_inputs(run)
        self.history = history({**run, "synthetic_inputs": self.synthetic})
        self.rights = [str(run.get("attribution") or DEFAULT_ATTRIBUTION)]
        self.study = str(run.get("study_name") or folder.name)
        self.tables = read_tables(gpkg)
        self.styles: list[StoredStyle] = []
        self.documents: dict[str, str] = {}
        self.layers: list[ProjectLayer] = []
        self.raster_files: dict[Path, str] = {}
        for table in self.tables:
            self._add_table(table)
        for raster in RASTERS:
            tif = folder / f"{raster.name}.tif"
            if tif.exists():
                self._add_raster(raster, tif)

    def _meta(
        self, tag: str, entry: Layer | Raster, table: str, synthetic: list[str]
    ) -> ET.Element:
        columns = []
        if isinstance(entry, Layer):
            info = next((t for t in self.tables if t.name == table), None)
            columns = describe_columns(table, info.columns if info else None)
        group = entry.group
        return metadata_element(
            tag,
            identifier=f"safespaces:{self.study}:{entry.name}",
            title=entry.title,
            abstract=entry.abstract,
            keywords={"safespaces": ["safespaces", group], "gmd:topicCategory": ["society"]},
            history_lines=self.history,
            rights=self.rights,
            crs=next((t.crs for t in self.tables if t.name == table and t.crs), None),
            synthetic=synthetic,
            columns=columns,
        )

    def _synthetic(self, entries: list[Layer | Raster]) -> list[str]:
        found = {s for e in entries for s in e.synthetic_from if s in self.synthetic}
        return sorted(found)

    def _add_table(self, table: TableInfo) -> None:
        entries = layers_of_table(table.name)
        own = entries[0] if entries and entries[0].is_table_entry else None
        if own is None:
            own = entry_for(table.name, table.geometry)
            entries = [own, *entries]
        views: list[tuple[Layer, Style | None]] = []
        for entry in entries:
            style = _usable_style(entry, table)
            if entry is own:
                if table.geometry != "none" and style is None:
                    style = plain_style(table.geometry)
                views.append((entry, style))
            elif style is not None:
                views.append((entry, style))
        table_synthetic = self._synthetic([e for e, _ in views])
        self.documents[table.name] = qmd_text(self._meta("qgis", own, table.name, table_synthetic))
        geometry_column = table.geometry_column or ""
        for entry, style in views:
            own_synthetic = self._synthetic([entry])
            if style is not None:
                self.styles.append(
                    StoredStyle(
                        table.name,
                        geometry_column,
                        entry.name,
                        vector_qml(style, table.geometry),
                        default=entry is own,
                        description=entry.title,
                        sld=style_sld(
                            style,
                            table.geometry,
                            layer=table.name,
                            title=entry.title,
                            name=entry.name,
                        ),
                    )
                )
            # the project layer's metadata flags what it shows; the table's flags all it holds
            metadata = self._meta("resourceMetadata", entry, table.name, own_synthetic)
            self.layers.append(
                ProjectLayer(
                    entry=entry,
                    title=entry.title + (SYNTHETIC_SUFFIX if own_synthetic else ""),
                    source=f"./{GPKG_NAME}|layername={table.name}",
                    geometry=table.geometry,
                    geometry_type=table.geometry_type,
                    style=renderer(style, table.geometry) if style is not None else None,
                    opacity=style.opacity if style is not None else 1.0,
                    metadata=metadata,
                    crs=table.crs,
                    bounds=table.bounds,
                )
            )

    def _add_raster(self, raster: Raster, tif: Path) -> None:
        style = raster_style(tif, raster.name)
        try:
            crs, bounds = _raster_info(tif)
        except RasterioError as exc:
            raise InputError(f"cannot read the raster: {exc}", path=tif) from exc
        synthetic = self._synthetic([raster])
        self.raster_files[tif.with_suffix(".qml")] = style.qml
        meta = self._meta("qgis", raster, raster.name, synthetic)
        _set_crs(meta, crs)
        self.raster_files[tif.with_suffix(".qmd")] = qmd_text(meta)
        project_meta = self._meta("resourceMetadata", raster, raster.name, synthetic)
        _set_crs(project_meta, crs)
        self.layers.append(
            ProjectLayer(
                entry=raster,
                title=raster.title + (SYNTHETIC_SUFFIX if synthetic else ""),
                source=f"./{tif.name}",
                geometry="none",
                geometry_type="",
                style=raster_pipe(raster, style.maximum),
                opacity=raster.opacity,
                metadata=project_meta,
                crs=crs,
                bounds=bounds,
            )
        )

    def iso(self, crs: CRS) -> str:
        """The folder's ISO 19139 record (:func:`safespaces.qgis.iso.iso_metadata`)."""
        x0, y0, x1, y1 = self.extent()
        bounds = transform_bounds(crs, "EPSG:4326", x0, y0, x1, y1) if self.tables else None
        layers = [
            (layer.entry.name, layer.entry.title, layer.entry.abstract) for layer in self.layers
        ]
        formats = [("GeoPackage", "1.2")]
        if self.raster_files:
            formats.append(("GeoTIFF", "1.1"))
        return iso_metadata(
            self.run,
            study=self.study,
            layers=layers,
            crs=crs,
            synthetic=self.synthetic,
            rights=self.rights,
            bounds=bounds,
            formats=formats,
        )

    def project_crs(self) -> CRS:
        crs = next((t.crs for t in self.tables if t.crs is not None), None)
        if crs is None:
            raise InputError("the GeoPackage has no layer with a CRS", fix="rerun 'safespaces run'")
        return crs

    def extent(self) -> tuple[float, float, float, float]:
        boxes = [t.bounds for t in self.tables if t.bounds is not None]
        if not boxes:
            return (0.0, 0.0, 1.0, 1.0)
        arr = np.array(boxes, dtype=float)
        x0, y0 = arr[:, 0].min(), arr[:, 1].min()
        x1, y1 = arr[:, 2].max(), arr[:, 3].max()
        m = 0.03 * max(x1 - x0, y1 - y0)
        return (float(x0 - m), float(y0 - m), float(x1 + m), float(y1 + m))


def _set_crs(element: ET.Element, crs: CRS | None) -> None:
    holder = element.find("crs")
    if holder is not None and crs is not None:
        holder.clear()
        holder.append(spatialrefsys(crs))


def export_package(
    folder: str | Path,
    *,
    metadata: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Add QGIS styles, layer metadata and ``safespaces.qgz`` to an output folder.

    Parameters
    ----------
    folder
        Folder holding ``safespaces.gpkg`` (and any ``<raster>.tif``).
    metadata
        The run's metadata (as :func:`safespaces.pipeline.run_metadata` returns
        it); default: read from the GeoPackage's ``run_metadata`` table.
    progress
        Called with a line of text per step.

    Returns
    -------
    list of pathlib.Path
        The files written (GeoPackage, raster styles and metadata, project).

    Raises
    ------
    InputError
        The folder holds no ``safespaces.gpkg`` (or it cannot be read).
    OutputError
        A file cannot be written; every previous file is left as it was.
    """
    folder = Path(folder)
    gpkg = folder / GPKG_NAME
    if not gpkg.is_file():
        raise InputError(
            f"no {GPKG_NAME} in {folder}",
            fix=f"run 'safespaces run --out {folder}' first, or give --out the folder "
            f"that holds {GPKG_NAME}",
        )
    try:
        run = parse_run_metadata(metadata) if metadata is not None else _read_run_metadata(gpkg)
        plan = _Plan(folder, gpkg, run)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"cannot read the GeoPackage: {exc}", path=gpkg) from exc
    crs = plan.project_crs()
    written: list[Path] = []
    try:
        with contextlib.ExitStack() as stack:
            tmp = stack.enter_context(atomic_path(gpkg, copy_existing=True))
            with connect(tmp) as con:
                store_styles(con, plan.styles)
                write_metadata(con, plan.documents)
            written.append(gpkg)
            if progress:
                progress(f"styles and metadata of {len(plan.documents)} tables")
            for path, text in plan.raster_files.items():
                stack.enter_context(atomic_path(path)).write_text(text, encoding="utf-8")
                written.append(path)
            iso = folder / ISO_NAME
            stack.enter_context(atomic_path(iso)).write_text(plan.iso(crs), encoding="utf-8")
            written.append(iso)
            qgz = folder / PROJECT_NAME
            xml = project_xml(
                plan.layers,
                title=f"safespaces: {plan.study}",
                crs=crs,
                extent=plan.extent(),
            )
            write_qgz(stack.enter_context(atomic_path(qgz)), "safespaces.qgs", xml)
            written.append(qgz)
            if progress:
                progress(f"project with {len(plan.layers)} layers")
    except (OSError, sqlite3.Error) as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"cannot write the QGIS package in {folder}: {exc}") from exc
    return written


def stored_styles(folder: str | Path) -> list[StoredStyle]:
    """The styles :func:`export_package` stores for the GeoPackage of ``folder``.

    One :class:`~safespaces.qgis.gpkg.StoredStyle` per styled view of each
    table (the table's own style as the default); for other stores of QGIS
    styles, such as PostGIS's ``public.layer_styles`` (:mod:`safespaces.postgis`).
    """
    gpkg = Path(folder) / GPKG_NAME
    try:
        return _Plan(Path(folder), gpkg, _read_run_metadata(gpkg)).styles
    except sqlite3.DatabaseError as exc:
        raise InputError(f"cannot read the GeoPackage: {exc}", path=gpkg) from exc
