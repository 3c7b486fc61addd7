"""PostgreSQL connection strings: a service name as a DSN, a password added apart, and
every password hidden in what is shown (:func:`redact`)."""

from __future__ import annotations

import re

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
