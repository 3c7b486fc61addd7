"""Guards applied to every input file before a parser sees it.

The loaders in :mod:`safespaces.sources` call these checks so that a hostile
or broken file gives a clear :class:`~safespaces.errors.InputError` instead of
exhausting memory, writing outside a temporary folder, or a parser's traceback:

- :func:`check_size` and :func:`check_rows`: size and row limits
  (:class:`Limits`, overridable by environment variables);
- :func:`sniff`: what a file really is, by its first bytes (a GeoPackage named
  ``.csv``, an HTML error page named ``.osm.pbf``);
- :func:`check_osm_xml`: OSM XML never needs a document type declaration, so a
  ``<!DOCTYPE`` or ``<!ENTITY`` (entity expansion, "billion laughs", external
  entities) is refused before the XML parser runs;
- :func:`extract_zip`: a safe extractor for zipped Shapefiles and GeoPackages
  that refuses path traversal, absolute paths, symbolic links, too many members
  and a too large total or compression ratio, counting the bytes it actually
  writes (the sizes a zip declares can lie).

``docs/reliability.md`` describes every guard and the test corpus.
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from safespaces.errors import InputError

_MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        return default
    return number if number > 0 else default


@dataclasses.dataclass(frozen=True)
class Limits:
    """Limits on user input files.

    Each default can be overridden by an environment variable (a positive
    integer), e.g. ``SAFESPACES_MAX_ROWS=5000000``.

    Attributes
    ----------
    max_table_mb
        Largest CSV or vector file (``SAFESPACES_MAX_TABLE_MB``, default 1024).
    max_rows
        Most data rows in a CSV (``SAFESPACES_MAX_ROWS``, default 2,000,000: a
        city's lamp register or ten years of incident reports fit easily).
    zip_max_members
        Most members in a zip archive (``SAFESPACES_ZIP_MAX_MEMBERS``, default 100).
    zip_max_mb
        Largest total size after extraction (``SAFESPACES_ZIP_MAX_MB``, default 2048).
    zip_max_ratio
        Largest compression ratio of a member or of the whole archive
        (``SAFESPACES_ZIP_MAX_RATIO``, default 200; vector data compresses 3-20x).
    """

    max_table_mb: int = 1024
    max_rows: int = 2_000_000
    zip_max_members: int = 100
    zip_max_mb: int = 2048
    zip_max_ratio: int = 200

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, overridden by the ``SAFESPACES_*`` environment variables."""
        base = cls()
        return cls(
            max_table_mb=_env_int("SAFESPACES_MAX_TABLE_MB", base.max_table_mb),
            max_rows=_env_int("SAFESPACES_MAX_ROWS", base.max_rows),
            zip_max_members=_env_int("SAFESPACES_ZIP_MAX_MEMBERS", base.zip_max_members),
            zip_max_mb=_env_int("SAFESPACES_ZIP_MAX_MB", base.zip_max_mb),
            zip_max_ratio=_env_int("SAFESPACES_ZIP_MAX_RATIO", base.zip_max_ratio),
        )


def check_size(path: Path, what: str, limits: Limits | None = None) -> None:
    """Refuse a file larger than :attr:`Limits.max_table_mb`."""
    limits = limits or Limits.from_env()
    size = path.stat().st_size
    if size > limits.max_table_mb * _MB:
        raise InputError(
            f"the file is {size / _MB:,.0f} MB, above the limit of {limits.max_table_mb} MB "
            f"for a {what} file",
            path=path,
            fix="clip the data to the study area first, or raise the limit with the "
            "environment variable SAFESPACES_MAX_TABLE_MB",
        )


def check_rows(raw: bytes, path: Path, what: str, limits: Limits | None = None) -> None:
    """Refuse a CSV with more than :attr:`Limits.max_rows` lines, before parsing it."""
    limits = limits or Limits.from_env()
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    rows = max(lines - 1, 0)  # the header
    if rows > limits.max_rows:
        raise InputError(
            f"the table has about {rows:,} rows, above the limit of {limits.max_rows:,} "
            f"for a {what} file",
            path=path,
            fix="clip the table to the study area and period first, or raise the limit with "
            "the environment variable SAFESPACES_MAX_ROWS",
        )


#: Leading bytes of formats that users send by mistake, and their names.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"SQLite format 3\x00", "a GeoPackage (SQLite database)"),
    (b"PK\x03\x04", "a ZIP archive (or an Excel .xlsx workbook)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\x00\x00\x27\x0a", "an ESRI Shapefile .shp part"),
)


def sniff(head: bytes) -> str | None:
    """Name the format of a file from its first bytes, or None when unrecognised.

    Recognises the formats of :data:`MAGIC`, an OSM PBF (its first block header
    names ``OSMHeader``), HTML pages (a download that returned an error page),
    JSON and XML.
    """
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    if b"OSMHeader" in head[:64]:
        return "an OpenStreetMap PBF file"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "an HTML page (a download that failed?)"
    if text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return "an XML document"
    if text.startswith(b"{") or text.startswith(b"["):
        return "a JSON document"
    return None


