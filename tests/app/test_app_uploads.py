"""Uploads and exports: bad files from the corpus through the Data page, the upload checks,
the temp files, and the atomic export zip.

The corpus is tests/data/bad (its README lists the loaders' messages). Every bad upload
must show the message in ``st.error`` (never an exception), keep no file, leave the
session's inputs alone, and the Map page must still render afterwards.
"""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from safespaces.errors import SafespacesError
from safespaces.study import Inputs
from safespaces.synthetic import TENURE_FILE
from safespaces_app import archive, uploads
from safespaces_app.webmap import escape_markdown

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "bad"
REAL = REPO / "tests" / "data" / "real"

#: (input, corpus file, fragment of the message shown). The fragments are the loaders'
#: (tests/data/bad/README.md) except where the app's own check refuses the file first.
CORPUS = [
    ("osm", "osm_html_error_page.osm.pbf", "looks like an HTML page"),
    ("osm", "osm_entity_expansion.osm", "declares a document type or entities"),
    ("osm", "osm_no_streets.osm", "no walkable streets"),
    ("osm", "osm_geojson_renamed.osm", "not OpenStreetMap XML: it looks like a JSON"),
    ("lamps", "lamps_latin1.csv", "not UTF-8 text (bad byte at line 2)"),
    ("lamps", "lamps_gpkg_renamed.csv", "it looks like a GeoPackage"),
    ("lamps", "lamps_zip_traversal.zip", "points outside the archive folder"),
    ("lamps", "lamps_zip_not_a_zip.zip", "not a zip archive"),
    ("lamps", "lamps_excel.xlsx", "files of type .xlsx are not accepted"),
    ("lamps", "lamps_swapped_latlon.csv", "lat/lon look swapped"),
    ("incidents", "incidents_no_time_column.csv", "no time column (found: category)"),
    ("incidents", "incidents_truncated.gpkg", "the GeoPackage is truncated or corrupt"),
    ("tenure", "tenure_unknown_code.csv", "unknown tenure code 'council_flat'"),
    ("tenure", "tenure_negative_count.geojson", "negative count"),
    ("areas", "areas_two_layers.gpkg", "the file has 2 layers (areas, other)"),
    ("areas", "areas_no_prj.zip", "the file declares no CRS"),
    ("areas", "areas_duplicate_ids.geojson", "duplicate area_id '7'"),
]


def upload_files() -> list[Path]:
    folder = uploads.UPLOADS_DIR
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def unescape(text: str) -> str:
    """Markdown backslash escapes removed (the text as the user reads it)."""
    return re.sub(r"\\(.)", r"\1", text)


@pytest.fixture(scope="module")
def warm() -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception


@pytest.fixture
def data_page(warm: None) -> Iterator[AppTest]:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("safespaces_app/data.py")
    at.run()
    assert not at.exception, at.exception
    yield at


def upload(at: AppTest, kind: str, path: Path, name: str | None = None) -> AppTest:
    at.file_uploader(key=f"upload_{kind}").set_value(
        (name or path.name, path.read_bytes(), "application/octet-stream")
    )
    at.button[0].click()
    at.run(timeout=180)
    return at


def test_bad_corpus_uploads_show_the_message_and_the_app_keeps_working(
    data_page: AppTest,
) -> None:
    at = data_page
    before = upload_files()
    problems = []
    for kind, name, fragment in CORPUS:
        upload(at, kind, BAD / name)
        shown = [unescape(str(e.value)) for e in at.error]
        if at.exception:
            problems.append(f"{name}: exception {at.exception}")
        elif not any(fragment in text and Path(name).stem in text for text in shown):
            problems.append(f"{name}: expected {fragment!r} naming the file, got {shown}")
        if at.success:
            problems.append(f"{name}: accepted")
        if "inputs" in at.session_state and at.session_state["inputs"] != Inputs():
            problems.append(f"{name}: the session's inputs changed")
        at.file_uploader(key=f"upload_{kind}").set_value(None)
    assert not problems, "\n".join(problems)
    assert upload_files() == before, "a bad upload left a file in the upload folder"
    at.switch_page("safespaces_app/map.py")
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Map"
    assert len(at.get("component_instance")) == 1, "no map after the bad uploads"


def test_lamp_register_with_its_own_lamp_id_is_accepted(data_page: AppTest) -> None:
    """A city's register with lamp_id, source, name and NAME columns (issue 15): the Data
    page runs the analysis on it and uses it; it failed with "The analysis failed" before."""
    at = data_page
    before = upload_files()
    upload(at, "lamps", REAL / "lamps_own_lamp_id.csv")
    assert not at.exception, at.exception
    assert not at.error, [unescape(str(e.value)) for e in at.error]
    assert at.success
    assert at.session_state["inputs"].lamps is not None
    assert at.session_state["inputs"].lamps.name == "lamps_own_lamp_id.csv"
    # "Inputs in use" says where each input comes from (it said "embedded Helsinki default")
    table = at.table[0].value
    rows = {r.Input: (r.File, r.Source) for r in table.itertuples()}
    assert rows["lamps"] == ("lamps_own_lamp_id.csv", "uploaded")
    assert rows["osm"] == ("helsinki.osm.pbf", "embedded Helsinki default")
    at.button[1].click().run()  # back to the default: the upload is deleted
    assert at.session_state["inputs"] == Inputs()
    assert upload_files() == before


