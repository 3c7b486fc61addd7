"""One atomic output folder: a run changes ``--out`` completely or not at all.

A run never writes into its output folder directly. :func:`output_folder` makes a
private staging folder beside it (in the same parent, so that a rename can swap
the two), the run writes every file there, every file is checked (re-opened and
read back), and only then is the staging folder swapped in with one
``renameat2(RENAME_EXCHANGE)`` (Linux; elsewhere two renames, recovered by the
next run if it is killed in between). On any error or signal the staging folder
is removed and ``--out`` stays byte-identical.

- **Names.** Everything safespaces keeps beside ``--out`` starts with
  ``.<name>.safespaces-``: the lock file, staging folders (``mkdtemp``: created
  with ``O_EXCL``, mode 0700, unpredictable suffix, so a planted symlink can
  never be followed), and a folder being replaced. Leftovers of a killed run
  (``kill -9``, power loss) are removed by the next run into the same folder.
- **Lock.** ``fcntl.flock`` on ``.<name>.safespaces-lock`` (opened with
  ``O_NOFOLLOW``): a second run into the same folder is refused with the first
  one's process id instead of racing it. The kernel drops the lock when a
  process dies, however it dies.
- **The user's files.** Files in ``--out`` that safespaces did not write (a
  QGIS project saved there, notes) are carried over into the new folder as hard
  links (copies where links are impossible); outputs of earlier runs that this
  run does not produce are not (no stale raster survives a run).
- **Manifest.** The new folder holds ``.safespaces-manifest.json``: every file
  written, its size and SHA-256, so a reader can check the folder is whole.

Used by :func:`safespaces.pipeline.run_study` (``run``, the app, the dask engine)
and by every family subcommand (which start from a copy of the existing outputs).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import struct
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from safespaces.errors import OutputError

#: The manifest written into every output folder.
MANIFEST = ".safespaces-manifest.json"
#: Files safespaces writes (folders of earlier versions have no manifest).
OUTPUT_NAMES = frozenset(
    {
        "safespaces.gpkg",
        "safespaces.qgz",
        "safespaces.iso19139.xml",
        "illuminance.tif",
        "illuminance.qml",
        "illuminance.qmd",
        "incident_density.tif",
        "incident_density.qml",
        "incident_density.qmd",
        "lighting_summary.json",
        "eyes_summary.json",
        "mix_summary.json",
        "incidents_summary.json",
        "mix_what_if.csv",
        MANIFEST,
    }
)
#: Folders safespaces writes: the vector formats beside the GeoPackage
#: (:data:`safespaces.formats.FORMAT_FOLDERS`). Each is written whole by the command that
#: asks for it; a later command does not carry an earlier one over (it would no longer
#: match the GeoPackage).
FORMAT_FOLDERS = frozenset({"geoparquet", "fgb", "pmtiles"})
#: Temporary names of earlier versions (written into the folder itself); never carried over.
_LEGACY_TEMP = (".part", "-journal", "-wal", "-shm")


def _marker(name: str) -> str:
    return f".{name}.safespaces-"


class OutputFolder:
    """A staging folder for one run's outputs; see :func:`output_folder`.

    Attributes
    ----------
    target
        The output folder (``--out``) as the user will see it.
    path
        The private staging folder every output is written into.
    """

    def __init__(self, target: Path, path: Path) -> None:
        self.target = target
        self.path = path

    def final(self, path: str | Path) -> Path:
        """Where a file written under :attr:`path` will be once the run is committed."""
        p = Path(path)
        try:
            return self.target / p.relative_to(self.path)
        except ValueError:
            return p


def _target(out: str | Path) -> Path:
    """The folder to write, refusing what can never be an output folder."""
    out = Path(out)
    if "\x00" in str(out):
        raise OutputError("the output folder's name contains a NUL character")
    if out.is_symlink():
        real = Path(os.path.realpath(out))
        if not real.is_dir():
            raise OutputError(
                f"{out} is a symbolic link to {real}, which is not a folder. "
                "Fix: give a folder for --out"
            )
        out = real
    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"{out} exists and is not a folder. Fix: give a new folder, or one written by "
            "safespaces, for --out"
        )
    cwd = Path.cwd().resolve()
    home = Path.home().resolve() if "HOME" in os.environ else None
    resolved = out.resolve() if out.exists() else out
    if resolved == Path(resolved.anchor) or resolved in cwd.parents or resolved == cwd:
        raise OutputError(
            f"{out} holds the current folder; safespaces replaces its output folder "
            "as a whole. Fix: give a folder of its own, e.g. --out ./out"
        )
    if home is not None and resolved == home:
        raise OutputError(
            f"{out} is your home folder. Fix: give a folder of its own, e.g. --out ~/safespaces-out"
        )
    if out.name in ("", ".", ".."):
        raise OutputError(f"{out}: not a usable folder name. Fix: give a folder of its own")
    return out


def _open_parent(parent: Path) -> int:
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise OutputError(
            f"cannot create or open the folder {parent} ({exc.strerror}). "
            "Fix: give an --out in a folder you can write"
        ) from exc
    if not os.access(parent, os.W_OK | os.X_OK):
        os.close(fd)
        raise OutputError(
            f"cannot write in {parent}, where the output folder and its staging copy go. "
            "Fix: give an --out in a folder you can write"
        )
    return fd


@contextlib.contextmanager
def _lock(parent_fd: int, target: Path) -> Iterator[None]:
    """Hold the folder's lock; refuse when another live run holds it."""
    name = _marker(target.name) + "lock"
    for _ in range(20):
        try:
            fd = os.open(
                name,
                os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600,
                dir_fd=parent_fd,
            )
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise OutputError(
                    f"cannot create the lock file in {target.parent} ({exc})"
                ) from exc
            os.unlink(name, dir_fd=parent_fd)  # a symbolic link planted at our name
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise OutputError(
                f"another safespaces run (process {holder}) is writing {target}. "
                "Fix: wait for it to finish, or give another --out"
            ) from None
        try:
            current = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        if current is None or current.st_ino != os.fstat(fd).st_ino:
            os.close(fd)  # removed by the run that held it before: lock the new one
            continue
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=parent_fd)
            os.close(fd)
        return
    raise OutputError(f"cannot take the lock of {target}. Fix: try again")


