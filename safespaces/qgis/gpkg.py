"""Read a GeoPackage's layer list, and store QGIS styles and layer metadata in it.

Styles go into the ``layer_styles`` table exactly as QGIS itself creates it
(``update_time`` included, registered in ``gpkg_contents`` as attributes),
with ``useAsDefault`` set on the table's own style, so each layer opens styled.
Layer metadata is a QGIS metadata document (QMD) in ``gpkg_metadata``, tied to
its table by ``gpkg_metadata_reference``, as QGIS's "Save to Default Location"
writes it. Everything here is plain SQLite; no GDAL or QGIS needed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from pyproj import CRS

from safespaces.catalogue import Geometry

#: QGIS's own DDL of ``layer_styles`` (QGIS 3.22, OGR provider).
LAYER_STYLES_DDL = (
    'CREATE TABLE "layer_styles" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)
#: GDAL's DDL of the GeoPackage metadata extension tables.
METADATA_DDL = (
    "CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC "
    "NOT NULL,md_scope TEXT NOT NULL DEFAULT 'dataset',md_standard_uri TEXT NOT NULL,"
    "mime_type TEXT NOT NULL DEFAULT 'text/xml',metadata TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT NULL,"
    "table_name TEXT,column_name TEXT,row_id_value INTEGER,timestamp DATETIME NOT NULL "
    "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),md_file_id INTEGER NOT NULL,"
    "md_parent_id INTEGER,CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES "
    "gpkg_metadata(id),CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES "
    "gpkg_metadata(id))",
)
EXTENSIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,"
    "extension_name TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,"
    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"
)
METADATA_EXTENSION = "http://www.geopackage.org/spec120/#extension_metadata"
QGIS_METADATA_URI = "http://mrcc.com/qgis.dtd"

_GEOMETRY: dict[str, Geometry] = {
    "POINT": "point",
    "MULTIPOINT": "point",
    "LINESTRING": "line",
    "MULTILINESTRING": "line",
    "POLYGON": "polygon",
    "MULTIPOLYGON": "polygon",
}


@dataclasses.dataclass(frozen=True)
class TableInfo:
    """One GeoPackage table as the export needs it."""

    name: str
    geometry: Geometry
    geometry_type: str
    geometry_column: str | None
    columns: tuple[str, ...]
    count: int
    crs: CRS | None
    bounds: tuple[float, float, float, float] | None


@contextlib.contextmanager
def connect(path: str | Path) -> Iterator[sqlite3.Connection]:
    """An SQLite connection that commits on success and always closes."""
    con = sqlite3.connect(str(path))
    try:
        with con:
            yield con
    finally:
        con.close()


def read_tables(path: str | Path) -> list[TableInfo]:
    """Every feature and attribute table of a GeoPackage, in ``gpkg_contents`` order."""
    out = []
    with connect(path) as con:
        rows = con.execute(
            "SELECT table_name, data_type, min_x, min_y, max_x, max_y FROM gpkg_contents "
            "WHERE data_type IN ('features', 'attributes') AND table_name != 'layer_styles' "
            "ORDER BY rowid"
        ).fetchall()
        geoms = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT g.table_name, g.column_name, g.geometry_type_name, s.definition, "
                "s.organization, s.organization_coordsys_id "
                "FROM gpkg_geometry_columns g LEFT JOIN gpkg_spatial_ref_sys s "
                "ON g.srs_id = s.srs_id"
            )
        }
        for name, data_type, x0, y0, x1, y1 in rows:
            columns = tuple(
                r[1] for r in con.execute(f'PRAGMA table_info("{name}")') if r[1] != "fid"
            )
            (count,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            column, gtype, definition, org, code = geoms.get(name, (None, "", None, None, None))
            spatial = data_type == "features" and column is not None
            crs = _crs(definition, org, code) if spatial else None
            out.append(
                TableInfo(
                    name=name,
                    geometry=_GEOMETRY.get(str(gtype).upper(), "none") if spatial else "none",
                    geometry_type=str(gtype) if spatial else "",
                    geometry_column=column if spatial else None,
                    columns=tuple(c for c in columns if c != column),
                    count=int(count),
                    crs=crs,
                    bounds=(x0, y0, x1, y1) if spatial and x0 is not None else None,
                )
            )
    return out


def _crs(definition: str | None, organization: str | None, code: int | None) -> CRS | None:
    """The CRS of a ``gpkg_spatial_ref_sys`` row (its authority code when it has one)."""
    if organization and organization.upper() == "EPSG" and code and code > 0:
        return CRS.from_epsg(int(code))
    if definition and definition != "undefined":
        return CRS.from_user_input(definition)
    return None


@dataclasses.dataclass(frozen=True)
class StoredStyle:
    """One row of ``layer_styles``: the QGIS style (QML) and its SLD 1.1.0 twin.

    ``sld`` goes into ``styleSLD`` (read by map servers such as GeoServer; QGIS applies
    the QML); empty when there is none.
    """

    table: str
    geometry_column: str
    name: str
    qml: str
    default: bool
    description: str
    sld: str = ""


def write_styles(con: sqlite3.Connection, styles: Sequence[StoredStyle]) -> None:
    """Replace the ``layer_styles`` table with ``styles`` (QGIS's DDL, registered)."""
    con.execute('DROP TABLE IF EXISTS "layer_styles"')
    con.execute("DELETE FROM gpkg_contents WHERE table_name = 'layer_styles'")
    with contextlib.suppress(sqlite3.OperationalError):  # no gpkg_ogr_contents: fine
        con.execute("DELETE FROM gpkg_ogr_contents WHERE table_name = 'layer_styles'")
    con.execute(LAYER_STYLES_DDL)
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change, srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', "
        "'QGIS layer styles', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0)"
    )
    con.executemany(
        'INSERT INTO "layer_styles" ("f_table_catalog", "f_table_schema", "f_table_name", '
        '"f_geometry_column", "styleName", "styleQML", "styleSLD", "useAsDefault", '
        "\"description\", \"owner\", \"ui\") VALUES ('', '', ?, ?, ?, ?, ?, ?, ?, '', NULL)",
        [
            (s.table, s.geometry_column, s.name, s.qml, s.sld, int(s.default), s.description)
            for s in styles
        ],
    )
    with contextlib.suppress(sqlite3.OperationalError):
        con.execute(
            "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES ('layer_styles', ?)",
            (len(styles),),
        )


