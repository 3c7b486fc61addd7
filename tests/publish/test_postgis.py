"""``safespaces export --postgis`` into a real PostgreSQL + PostGIS (tests/pgcluster.py).

Row counts equal the GeoPackage's; a second export replaces the first in one transaction;
an export killed midway leaves the schema as it was; real QGIS opens ``street_segments``
from the database with the catalogue's renderer; bad DSNs, an unreachable server and a
user without rights get one line and exit 2 with nothing written.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest
from conftest import REPO, require
from outcheck import copy_output
from pgcluster import Cluster

from safespaces.catalogue import layers_of_table
from safespaces.cli import main as cli_main
from safespaces.commands._args import POSTGIS_SCHEMA
from safespaces.postgis import DEFAULT_SCHEMA, conninfo, describe, redact, with_password
from safespaces.qgis.qml import RENDERER_TYPES

QGIS_PYTHON = Path("/usr/bin/python3")

pytestmark = pytest.mark.postgis


def _gpkg_counts(folder: Path) -> dict[str, int]:
    gpkg = folder / "safespaces.gpkg"
    return {
        str(name): int(pyogrio.read_info(gpkg, layer=name)["features"])
        for name, _ in pyogrio.list_layers(gpkg)
        if name != "layer_styles"
    }


def _db_counts(cluster: Cluster, schema: str = "safespaces") -> dict[str, int]:
    tables = cluster.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        params=(schema,),
    )
    return {t: cluster.sql(f'SELECT count(*) FROM "{schema}"."{t}"')[0][0] for (t,) in tables}


def _styles(cluster: Cluster, schema: str = "safespaces") -> list[tuple]:
    return cluster.sql(
        "SELECT f_table_name, stylename, useasdefault, md5(styleqml::text) "
        "FROM public.layer_styles WHERE f_table_schema = %s ORDER BY 1, 2",
        params=(schema,),
    )


def _export(folder: Path, dsn: str, *extra: str) -> int:
    return cli_main(["export", "--out", str(folder), "--postgis", dsn, *extra])


@pytest.fixture(scope="module")
def exported(default_output: Path, postgis: Cluster) -> Cluster:
    assert _export(default_output, postgis.dsn()) == 0
    return postgis


def test_schema_default_is_the_library_default():
    assert POSTGIS_SCHEMA == DEFAULT_SCHEMA


def test_row_counts_keys_indexes_crs_and_comments(default_output: Path, exported: Cluster):
    assert _db_counts(exported) == _gpkg_counts(default_output)
    # the CRS kept: the GeoPackage's EPSG code is the geometry column's SRID
    srid = exported.sql("SELECT Find_SRID('safespaces', 'street_segments', 'geom')")[0][0]
    crs = pyogrio.read_info(default_output / "safespaces.gpkg", layer="street_segments")["crs"]
    assert crs == f"EPSG:{srid}"
    # geometries equal to the GeoPackage's, row by row (by fid)
    frame = pyogrio.read_dataframe(
        default_output / "safespaces.gpkg", layer="street_segments", fid_as_index=True
    )
    rows = exported.sql(
        "SELECT fid, ST_AsBinary(geom), length_m FROM safespaces.street_segments ORDER BY fid"
    )
    assert [r[0] for r in rows] == frame.index.tolist()
    import shapely

    assert shapely.equals_exact(
        shapely.from_wkb([bytes(r[1]) for r in rows]), frame.geometry.to_numpy(), 0
    ).all()
    assert [r[2] for r in rows] == pytest.approx(frame["length_m"].tolist(), rel=0, abs=0)
    # a primary key on fid and a GiST index on every spatial table
    spatial = exported.sql(
        "SELECT f_table_name FROM geometry_columns WHERE f_table_schema = 'safespaces'"
    )
    assert len(spatial) == 9
    for (table,) in spatial:
        indexes = exported.sql(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'safespaces' AND tablename = %s",
            params=(table,),
        )
        assert any("USING gist" in d for (d,) in indexes), table
        assert any("(fid)" in d and "UNIQUE" in d for (d,) in indexes), table
    # column comments with units, from the catalogue
    comment = exported.sql(
        "SELECT col_description('safespaces.street_segments'::regclass, a.attnum) "
        "FROM pg_attribute a WHERE a.attrelid = 'safespaces.street_segments'::regclass "
        "AND a.attname = 'length_m'"
    )[0][0]
    assert comment is not None and "[m]" in comment
    table_comment = exported.sql("SELECT obj_description('safespaces.areas'::regclass)")[0][0]
    assert table_comment.startswith("safespaces:")
    # run_metadata is a table, and nothing in the database holds a password
    keys = {k for (k,) in exported.sql("SELECT key FROM safespaces.run_metadata")}
    assert "summary" in keys or "study_name" in keys


def test_layer_styles_hold_the_catalogue_styles(exported: Cluster):
    styles = _styles(exported)
    defaults = [s for s in styles if s[2]]
    styled = {s[0] for s in styles}
    # one default style per styled table; street_segments has its named views too
    assert len(defaults) == len(styled)
    assert {s[1] for s in styles if s[0] == "street_segments"} >= {
        "street_segments",
        "street_lighting",
    }
    rows = exported.sql(
        "SELECT f_table_catalog, f_geometry_column, styleqml::text FROM public.layer_styles "
        "WHERE f_table_name = 'street_segments' AND useasdefault"
    )
    assert rows[0][0] == "city" and rows[0][1] == "geom"
    assert "<renderer-v2" in rows[0][2]
    # the SLD beside every QML, for GeoServer (one se:Rule per catalogue class)
    sld = exported.sql(
        "SELECT f_table_name, stylename, stylesld::text FROM public.layer_styles "
        "WHERE f_table_schema = 'safespaces'"
    )
    assert all(text and "StyledLayerDescriptor" in text for _, _, text in sld)
    entry = layers_of_table("street_segments")[0]
    assert entry.style is not None
    own = next(text for table, name, text in sld if name == "street_segments")
    assert own.count("<se:Rule>") == len(entry.style.classes)


def _qgis_available() -> bool:
    if not QGIS_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(QGIS_PYTHON), "-c", "import qgis.core"], capture_output=True, check=False
    )
    return probe.returncode == 0


QGIS_OPEN = """
import json, sys
from qgis.core import QgsApplication, QgsDataSourceUri, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
uri = QgsDataSourceUri()
uri.setConnection(sys.argv[1], sys.argv[2], "city", "postgres", "")
uri.setDataSource("safespaces", "street_segments", "geom", "", "fid")
layer = QgsVectorLayer(uri.uri(False), "street_segments", "postgres")
r = layer.renderer()
classes = len(r.categories()) if hasattr(r, "categories") else (
    len(r.ranges()) if hasattr(r, "ranges") else 1)
