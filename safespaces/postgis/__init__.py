"""Export an output folder into PostgreSQL/PostGIS, styled for QGIS, all or nothing.

:func:`export_postgis` copies every table of an output folder's
``safespaces.gpkg`` (the vector layers and the non-spatial tables such as
``run_metadata``) into one schema of a PostGIS database, in **one
transaction**: either every table is replaced and styled, or the database is
left exactly as it was (a failed or killed export rolls back; readers see the
earlier tables until the commit). Each table gets

- its GeoPackage feature id as the primary key (``fid``), a GiST index on the
  geometry, the geometry column typed with the layer's CRS (a CRS without an
  EPSG code is added to ``spatial_ref_sys`` under an SRID of the user range);
- comments: the table's title and abstract (marked ``safespaces:``, which is
  how a later export knows the tables it may replace), each column's
  description with its unit (:func:`safespaces.catalogue.describe_columns`);
- its styles in QGIS's ``public.layer_styles`` table (QGIS's own DDL), the
  QML of the catalogue with ``useasdefault`` on the table's own style and the
  SLD beside it, so QGIS opens the layer styled from the database and
  GeoServer can import the SLD.

A table of the schema that safespaces did not write is never touched: an
export whose layer would replace one is refused. The connection string (DSN)
is a libpq URL (``postgresql://user@host:5432/db``), a key/value string
(``host=... dbname=...``) or a service name from ``pg_service.conf``; its
password never appears in a message, a log or the exported metadata
(:func:`redact`).

Data flow: this package reads the finished GeoPackage (``safespaces.io``) and
the styles of :mod:`safespaces.qgis.package`; it runs after the export and
knows nothing of the analyses.
"""

from __future__ import annotations

from safespaces.postgis.connection import (
    DEFAULT_SCHEMA,
    LAYER_STYLES_DDL,
    check_connection,
    check_dsn,
    connect,
    with_password,
)
from safespaces.postgis.dsn import conninfo, describe, redact
from safespaces.postgis.export import MARK, ExportReport, export_postgis

__all__ = [
    "DEFAULT_SCHEMA",
    "LAYER_STYLES_DDL",
    "MARK",
    "ExportReport",
    "check_connection",
    "check_dsn",
    "conninfo",
    "connect",
    "describe",
    "export_postgis",
    "redact",
    "with_password",
]