def write_metadata(con: sqlite3.Connection, documents: dict[str, str]) -> None:
    """Store one QGIS metadata document per table (replacing earlier ones)."""
    for ddl in (*METADATA_DDL, EXTENSIONS_DDL):
        con.execute(ddl)
    for table in ("gpkg_metadata", "gpkg_metadata_reference"):
        con.execute(
            "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, "
            "scope) SELECT ?, NULL, 'gpkg_metadata', ?, 'read-write' WHERE NOT EXISTS "
            "(SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name = "
            "'gpkg_metadata')",
            (table, METADATA_EXTENSION, table),
        )
    for table, document in documents.items():
        old = [
            r[0]
            for r in con.execute(
                "SELECT md_file_id FROM gpkg_metadata_reference WHERE reference_scope = 'table' "
                "AND table_name = ?",
                (table,),
            )
        ]
        con.execute(
            "DELETE FROM gpkg_metadata_reference WHERE reference_scope = 'table' "
            "AND table_name = ?",
            (table,),
        )
        con.executemany(
            "DELETE FROM gpkg_metadata WHERE id = ? AND md_standard_uri = ?",
            [(i, QGIS_METADATA_URI) for i in old],
        )
        cursor = con.execute(
            "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
            "VALUES ('dataset', ?, 'text/xml', ?)",
            (QGIS_METADATA_URI, document),
        )
        con.execute(
            "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name, "
            "row_id_value, md_file_id, md_parent_id) VALUES ('table', ?, NULL, NULL, ?, NULL)",
            (table, cursor.lastrowid),
        )