def test_upload_over_the_size_limit(data_page: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB", 0)
    before = upload_files()
    at = upload(data_page, "tenure", TENURE_FILE, "my_tenure.csv")
    assert not at.exception and not at.success
    assert "my_tenure.csv is larger than 0 MB" in unescape(at.error[0].value)
    assert upload_files() == before


def test_upload_replaced_and_reset_delete_the_temp_files(data_page: AppTest) -> None:
    at = data_page
    before = upload_files()
    upload(at, "tenure", TENURE_FILE, "tenure_one.csv")
    assert at.success and not at.exception, [e.value for e in at.error]
    assert [p.name for p in upload_files() if p not in before] == ["tenure_one.csv"]
    # another file for the same input replaces the first: the first is deleted
    other = TENURE_FILE.read_bytes() + b"\n"
    at.file_uploader(key="upload_tenure").set_value(("tenure_two.csv", other, "text/csv"))
    at.button[0].click()
    at.run(timeout=180)
    assert at.success and not at.exception, [e.value for e in at.error]
    now = upload_files()
    assert len(now) == len(before) + 1
    assert [p.name for p in now if p not in before] == ["tenure_two.csv"]
    at.button[1].click().run()  # back to the default
    assert at.session_state["inputs"] == Inputs()
    assert upload_files() == before


# --- units -----------------------------------------------------------------------------------


def test_check_upload_type_size_and_content(monkeypatch: pytest.MonkeyPatch) -> None:
    csv = b"lat,lon\n60.17,24.94\n"
    assert uploads.check_upload("lamps", "lamps.CSV", csv) == "csv"
    cases = [
        ("lamps", "l.exe", b"MZ", "type"),
        ("lamps", "l.csv", b"", "empty"),
        ("lamps", "l.csv", b"SQLite format 3\x00" + b"\x00" * 100, "content"),
        ("lamps", "l.csv", b"%PDF-1.7", "content"),
        ("lamps", "l.zip", b"lat,lon\n", "content"),
        ("areas", "a.gpkg", b'{"type": "FeatureCollection"}', "content"),
        ("areas", "a.geojson", b"PK\x03\x04rest", "content"),
        ("osm", "o.osm.pbf", b"<!DOCTYPE html><html>502 Bad Gateway</html>", "content"),
        ("osm", "o.osm", b'{"type": "FeatureCollection"}', "content"),
    ]
    for kind, name, data, reason in cases:
        with pytest.raises(uploads.UploadError) as info:
            uploads.check_upload(kind, name, data)
        assert info.value.reason == reason, name
        assert isinstance(info.value, SafespacesError) and "Fix:" in str(info.value)
    # unknown first bytes are the loader's business (its message is more precise)
    assert uploads.check_upload("osm", "o.osm.pbf", b"\x00\x01garbage") == "pbf"
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB", 1)
    with pytest.raises(uploads.UploadError, match="above the limit of 1 MB"):
        uploads.check_upload("lamps", "big.csv", b"x" * (1024 * 1024 + 1))


def test_upload_limit_follows_the_server_and_the_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == uploads.MAX_UPLOAD_MB
    assert uploads.upload_limit_mb() == uploads.MAX_UPLOAD_MB
    monkeypatch.setenv("SAFESPACES_MAX_TABLE_MB", "5")
    assert uploads.upload_limit_mb() == 5


def test_shared_upload_deleted_when_no_session_uses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "UPLOADS_DIR", tmp_path / "uploads")
    monkeypatch.setattr(uploads, "_REFS", {})
    one: dict[str, object] = {}
    two: dict[str, object] = {}
    path = uploads.save_upload("tenure", "t.csv", b"area_id,tenure_owner\n1,2\n")
    assert path.parent.parent == tmp_path / "uploads"
    uploads.use_inputs(one, Inputs(tenure=path))
    again = uploads.save_upload("tenure", "t.csv", path.read_bytes())
    uploads.use_inputs(two, Inputs(tenure=again))
    uploads.use_inputs(one, Inputs())
    assert path.exists(), "deleted while another session uses it"
    uploads.discard([path])  # a failed check elsewhere must not delete it either
    assert path.exists()
    uploads.use_inputs(two, Inputs())
    assert not path.exists() and not path.parent.exists()
    # a file that failed validation (never used) is deleted at once
    bad = uploads.save_upload("tenure", "bad.csv", b"nonsense\n")
    uploads.discard([bad])
    assert not bad.exists()


def test_export_zip_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("safespaces.gpkg", "illuminance.tif", "illuminance.qml"):
        (tmp_path / name).write_bytes(name.encode() * 1000)
    real_write = zipfile.ZipFile.write
    calls = {"n": 0}

    def failing_write(self: zipfile.ZipFile, filename: object, *args: object, **kw: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real_write(self, filename, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        archive.export_zip(tmp_path)
    export = tmp_path / archive.EXPORT_DIR
    assert not list(export.iterdir()), "a partial zip was left behind"
    monkeypatch.setattr(zipfile.ZipFile, "write", real_write)
    path = archive.export_zip(tmp_path)
    assert [p.name for p in export.iterdir()] == ["safespaces.zip"]
    names = zipfile.ZipFile(io.BytesIO(path.read_bytes())).namelist()
    assert names == [
        "safespaces/illuminance.qml",
        "safespaces/illuminance.tif",
        "safespaces/safespaces.gpkg",
    ]
    assert archive.export_zip(tmp_path) == path  # built once


def test_markdown_escaping_of_data_text() -> None:
    evil = '![x](http://198.51.100.7/x.png) <img src=x onerror="window.__xss=1"> :red[big]'
    escaped = escape_markdown(evil)
    assert not re.search(r"(?<!\\)[\[\]()<>!`*$|#]", escaped), "an unescaped special character"
    assert unescape(escaped) == evil
