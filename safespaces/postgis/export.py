"""Writing an output folder's tables and styles into PostGIS in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safespaces.catalogue import describe_columns, layers_of_table
from safespaces.errors import InputError
from safespaces.io import GPKG_NAME
from safespaces.postgis.connection import (
    DEFAULT_SCHEMA,
    LAYER_STYLES_DDL,
    LOCK_TIMEOUT,
    check_schema,
    connect,
    prepare_schema,
    psycopg_error,
    rights_error,
    with_password,
)
from safespaces.postgis.dsn import describe
from safespaces.qgis.gpkg import StoredStyle, TableInfo, read_tables

#: Marks a table's comment as written by safespaces (and so replaceable by a later export).
MARK = "safespaces:"

#: Rows per COPY chunk (bounds the text held in memory for a large layer).
COPY_ROWS = 50_000

#: First SRID safespaces gives a CRS that has no EPSG code (PostGIS's user range).
USER_SRID = 910_000

Progress = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class ExportReport:
    """What :func:`export_postgis` wrote."""

    #: Where (without the password).
    database: str
    schema: str
    #: Table name -> rows.
    tables: dict[str, int]
    #: Styles stored in public.layer_styles.
    styles: int
    #: Tables of an earlier export that this one dropped (no longer in the output).
    dropped: tuple[str, ...] = ()


def _sql_type(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    return "text"


#: COPY's marker of a missing value (an unquoted ``\N`` in CSV; an empty string stays empty).
NULL = "\\N"


def _copy_chunks(frame: pd.DataFrame) -> Iterator[bytes]:
    """The frame as COPY CSV, ``COPY_ROWS`` rows at a time (pandas' C writer, no row loop).

    Missing values are the unquoted ``NULL`` marker; booleans ``True``/``False`` and
    floats in Python's shortest round-trip form, both of which PostgreSQL reads. A text
    value that is exactly the marker would read as missing (CSV cannot tell them apart
    without quoting every value, which would make missing values empty strings).
    """
    for start in range(0, len(frame), COPY_ROWS):
        part = frame.iloc[start : start + COPY_ROWS]
        text = part.to_csv(header=False, index=False, na_rep=NULL, lineterminator="\n")
        yield text.encode("utf-8")


def _srid(cur: Any, crs: CRS | None) -> int:
    """The SRID of ``crs`` in the database (0 without a CRS); added when unknown."""
    if crs is None:
        return 0
    code = crs.to_epsg()
    if code is not None:
        cur.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", (code,))
        if cur.fetchone() is not None:
            return int(code)
    wkt = crs.to_wkt()
    cur.execute(
        "SELECT srid FROM spatial_ref_sys WHERE auth_name = 'safespaces' AND srtext = %s", (wkt,)
    )
    row = cur.fetchone()
    if row is not None:
        return int(row[0])
    cur.execute(
        "SELECT coalesce(max(srid) + 1, %s) FROM spatial_ref_sys WHERE srid >= %s AND srid < %s",
        (USER_SRID, USER_SRID, 998_999),
    )
    srid = int(cur.fetchone()[0])
    cur.execute(
        "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
        "VALUES (%s, 'safespaces', %s, %s, %s)",
        (srid, srid, wkt, crs.to_proj4() or ""),
    )
    return srid


def _geometry_type(table: TableInfo) -> str:
    name = table.geometry_type.upper().replace(" ", "")
    known = {
        "POINT",
        "MULTIPOINT",
        "LINESTRING",
        "MULTILINESTRING",
        "POLYGON",
        "MULTIPOLYGON",
    }
    return name if name in known else "GEOMETRY"


def _comment(table: TableInfo) -> str:
    entries = layers_of_table(table.name)
    own = entries[0] if entries and entries[0].is_table_entry else None
    if own is None:
        return f"{MARK} {table.name}"
    return f"{MARK} {own.title}. {own.abstract}".strip()


def _existing_tables(cur: Any, schema: str) -> dict[str, str]:
    """Tables of ``schema`` -> their comment ('' without)."""
    cur.execute(
        "SELECT c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        (schema,),
    )
    return {str(name): str(comment) for name, comment in cur.fetchall()}


def _write_table(cur: Any, schema: str, table: TableInfo, frame: pd.DataFrame, srid: int) -> None:
    from psycopg import sql

    name = sql.Identifier(schema, table.name)
    geometry = table.geometry_column
    attributes = [c for c in frame.columns if c != geometry]
    definitions: list[sql.Composable] = [sql.SQL("fid bigint PRIMARY KEY")]
    definitions += [
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_sql_type(frame[c]))) for c in attributes
    ]
    columns_data: dict[str, Any] = {"fid": np.asarray(frame.index, dtype=np.int64)}
    columns_data.update({c: frame[c].to_numpy() for c in attributes})
    if geometry is not None:
        definitions.append(
            sql.SQL("{} geometry({}, {})").format(
                sql.Identifier(geometry), sql.SQL(_geometry_type(table)), sql.Literal(srid)
            )
        )
        geoms = shapely.set_srid(np.asarray(frame[geometry].to_numpy(), dtype=object), srid)
        columns_data[geometry] = shapely.to_wkb(geoms, hex=True, include_srid=True)
    data = pd.DataFrame(columns_data, index=frame.index)
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(name, sql.SQL(", ").join(definitions)))
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in data.columns)
    command = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL {})")
    with cur.copy(command.format(name, columns, sql.Literal(NULL))) as copy:
        for chunk in _copy_chunks(data):
            copy.write(chunk)
    if geometry is not None:
        cur.execute(
            sql.SQL("CREATE INDEX {} ON {} USING GIST ({})").format(
                sql.Identifier(f"{table.name}_{geometry}_gist"[:63]), name, sql.Identifier(geometry)
            )
        )
    cur.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(name, sql.Literal(_comment(table))))
    for column in describe_columns(table.name, attributes):
        text = column.description + (f" [{column.unit}]" if column.unit else "")
        cur.execute(
            sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                name, sql.Identifier(column.name), sql.Literal(text)
            )
        )
    cur.execute(sql.SQL("ANALYZE {}").format(name))


def _write_styles(
    cur: Any, schema: str, styles: Sequence[StoredStyle], tables: Sequence[str]
) -> None:
    cur.execute(LAYER_STYLES_DDL)
    cur.execute(
        "DELETE FROM public.layer_styles WHERE f_table_catalog = current_database() "
        "AND f_table_schema = %s AND f_table_name = ANY(%s)",
        (schema, list(tables)),
    )
    # ``type`` stays NULL: QGIS 3.22 matches it against the layer's geometry name (and
    # 'Unknown geometry' while it opens the layer), later versions other words; NULL matches all
    columns = (
        "f_table_catalog, f_table_schema, f_table_name, f_geometry_column, stylename, "
        "styleqml, stylesld, useasdefault, description"
    )
    values = (
        "current_database(), %s, %s, %s, %s, XMLPARSE(DOCUMENT %s), XMLPARSE(DOCUMENT %s), %s, %s"
    )
    cur.executemany(
        f"INSERT INTO public.layer_styles ({columns}) VALUES ({values})",
        [
            (
                schema,
                s.table,
                s.geometry_column,
                s.name,
                s.qml,
                getattr(s, "sld", "") or None,
                s.default,
                s.description,
            )
            for s in styles
        ],
    )


def _read_layer(gpkg: Path, table: TableInfo) -> pd.DataFrame:
    import pyogrio

    frame = pyogrio.read_dataframe(gpkg, layer=table.name, fid_as_index=True)
    if table.geometry_column is not None and "geometry" in frame.columns:
        frame = frame.rename(columns={"geometry": table.geometry_column})
    return frame


def export_postgis(
    folder: str | Path,
    dsn: str,
    schema: str = DEFAULT_SCHEMA,
    *,
    password: str | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Copy every table of ``folder``'s GeoPackage into ``schema``, styled, in one transaction.

    Parameters
    ----------
    folder
        An output folder written by ``safespaces run`` (holding ``safespaces.gpkg``).
    dsn
        libpq URL, key/value string or service name; the password is never shown.
    schema
        Target schema (created when missing). Tables an earlier export wrote
        there are replaced, and dropped when the output no longer has them; a
        table safespaces did not write is never touched.
    password
        The password, when not in ``dsn`` nor in ``~/.pgpass`` / ``PGPASSWORD`` (the
        app asks for it separately); never shown.
    progress
        Called with a line per step.

    Returns
    -------
    ExportReport
        Rows per table and the styles stored.

    Raises
    ------
    InputError
        No GeoPackage in ``folder``, or a table of ``schema`` that safespaces
        did not write has a layer's name.
    ConfigError, OutputError
        A bad DSN or schema, an unreachable server, missing PostGIS or rights,
        or a failure while writing; the database is then left as it was.
    """
    from safespaces.qgis.package import stored_styles

    folder = Path(folder)
    gpkg = folder / GPKG_NAME
    if not gpkg.is_file():
        raise InputError(
            f"no {GPKG_NAME} in {folder}",
            fix=f"run 'safespaces run --out {folder}' first, or give --out the folder that "
            f"holds {GPKG_NAME}",
        )
    check_schema(schema)
    dsn = with_password(dsn, password)
    tables = [t for t in read_tables(gpkg) if t.name != "layer_styles"]
    styles = stored_styles(folder)
    where = describe(dsn)
    written: dict[str, int] = {}
    with connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                prepare_schema(cur, schema)
                existing = _existing_tables(cur, schema)
                foreign = [
                    t.name
                    for t in tables
                    if t.name in existing and not existing[t.name].startswith(MARK)
                ]
                if foreign:
                    raise InputError(
                        f"schema {schema!r} of {where} already holds a table {foreign[0]!r} "
                        "that safespaces did not write",
                        fix="give --schema a schema of its own (e.g. safespaces), or rename "
                        "that table",
                    )
                ours = sorted(n for n, c in existing.items() if c.startswith(MARK))
                dropped = tuple(n for n in ours if n not in {t.name for t in tables})
                from psycopg import sql

                for name in ours:
                    cur.execute(
                        sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                            sql.Identifier(schema, name)
                        )
                    )
                srids: dict[str, int] = {}
                for table in tables:
                    frame = _read_layer(gpkg, table)
                    key = table.crs.to_wkt() if table.crs is not None else ""
                    if key not in srids:
                        srids[key] = _srid(cur, table.crs)
                    _write_table(cur, schema, table, frame, srids[key])
                    written[table.name] = len(frame)
                    if progress:
                        progress(f"{schema}.{table.name}: {len(frame):,} rows")
                _write_styles(cur, schema, styles, sorted({*written, *dropped}))
        except psycopg_error() as exc:
            raise rights_error(exc, schema, where, dsn) from exc
    if progress:
        progress(f"committed {len(written)} tables and {len(styles)} styles to {where}")
    return ExportReport(where, schema, written, len(styles), dropped)