def _remove(parent_fd: int, name: str) -> None:
    """Remove an entry of the parent folder, never following a symbolic link."""
    try:
        st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(name, dir_fd=parent_fd, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=parent_fd)


def recover(parent_fd: int, target: Path) -> list[str]:
    """Clean up after a run that was killed; call with the lock held.

    A folder that was moved aside (``…-old-…``) while the target is missing is
    put back; every other leftover (staging folders, old folders) is removed.

    Returns
    -------
    list of str
        The names removed or restored.
    """
    prefix = _marker(target.name)
    leftovers = sorted(n for n in os.listdir(parent_fd) if n.startswith(prefix))
    done = []
    if not target.exists():
        old = [n for n in leftovers if n.startswith(prefix + "old-")]
        if old:
            os.rename(old[0], target.name, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
            leftovers.remove(old[0])
            done.append(old[0])
    for name in leftovers:
        if name != prefix + "lock":
            _remove(parent_fd, name)
            done.append(name)
    return done


def _is_ours(name: str, manifest: set[str] | None) -> bool:
    if manifest is not None and name in manifest:
        return True
    if name in OUTPUT_NAMES or name in FORMAT_FOLDERS or name.endswith(_LEGACY_TEMP):
        return True
    return name.startswith(".") and (".tmp" in name or name.endswith(".part"))


def _manifest_names(folder: Path) -> set[str] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
        return set(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _link_or_copy(src: Path, dst: Path) -> None:
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True, copy_function=_link_file)
    else:
        _link_file(str(src), str(dst))


def _link_file(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _seed(stage: Path, old: Path, keep_outputs: bool) -> set[str]:
    """Start the staging folder from the old folder's user files (and outputs).

    Returns
    -------
    set of str
        The names of the user's own files carried over.
    """
    carried: set[str] = set()
    if not old.is_dir():
        return carried
    manifest = _manifest_names(old)
    for entry in sorted(old.iterdir()):
        name = entry.name
        if name == MANIFEST or name.endswith(_LEGACY_TEMP):
            continue
        if not _is_ours(name, manifest):
            _link_or_copy(entry, stage / name)
            carried.add(name)
        elif keep_outputs and entry.is_file() and not entry.is_symlink():
            # Copied, never linked: the run may update these files in place.
            shutil.copy2(entry, stage / name)
    return carried


# --- checks -----------------------------------------------------------------------------------


def check_file(path: Path) -> None:
    """Re-open a written file and read it back; raise :class:`OutputError` if it is damaged.

    GeoPackages get SQLite's quick check and a list of their layers, GeoTIFFs
    are read whole (every band and overview block), JSON, QML/QMD and QGIS
    projects are parsed. A short write (full disk, file size limit) fails here.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".gpkg":
            uri = f"{path.as_uri()}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
                result = db.execute("PRAGMA quick_check").fetchone()
                n = db.execute("SELECT count(*) FROM gpkg_contents").fetchone()[0]
            if result is None or result[0] != "ok" or n == 0:
                raise OutputError(f"{path.name}: damaged GeoPackage ({result})")
        elif suffix == ".tif":
            import rasterio

            with rasterio.open(path) as src:
                for band in range(1, src.count + 1):
                    src.read(band)
                    for level in src.overviews(band):
                        src.read(
                            band,
                            out_shape=(
                                max(src.height // level, 1),
                                max(src.width // level, 1),
                            ),
                        )
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.read_table(path)
        elif suffix in (".fgb", ".pmtiles"):
            import pyogrio

            if suffix == ".pmtiles":
                _check_pmtiles(path)  # GDAL reads a cut archive without a word
            pyogrio.read_arrow(path)
        elif suffix == ".json":
            json.loads(path.read_text("utf-8"))
        elif suffix in (".qml", ".qmd"):
            ET.parse(path)
        elif suffix in (".qgz", ".zip"):
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
            if bad is not None:
                raise OutputError(f"{path.name}: damaged member {bad}")
        elif path.stat().st_size == 0 and suffix not in (".csv", ".txt"):
            raise OutputError(f"{path.name}: empty file")
    except OutputError:
        raise
    except Exception as exc:  # any reader's error means the file is not whole
        raise OutputError(
            f"{path.name} was not written completely ({type(exc).__name__}: {exc}). "
            "Fix: check free disk space and file size limits (ulimit -f), then run again"
        ) from exc


def _check_pmtiles(path: Path) -> None:
    """The sections a PMTiles 3 header lists (root and leaf directories, metadata, tile
    data: 8-byte offset and length pairs from byte 8) all end within the file."""
    with path.open("rb") as handle:
        header = handle.read(127)
    if len(header) < 127 or header[:7] != b"PMTiles" or header[7] != 3:
        raise OutputError(f"{path.name}: not a PMTiles 3 archive")
    fields = struct.unpack_from("<8Q", header, 8)
    end = max(offset + length for offset, length in zip(fields[::2], fields[1::2], strict=True))
    size = path.stat().st_size
    if end > size:
        raise OutputError(
            f"{path.name} was not written completely (its sections end at byte {end:,}, "
            f"the file has {size:,}). Fix: check free disk space and file size limits "
            "(ulimit -f), then run again"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _finish(stage: Path, outputs: set[str]) -> None:
    """Check every output, write the manifest, flush everything to disk.

    The outputs are files, and the folders of :data:`FORMAT_FOLDERS` holding files
    (named ``folder/file`` in the manifest).
    """
    written = {n for n in outputs if n != MANIFEST and (stage / n).is_file()}
    folders = {
        n
        for n in outputs
        if n in FORMAT_FOLDERS and (stage / n).is_dir() and not (stage / n).is_symlink()
    }
    for folder in sorted(folders):
        entries = sorted((stage / folder).iterdir())
        odd = [e.name for e in entries if not _plain_file(e)]
        if odd:
            raise OutputError(f"unexpected entries in the output's {folder}: {', '.join(odd)}")
        written |= {f"{folder}/{e.name}" for e in entries}
    stray = sorted(n for n in outputs - written - folders if n != MANIFEST)
    if stray:
        raise OutputError(f"unexpected entries in the output: {', '.join(stray)}")
    for name in sorted(written):
        check_file(stage / name)
    files = {
        name: {"bytes": (stage / name).stat().st_size, "sha256": _sha256(stage / name)}
        for name in sorted(written)
    }
    (stage / MANIFEST).write_text(json.dumps({"files": files}, indent=1) + "\n", "utf-8")
    for entry in [*stage.iterdir(), *(e for f in sorted(folders) for e in (stage / f).iterdir())]:
        if _plain_file(entry):
            _fsync(entry)
    for folder in sorted(folders):
        _fsync(stage / folder, directory=True)
    _fsync(stage, directory=True)


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _fsync(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | os.O_CLOEXEC | (os.O_DIRECTORY if directory else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the swap ---------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_renameat2: Any
try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _renameat2 = None


def _rename2(parent_fd: int, src: str, dst: str, flags: int) -> bool:
    """``renameat2`` in one folder; False where the system or file system lacks it."""
    if _renameat2 is None:  # pragma: no cover
        return False
    rc = _renameat2(parent_fd, os.fsencode(src), parent_fd, os.fsencode(dst), flags)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), dst)


def _swap(parent_fd: int, stage: str, target: str, exists: bool) -> str | None:
    """Put ``stage`` in place of ``target``; return the name now holding the old folder."""
    if not exists:
        if not _rename2(parent_fd, stage, target, _RENAME_NOREPLACE):
            os.rename(stage, target, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
        return None
    if _rename2(parent_fd, stage, target, _RENAME_EXCHANGE):
        return stage
    old = stage.replace("-stage-", "-old-")  # the fallback: two renames
    os.rename(target, old, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
    os.rename(stage, target, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
    return old


@contextlib.contextmanager
def output_folder(out: str | Path, *, keep_existing: bool = False) -> Iterator[OutputFolder]:
    """Write a run's outputs into a staging folder and swap it in for ``out`` at the end.

    Parameters
    ----------
    out
        The output folder (``--out``); created if missing. A symbolic link to a
        folder writes that folder.
    keep_existing
        Start from a copy of the outputs already in ``out`` (the family
        subcommands add their layers to an earlier run's); otherwise the folder
        holds only what this run writes (plus the user's own files).

    Yields
    ------
    OutputFolder
        Its ``path`` is where to write; its ``final()`` maps a written path to
        where it will be after the swap.

    Raises
    ------
    OutputError
        ``out`` is a file, its parent cannot be written, another run holds it,
        or a written file does not read back. ``out`` is then unchanged.
    """
    target = _target(out)
    parent_fd = _open_parent(target.parent)
    try:
        with _lock(parent_fd, target):
            recover(parent_fd, target)
            try:
                stage = Path(
                    tempfile.mkdtemp(prefix=_marker(target.name) + "stage-", dir=target.parent)
                )
            except OSError as exc:
                raise OutputError(
                    f"cannot create a staging folder in {target.parent} ({exc})"
                ) from exc
            try:
                carried = _seed(stage, target, keep_existing)
                yield OutputFolder(target, stage)
                _finish(stage, {p.name for p in stage.iterdir()} - carried)
                os.chmod(stage, 0o777 & ~_umask())
                old = _swap(parent_fd, stage.name, target.name, target.exists())
                if old is not None:
                    _remove(parent_fd, old)
                os.fsync(parent_fd)
            except OutputError as exc:
                _remove(parent_fd, stage.name)
                # name the files where the user will look for them, not the staging folder
                text = str(exc).replace(str(stage), str(target))
                with contextlib.suppress(OSError):
                    free = shutil.disk_usage(target.parent).free / 1e6
                    text += f" ({free:,.0f} MB free on the disk of {target.parent})"
                raise OutputError(text) from exc
            except BaseException:
                _remove(parent_fd, stage.name)
                raise
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(
            f"cannot write {target} ({exc.strerror or exc}). Fix: check free disk space, "
            "file size limits and permissions, then run again; the folder is unchanged"
        ) from exc
    finally:
        os.close(parent_fd)


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` is not thread-safe)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022
