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

Data flow: this module reads the finished GeoPackage (``safespaces.io``) and
the styles of :mod:`safespaces.qgis.package`; it runs after the export and
knows nothing of the analyses.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safespaces.catalogue import describe_columns, layers_of_table
from safespaces.errors import ConfigError, InputError, OutputError
from safespaces.io import GPKG_NAME
from safespaces.qgis.gpkg import StoredStyle, TableInfo, read_tables

if TYPE_CHECKING:
    import psycopg

#: Schema written when none is given.
DEFAULT_SCHEMA = "safespaces"

#: Marks a table's comment as written by safespaces (and so replaceable by a later export).
MARK = "safespaces:"

#: Seconds to wait for the server to answer a connection.
CONNECT_TIMEOUT_S = 10

#: Longest wait for a lock on a table being replaced (another session reading it in a
#: transaction); the export then stops and rolls back rather than hang.
LOCK_TIMEOUT = "30s"

#: Rows per COPY chunk (bounds the text held in memory for a large layer).
COPY_ROWS = 50_000

#: First SRID safespaces gives a CRS that has no EPSG code (PostGIS's user range).
USER_SRID = 910_000

#: QGIS's DDL of ``public.layer_styles`` (QgsPostgresUtils::createStylesTable).
LAYER_STYLES_DDL = (
    "CREATE TABLE IF NOT EXISTS public.layer_styles ("
    "id SERIAL PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar, "
    "f_table_name varchar, f_geometry_column varchar, styleName text, styleQML xml, "
    "styleSLD xml, useAsDefault boolean, description text, "
    "owner varchar(63) DEFAULT CURRENT_USER, ui xml, "
    "update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar, r_raster_column varchar)"
)

Progress = Callable[[str], None]


# --- the DSN: parsed, described and redacted -------------------------------------------------


_URL_PASSWORD = re.compile(r"(://[^:/@?#]*:)([^@/?#]*)(@)")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)


def conninfo(dsn: str) -> str:
    """The libpq connection string of ``dsn``: a bare word is a service name.

    >>> conninfo("citydb")
    'service=citydb'
    >>> conninfo("postgresql://me@db.example/city")
    'postgresql://me@db.example/city'
    """
    text = dsn.strip()
    if text and "=" not in text and "://" not in text and not any(c.isspace() for c in text):
        return f"service={text}"
    return text


def with_password(dsn: str, password: str | None) -> str:
    """``dsn`` with ``password`` added (as key/value); ``dsn`` itself without one.

    For a password asked separately (the app's password field), so that it never has
    to be typed into a URL; :func:`redact` still hides it in every message.
    """
    if not password:
        return dsn
    from psycopg.conninfo import make_conninfo

    try:
        return make_conninfo(conninfo(dsn), password=password)
    except Exception as exc:  # psycopg.ProgrammingError: reported by check_dsn with the fix
        check_dsn(dsn)
        raise _dsn_error(dsn, _first_line(exc, dsn)) from exc


def _password(dsn: str) -> str | None:
    try:
        from psycopg.conninfo import conninfo_to_dict

        value = conninfo_to_dict(conninfo(dsn)).get("password")
        return None if value in (None, "") else str(value)
    except Exception:  # a DSN that does not parse: the patterns below still find it
        return None


def redact(text: str, dsn: str | None = None) -> str:
    """``text`` with every password of a connection string replaced by ``***``.

    Finds passwords in URLs (``postgresql://user:secret@host``, ``?password=``),
    in key/value strings (``password=secret``) and, with ``dsn``, the DSN's own
    password anywhere in ``text`` (a server message may quote it).

    >>> redact("postgresql://ann:s3cret@db/city")
    'postgresql://ann:***@db/city'
    >>> redact("host=db password='a b' dbname=city")
    'host=db password=*** dbname=city'
    """
    out = _URL_PASSWORD.sub(r"\1***\3", text)
    out = _QUERY_PASSWORD.sub(r"\1***", out)
    out = _KV_PASSWORD.sub(r"\1***", out)
    secret = _password(dsn) if dsn else None
    if secret:
        out = out.replace(secret, "***")
    return out