print(json.dumps({"valid": layer.isValid(), "count": layer.featureCount(),
                  "renderer": r.type() if r else None, "classes": classes,
                  "attribute": getattr(r, "classAttribute", lambda: "")(),
                  "crs": layer.crs().authid()}))
app.exitQgis()
"""


@pytest.mark.qgis
def test_qgis_opens_street_segments_styled_from_postgis(exported: Cluster, tmp_path: Path):
    require(_qgis_available(), "needs Debian python3-qgis (/usr/bin/python3 -c 'import qgis')")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    (tmp_path / "xdg").mkdir(mode=0o700)
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "xdg")
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [str(QGIS_PYTHON), "-c", QGIS_OPEN, str(exported.socket_dir), str(exported.port)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    entry = layers_of_table("street_segments")[0]
    assert entry.style is not None
    assert (
        seen["valid"]
        and seen["count"] == exported.sql("SELECT count(*) FROM safespaces.street_segments")[0][0]
    )
    assert seen["renderer"] == RENDERER_TYPES[entry.style.kind] != "singleSymbol"
    assert seen["attribute"] == entry.style.column
    assert seen["classes"] == len(entry.style.classes)
    assert seen["crs"] == "EPSG:3067"


def _changed_copy(source: Path, target: Path) -> Path:
    """A copy of the output with fewer street segments and one extra table."""
    folder = copy_output(source, target)
    with sqlite3.connect(folder / "safespaces.gpkg") as con:
        con.execute("DELETE FROM street_segments WHERE fid > 100")
        con.execute(
            "UPDATE gpkg_ogr_contents SET feature_count = 100 WHERE table_name = 'street_segments'"
        )
    return folder


KILLABLE = """
import pathlib, sys, time
import safespaces.postgis.export as pg
write, done = pg._write_table, []
def slow(*args, **kwargs):
    write(*args, **kwargs)
    done.append(1)
    if len(done) == 3:  # three tables replaced inside the transaction: stop here
        pathlib.Path(sys.argv[3]).write_text("ready")
        time.sleep(600)
