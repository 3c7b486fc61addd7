"""A private PostgreSQL + PostGIS cluster for the tests, on a Unix socket in a temp folder.

Debian's ``postgresql`` and ``postgresql-15-postgis-3`` (installed by .ci/run). initdb
refuses to run as root: as root the cluster runs as the ``postgres`` user the package
creates, in folders it owns. Nothing listens on TCP (``listen_addresses=''``); the port
only names the socket file. Skips with a reason on a machine without them, fails under CI.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _has_postgis(bin_dir: Path) -> bool:
    version = bin_dir.parent.name
    return Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass(frozen=True)
class Cluster:
    """A running private cluster: its socket folder, port and superuser."""

    socket_dir: Path
    port: int
    user: str = "postgres"

    def dsn(self, dbname: str = "city", user: str | None = None) -> str:
        """A libpq URL for the socket (no password: trust authentication)."""
        return f"postgresql://{user or self.user}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def sql(self, statement: str, dbname: str = "city", params: tuple[Any, ...] = ()) -> list[Any]:
        """Run one statement as the superuser (autocommit); its rows ([] without)."""
        import psycopg

        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            cur = conn.execute(statement, params or None)
            return cur.fetchall() if cur.description else []


@pytest.fixture(scope="session")
def postgis() -> Iterator[Cluster]:
    """Start the cluster once per session, with database ``city`` holding PostGIS."""
    bin_dir = _bin_dir()
    require(
        bin_dir is not None and _has_postgis(bin_dir),
        "needs PostgreSQL with PostGIS (apt-get install postgresql postgresql-15-postgis-3)",
    )
    assert bin_dir is not None
    pytest.importorskip("psycopg", reason="needs the publish extra (psycopg)")
    root = Path(tempfile.mkdtemp(prefix="safespaces-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster runs as postgres
        owner = pwd.getpwnam("postgres")
        os.chmod(root, 0o755)
        for path in (root, sock):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    log = root / "server.log"

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N")
    options = f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
    cluster = Cluster(sock, port)
    try:
        cluster.sql("CREATE DATABASE city", dbname="postgres")
        cluster.sql("CREATE EXTENSION postgis")
        yield cluster
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)