def check_osm_xml(path: Path, *, scan_bytes: int = 1 * _MB) -> None:
    """Refuse OSM XML with a document type declaration, before parsing it.

    OSM XML never declares a DTD. A ``<!DOCTYPE`` or ``<!ENTITY`` before the
    ``<osm`` root element is refused: it is how entity-expansion ("billion
    laughs") and external-entity attacks start. libosmium's expat parser also
    refuses entities, but its message is obscure and the check here is cheap.
    """
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                head = handle.read(scan_bytes)
        elif name.endswith(".bz2"):
            with bz2.open(path, "rb") as handle:
                head = handle.read(scan_bytes)
        else:
            with path.open("rb") as handle:
                head = handle.read(scan_bytes)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile, a bz2 "Invalid data stream"
        raise InputError(
            f"not a readable compressed file ({exc})",
            path=path,
            fix="download the extract again, or decompress it and give the .osm file",
        ) from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
    else:
        text = head
    lower = text.lower()
    root = lower.find(b"<osm")
    prolog = lower if root < 0 else lower[:root]
    if b"<!doctype" in prolog or b"<!entity" in prolog:
        raise InputError(
            "the OSM XML file declares a document type or entities (<!DOCTYPE/<!ENTITY>), "
            "which OpenStreetMap files never do; it is refused because entity expansion can "
            "exhaust memory",
            path=path,
            fix="export the extract again from a trusted tool (osmium, JOSM, Geofabrik), "
            "preferably as .osm.pbf",
        )
    if root < 0:
        kind = sniff(head)
        raise InputError(
            "no <osm> root element at the start of the file"
            + (f"; it looks like {kind}" if kind and "XML" not in kind else ""),
            path=path,
            fix="give an OpenStreetMap extract (.osm.pbf, or .osm XML starting with <osm>)",
        )


def _member_problem(info: zipfile.ZipInfo, dest: Path) -> str | None:
    name = info.filename
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return f"member '{name}' has an absolute path"
    if ".." in pure.parts:
        return f"member '{name}' points outside the archive folder ('..')"
    mode = (info.external_attr >> 16) & 0xFFFF
    if stat.S_ISLNK(mode):
        return f"member '{name}' is a symbolic link"
    target = (dest / pure).resolve()
    if not target.is_relative_to(dest.resolve()):
        return f"member '{name}' points outside the archive folder"
    return None


def extract_zip(path: Path, dest: Path, *, limits: Limits | None = None) -> list[Path]:
    """Extract a zip archive into ``dest`` safely; return the files written.

    Refuses (with :class:`InputError`, before writing anything where the
    archive's directory shows the problem) members with absolute paths or
    ``..``, symbolic links, encrypted members, more than
    :attr:`Limits.zip_max_members` members, and a total size or a compression
    ratio above the limits. Sizes are counted while extracting, so an archive
    that understates its sizes is stopped too.
    """
    limits = limits or Limits.from_env()
    fix_bad = "give a plain zip of the data files (e.g. made by QGIS or 'zip -r')"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable zip archive ({exc})", path=path, fix=fix_bad) from exc
    with archive:
        members = archive.infolist()
        files = [m for m in members if not m.is_dir()]
        if not files:
            raise InputError("the zip archive is empty", path=path, fix=fix_bad)
        if len(members) > limits.zip_max_members:
            raise InputError(
                f"the zip archive has {len(members):,} members, above the limit of "
                f"{limits.zip_max_members}",
                path=path,
                fix="zip only the files of one layer (SAFESPACES_ZIP_MAX_MEMBERS raises the limit)",
            )
        for info in members:
            problem = _member_problem(info, dest)
            if problem:
                raise InputError(f"unsafe zip archive: {problem}", path=path, fix=fix_bad)
            if info.flag_bits & 0x1:
                raise InputError(
                    f"member '{info.filename}' is encrypted",
                    path=path,
                    fix="zip it without a password",
                )
        max_bytes = limits.zip_max_mb * _MB
        declared = sum(m.file_size for m in files)
        compressed = max(sum(m.compress_size for m in files), 1)
        too_big_fix = (
            "unzip it yourself and check its content (SAFESPACES_ZIP_MAX_MB and "
            "SAFESPACES_ZIP_MAX_RATIO raise the limits)"
        )
        if declared > max_bytes:
            raise InputError(
                f"the zip archive would expand to {declared / _MB:,.0f} MB, above the limit of "
                f"{limits.zip_max_mb} MB",
                path=path,
                fix=too_big_fix,
            )
        if declared / compressed > limits.zip_max_ratio:
            raise InputError(
                f"the zip archive expands {declared / compressed:,.0f} times (a zip bomb?), "
                f"above the limit of {limits.zip_max_ratio}",
                path=path,
                fix=too_big_fix,
            )
        written: list[Path] = []
        total = 0
        for info in files:
            target = dest / PurePosixPath(info.filename.replace("\\", "/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            member_cap = max(info.compress_size, 1) * limits.zip_max_ratio
            size = 0
            try:
                with archive.open(info) as source, target.open("wb") as sink:
                    while block := source.read(_MB):
                        size += len(block)
                        total += len(block)
                        if total > max_bytes or total > compressed * limits.zip_max_ratio:
                            raise InputError(
                                "the zip archive expands beyond its declared size and the "
                                "limits (a zip bomb?)",
                                path=path,
                                fix=too_big_fix,
                            )
                        if size > member_cap and size > _MB:
                            raise InputError(
                                f"member '{info.filename}' expands more than "
                                f"{limits.zip_max_ratio} times (a zip bomb?)",
                                path=path,
                                fix=too_big_fix,
                            )
                        sink.write(block)
            except (
                zipfile.BadZipFile,
                zipfile.LargeZipFile,
                EOFError,
                OSError,
                NotImplementedError,
            ) as exc:
                raise InputError(
                    f"cannot extract member '{info.filename}' ({exc})", path=path, fix=fix_bad
                ) from exc
            written.append(target)
    return written