pg._write_table = slow
pg.export_postgis(sys.argv[1], sys.argv[2], "safespaces")
"""


def test_second_export_replaces_the_first_and_a_killed_one_changes_nothing(
    default_output: Path,
    postgis: Cluster,
    tmp_path: Path,
):
    extra = copy_output(default_output, tmp_path / "first")
    frame = pyogrio.read_dataframe(extra / "safespaces.gpkg", layer="areas")
    pyogrio.write_dataframe(frame.iloc[:3], extra / "safespaces.gpkg", layer="old_layer")
    assert _export(extra, postgis.dsn(), "--schema", "replace_test") == 0
    first, first_styles = _db_counts(postgis, "replace_test"), _styles(postgis, "replace_test")
    assert first["old_layer"] == 3 and first == _gpkg_counts(extra)
    changed = _changed_copy(default_output, tmp_path / "second")

    # killed midway: SIGKILL while the transaction holds three new tables
    ready = tmp_path / "ready"
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(changed), postgis.dsn(), str(ready)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert worker.poll() is None, worker.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the export never reached its third table"
        time.sleep(0.1)
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=30)  # reaps it and closes the pipes
    for _ in range(100):  # the server ends the dead client's transaction when it sees EOF
        if not postgis.sql(
            "SELECT 1 FROM pg_stat_activity WHERE datname = 'city' "
            "AND state = 'idle in transaction'"
        ):
            break
        time.sleep(0.1)
    assert _db_counts(postgis, "replace_test") == first
    assert _styles(postgis, "replace_test") == first_styles

    # the second export, whole: the new rows, the earlier extra table gone with its styles
    assert _export(changed, postgis.dsn(), "--schema", "replace_test") == 0
    second = _db_counts(postgis, "replace_test")
    assert second == _gpkg_counts(changed)
    assert second["street_segments"] == 100 and "old_layer" not in second
    styles = _styles(postgis, "replace_test")
    assert {s[0] for s in styles} <= set(second)
    assert len(styles) == len(first_styles) - sum(s[0] == "old_layer" for s in first_styles)


def test_a_table_it_did_not_write_is_never_replaced(
    default_output: Path,
    postgis: Cluster,
    capsys,
):
    postgis.sql("CREATE SCHEMA IF NOT EXISTS theirs")
    postgis.sql("CREATE TABLE IF NOT EXISTS theirs.areas (id int)")
    postgis.sql("INSERT INTO theirs.areas VALUES (1), (2)")
    assert _export(default_output, postgis.dsn(), "--schema", "theirs") == 2
    err = capsys.readouterr().err
    assert "'areas'" in err and "did not write" in err and "Fix:" in err
    assert _db_counts(postgis, "theirs") == {"areas": 2}


@pytest.mark.parametrize(
    ("dsn", "says"),
    [
        ("postgresql://ann:s3cretpw@localhost:notaport/city", "not a PostgreSQL connection"),
        ("host=/nonexistent-socket-dir port=5 dbname=city password=s3cretpw", "could not connect"),
        ("no_such_service_s3cretpw", "could not connect"),
    ],
)
def test_bad_dsn_or_unreachable_server_is_one_line_exit_2(
    default_output: Path, dsn: str, says: str, capsys
):
    pytest.importorskip("psycopg")
    assert _export(default_output, dsn) == 2
    err = capsys.readouterr().err
    assert says in err and "Fix:" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "s3cretpw" not in err or dsn.startswith("no_such_service")


def test_database_without_postgis_and_user_without_rights(
    default_output: Path,
    postgis: Cluster,
    capsys,
):
    postgis.sql("DROP DATABASE IF EXISTS plain", dbname="postgres")
    postgis.sql("CREATE DATABASE plain", dbname="postgres")
    assert _export(default_output, postgis.dsn("plain")) == 2
    err = capsys.readouterr().err
    assert "has no PostGIS" in err and "CREATE EXTENSION postgis" in err
    # a login without CREATE on the database: refused, nothing written, no styles table made
    postgis.sql("DROP ROLE IF EXISTS reader")
    postgis.sql("CREATE ROLE reader LOGIN")
    postgis.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    before = _db_counts(postgis, "norights")
    styles_before = postgis.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'layer_styles'")
    assert _export(default_output, postgis.dsn(user="reader"), "--schema", "norights") == 2
    err = capsys.readouterr().err
    assert "refused" in err and "GRANT" in err and "Nothing was written" in err
    assert err.count("\n") == 1
    assert _db_counts(postgis, "norights") == before == {}
    assert postgis.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'layer_styles'") == (
        styles_before
    )


def test_run_checks_the_database_before_the_run(tmp_path: Path, capsys):
    pytest.importorskip("psycopg")
    out = tmp_path / "out"
    dsn = "host=/nonexistent-socket-dir port=5 dbname=city"
    started = time.perf_counter()
    assert cli_main(["run", "--out", str(out), "--postgis", dsn]) == 2
    assert time.perf_counter() - started < 30  # refused before the analysis, not after it
    assert "could not connect" in capsys.readouterr().err
    assert not out.exists()


def test_password_is_redacted_everywhere():
    assert redact("postgresql://ann:pw1@db:5432/city") == "postgresql://ann:***@db:5432/city"
    assert redact("postgresql://db/city?user=ann&password=pw2") == (
        "postgresql://db/city?user=ann&password=***"
    )
    assert redact("host=db password=pw3 dbname=x") == "host=db password=*** dbname=x"
    assert redact("server said pw4 was wrong", "host=db password=pw4") == (
        "server said *** was wrong"
    )
    assert "pw5" not in describe("postgresql://ann:pw5@db:5433/city")
    assert describe("postgresql://ann:pw5@db:5433/city") == "database 'city' on db:5433 as ann"
    assert conninfo("citymaps") == "service=citymaps"
    # a password asked separately (the app) joins the DSN and is hidden like any other
    joined = with_password("postgresql://ann@db/city", "pw 6")
    assert "pw 6" not in redact(f"failed for {joined}", joined)
    assert with_password("postgresql://ann@db/city", None) == "postgresql://ann@db/city"


def test_service_name_from_pg_service_conf(
    default_output: Path, postgis: Cluster, tmp_path: Path, monkeypatch
):
    service = tmp_path / "pg_service.conf"
    service.write_text(
        f"[citymaps]\nhost={postgis.socket_dir}\nport={postgis.port}\ndbname=city\nuser=postgres\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    assert _export(default_output, "citymaps", "--schema", "from_service") == 0
    assert _db_counts(postgis, "from_service") == _gpkg_counts(default_output)


def test_run_then_export_in_one_command(postgis: Cluster, tmp_path: Path):
    out = tmp_path / "out"
    command = ["run", "--out", str(out), "--postgis", postgis.dsn(), "--schema", "from_run"]
    assert cli_main([*command, "--set", "incidents.hotspot_permutations=0"]) == 0
    assert _db_counts(postgis, "from_run") == _gpkg_counts(out)