def describe(dsn: str) -> str:
    """Where ``dsn`` points, without its password: ``database 'city' on host:port as user``."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(conninfo(dsn))
    except Exception:
        return "the database"
    if parts.get("service") and not parts.get("dbname"):
        return f"service {parts['service']!r}"
    where = f"database {parts.get('dbname') or '(default)'!r}"
    host = parts.get("host")
    if host:
        where += f" on {host}" + (f":{parts['port']}" if parts.get("port") else "")
    if parts.get("user"):
        where += f" as {parts['user']}"
    return where


# --- connecting --------------------------------------------------------------------------------


def _require_psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise ConfigError(
            "--postgis needs the publish extra (psycopg not installed). "
            "Fix: pip install 'safespaces[publish]'"
        ) from exc
    return psycopg


@contextmanager
def connect(dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to ``dsn`` with PostGIS checked; every failure a one-line error.

    Raises
    ------
    ConfigError
        The DSN is not a connection string, URL or service name.
    OutputError
        The server cannot be reached, refuses the login, or the database lacks PostGIS.
    """
    psycopg = _require_psycopg()
    where = describe(dsn)
    if not dsn.strip():
        raise ConfigError("--postgis is empty. Fix: give a DSN such as postgresql://user@host/db")
    check_dsn(dsn)
    try:
        conn = psycopg.connect(conninfo(dsn), connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.ProgrammingError as exc:
        raise _dsn_error(dsn, _first_line(exc, dsn)) from exc
    except psycopg.OperationalError as exc:
        raise OutputError(
            f"could not connect to PostgreSQL ({where}): {_first_line(exc, dsn)}. Fix: check "
            "that the server runs and accepts connections from here (host, port, firewall), "
            "the database name, the user and its password (in ~/.pgpass or PGPASSWORD, "
            "not on the command line); a service name must be defined in ~/.pg_service.conf "
            "or PGSERVICEFILE"
        ) from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            if cur.fetchone() is None:
                raise OutputError(
                    f"{where} has no PostGIS. Fix: run 'CREATE EXTENSION postgis;' in that "
                    "database (as its owner), or give a database that has it"
                )
        conn.rollback()
        yield conn
    finally:
        conn.close()


def _dsn_error(dsn: str, problem: str) -> ConfigError:
    return ConfigError(
        f"--postgis {redact(dsn, dsn)!r} is not a PostgreSQL connection string ({problem}). "
        "Fix: give a libpq URL (postgresql://user@host:5432/db), key=value pairs "
        "(host=... dbname=...) or a service name from pg_service.conf"
    )


def check_dsn(dsn: str) -> None:
    """Refuse a DSN that does not parse, or whose port is not a number, before connecting.

    Raises
    ------
    ConfigError
        With the DSN (password redacted) and the fix.
    """
    psycopg = _require_psycopg()
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(conninfo(dsn))
    except psycopg.ProgrammingError as exc:
        raise _dsn_error(dsn, _first_line(exc, dsn)) from exc
    port = str(parts.get("port") or "")
    if port and not all(p.strip().isdigit() for p in port.split(",")):
        raise _dsn_error(dsn, f"port {port!r} is not a number")


def _first_line(exc: BaseException, dsn: str | None = None) -> str:
    text = str(exc).strip().splitlines()
    return redact(text[0] if text else exc.__class__.__name__, dsn)


def check_connection(
    dsn: str, schema: str = DEFAULT_SCHEMA, *, password: str | None = None
) -> None:
    """Refuse a DSN or schema before any work: connect, find PostGIS, and test the
    rights to create the schema's tables and QGIS's styles (rolled back).

    Raises
    ------
    ConfigError, OutputError
        As :func:`connect`; OutputError also when the user lacks a right.
    """
    _check_schema(schema)
    dsn = with_password(dsn, password)
    with connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                _prepare_schema(cur, schema)
                cur.execute(LAYER_STYLES_DDL)
                raise _Rollback
        except _Rollback:
            pass
        except _psycopg_error() as exc:
            raise _rights_error(exc, schema, describe(dsn), dsn) from exc


class _Rollback(Exception):
    """Leave a transaction block without committing."""


def _psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


def _rights_error(exc: Exception, schema: str, where: str, dsn: str) -> OutputError:
    import psycopg

    message = _first_line(exc, dsn)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return OutputError(
            f"{where} refused the export into schema {schema!r}: {message}. Fix: have the "
            f"database owner run 'GRANT CREATE ON DATABASE ... TO <user>' (to create the "
            f"schema) or 'GRANT USAGE, CREATE ON SCHEMA {schema} TO <user>', and 'GRANT "
            "CREATE ON SCHEMA public' once for QGIS's public.layer_styles; or give --schema "
            "one you own. Nothing was written"
        )
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return OutputError(
            f"{where}: a table of schema {schema!r} stayed locked by another session for "
            f"{LOCK_TIMEOUT} ({message}). Fix: close the sessions that hold it (QGIS keeps "
            "none open between reads) and export again. Nothing was written"
        )
    return OutputError(f"the export to {where} failed: {message}. Nothing was written")


def _check_schema(schema: str) -> None:
    if not schema or len(schema.encode()) > 63 or "\x00" in schema:
        raise ConfigError(
            f"--schema {schema!r} is not a PostgreSQL schema name. Fix: 1 to 63 bytes, "
            f"e.g. {DEFAULT_SCHEMA}"
        )


# --- what is written ---------------------------------------------------------------------------


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


def _prepare_schema(cur: Any, schema: str) -> None:
    from psycopg import sql

    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


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
    _check_schema(schema)
    dsn = with_password(dsn, password)
    tables = [t for t in read_tables(gpkg) if t.name != "layer_styles"]
    styles = stored_styles(folder)
    where = describe(dsn)
    written: dict[str, int] = {}
    with connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                _prepare_schema(cur, schema)
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
        except _psycopg_error() as exc:
            raise _rights_error(exc, schema, where, dsn) from exc
    if progress:
        progress(f"committed {len(written)} tables and {len(styles)} styles to {where}")
    return ExportReport(where, schema, written, len(styles), dropped)
