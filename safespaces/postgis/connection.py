"""Connecting to PostGIS: the DSN checked, PostGIS found, rights tested; every failure one
line with the fix and no password."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from safespaces.errors import ConfigError, OutputError
from safespaces.postgis.dsn import conninfo, describe, redact

if TYPE_CHECKING:
    import psycopg

#: Schema written when none is given.
DEFAULT_SCHEMA = "safespaces"

#: Seconds to wait for the server to answer a connection.
CONNECT_TIMEOUT_S = 10

#: Longest wait for a lock on a table being replaced (another session reading it in a
#: transaction); the export then stops and rolls back rather than hang.
LOCK_TIMEOUT = "30s"

#: QGIS's DDL of ``public.layer_styles`` (QgsPostgresUtils::createStylesTable).
LAYER_STYLES_DDL = (
    "CREATE TABLE IF NOT EXISTS public.layer_styles ("
    "id SERIAL PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar, "
    "f_table_name varchar, f_geometry_column varchar, styleName text, styleQML xml, "
    "styleSLD xml, useAsDefault boolean, description text, "
    "owner varchar(63) DEFAULT CURRENT_USER, ui xml, "
    "update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar, r_raster_column varchar)"
)


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
    check_schema(schema)
    dsn = with_password(dsn, password)
    with connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                prepare_schema(cur, schema)
                cur.execute(LAYER_STYLES_DDL)
                raise _Rollback
        except _Rollback:
            pass
        except psycopg_error() as exc:
            raise rights_error(exc, schema, describe(dsn), dsn) from exc


class _Rollback(Exception):
    """Leave a transaction block without committing."""


def psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


def rights_error(exc: Exception, schema: str, where: str, dsn: str) -> OutputError:
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


def check_schema(schema: str) -> None:
    if not schema or len(schema.encode()) > 63 or "\x00" in schema:
        raise ConfigError(
            f"--schema {schema!r} is not a PostgreSQL schema name. Fix: 1 to 63 bytes, "
            f"e.g. {DEFAULT_SCHEMA}"
        )


def prepare_schema(cur: Any, schema: str) -> None:
    from psycopg import sql

    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
