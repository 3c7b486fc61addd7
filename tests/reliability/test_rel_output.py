"""One atomic output folder (issue 15): a run changes ``--out`` completely or not at all.

In-process tests of :mod:`safespaces.output`, then fault tests on the CLI: ``kill -9`` at every
stage, SIGTERM, a full disk (a small tmpfs) and a file size limit (``ulimit -f``), two
concurrent runs, symbolic links planted at every name safespaces uses, and ``--out`` that is
a file, a symbolic link or under a read-only folder. After each, the folder holds exactly the
old output or exactly the new one, and nothing is left behind.
"""

from __future__ import annotations

import fcntl
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from outcheck import (
    in_ci,
    is_whole_output,
    leftovers,
    read_only,
    run_cli,
    sealed_env,
    siblings,
    snapshot,
)

from safespaces import output
from safespaces.errors import OutputError
from safespaces.output import MANIFEST, check_file, output_folder


def _write(folder: Path, name: str, text: str = "x") -> Path:
    path = folder / name
    path.write_text(text)
    return path


# --- the staging folder, in-process -----------------------------------------------------------


def test_a_new_folder_gets_its_files_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out) as folder:
        assert folder.path.parent == tmp_path and folder.path != out
        assert folder.path.name.startswith(".out.safespaces-stage-")
        assert oct(folder.path.stat().st_mode & 0o777) == "0o700"
        written = _write(folder.path, "mix_summary.json", "{}")
        assert not out.exists()
    assert folder.final(written) == out / "mix_summary.json"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "mix_summary.json"]
    assert is_whole_output(out)
    assert siblings(out) == []


def test_an_error_leaves_the_folder_as_it_was_and_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out) as folder:
        _write(folder.path, "mix_summary.json", '{"old": 1}')
    before = snapshot(out)
    with pytest.raises(RuntimeError), output_folder(out) as folder:
        _write(folder.path, "mix_summary.json", '{"new": 1}')
        raise RuntimeError("a late failure")
    assert snapshot(out) == before
    assert siblings(out) == []


def test_user_files_are_carried_over_and_stale_outputs_are_not(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out) as folder:
        _write(folder.path, "mix_what_if.csv", "a,b\n1,2\n")
        _write(folder.path, "mix_summary.json", "{}")
    _write(out, "notes.txt", "the planner's notes")
    (out / "qgis").mkdir()
    _write(out / "qgis", "my.qgz", "a project")
    with output_folder(out) as folder:
        _write(folder.path, "mix_summary.json", '{"new": 1}')
    names = sorted(p.name for p in out.iterdir())
    assert names == [MANIFEST, "mix_summary.json", "notes.txt", "qgis"]
    assert (out / "notes.txt").read_text() == "the planner's notes"
    assert (out / "qgis" / "my.qgz").read_text() == "a project"


def test_keep_existing_starts_from_copies_not_links(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out) as folder:
        _write(folder.path, "lighting_summary.json", '{"a": 1}')
    old_inode = (out / "lighting_summary.json").stat().st_ino
    with pytest.raises(KeyError), output_folder(out, keep_existing=True) as folder:
        staged = folder.path / "lighting_summary.json"
        assert staged.read_text() == '{"a": 1}'
        assert staged.stat().st_ino != old_inode
        staged.write_text('{"a": 2}')  # an update in place must not reach the old folder
        raise KeyError("fail")
    assert (out / "lighting_summary.json").read_text() == '{"a": 1}'
    with output_folder(out, keep_existing=True) as folder:
        _write(folder.path, "eyes_summary.json", "{}")
    assert {"lighting_summary.json", "eyes_summary.json"} <= {p.name for p in out.iterdir()}
    assert is_whole_output(out)


def test_a_second_run_into_a_locked_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    lock = tmp_path / ".out.safespaces-lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    os.write(fd, b"4242")
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with (
            pytest.raises(OutputError, match=r"another safespaces run \(process 4242\)"),
            output_folder(out),
        ):
            pass
    finally:
        os.close(fd)
    assert not out.exists()
    with output_folder(out) as folder:  # the lock is free again
        _write(folder.path, "mix_summary.json", "{}")
    assert siblings(out) == []


def test_leftovers_of_a_killed_run_are_cleaned_and_a_moved_folder_restored(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with output_folder(out) as folder:
        _write(folder.path, "mix_summary.json", '{"v": 1}')
    before = snapshot(out)
    # killed between the two renames of the fallback swap: the old folder is moved aside
    out.rename(tmp_path / ".out.safespaces-old-abc123")
    (tmp_path / ".out.safespaces-stage-def456").mkdir()
    _write(tmp_path / ".out.safespaces-stage-def456", "safespaces.gpkg", "half")
    with output_folder(out) as folder:
        assert snapshot(out) == before  # restored before the new run starts
        _write(folder.path, "mix_summary.json", '{"v": 2}')
    assert siblings(out) == []
    assert (out / "mix_summary.json").read_text() == '{"v": 2}'


def test_the_fallback_swap_without_renameat2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "_renameat2", None)
    out = tmp_path / "out"
    for version in (1, 2):
        with output_folder(out) as folder:
            _write(folder.path, "mix_summary.json", f'{{"v": {version}}}')
    assert (out / "mix_summary.json").read_text() == '{"v": 2}'
    assert siblings(out) == []


def test_planted_symlinks_are_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    _write(victim, "precious.txt", "keep me")
    parent = tmp_path / "parent"
    parent.mkdir()
    out = parent / "out"
    with output_folder(out) as folder:
        _write(folder.path, "mix_summary.json", "{}")
    # at the lock name, at staging / old-folder names, and at the temporary names earlier
    # versions used inside the folder
    (parent / ".out.safespaces-lock").symlink_to(victim / "precious.txt")
    (parent / ".out.safespaces-stage-planted").symlink_to(victim)
    (parent / ".out.safespaces-old-planted").symlink_to(victim)
    (out / "illuminance.tif.part").symlink_to(victim / "precious.txt")
    (out / ".safespaces.x1.tmp.gpkg").symlink_to(victim / "precious.txt")
    with output_folder(out) as folder:
        _write(folder.path, "mix_summary.json", '{"new": 1}')
    assert snapshot(victim) == {"precious.txt": snapshot(victim)["precious.txt"]}
    assert (victim / "precious.txt").read_text() == "keep me"
    assert siblings(out) == []
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "mix_summary.json"]


def test_out_that_cannot_be_an_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = _write(tmp_path, "afile")
    with pytest.raises(OutputError, match="exists and is not a folder"), output_folder(a_file):
        pass
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError, match="not a folder"), output_folder(dangling):
        pass
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="holds the current folder"), output_folder("."):
        pass
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    with pytest.raises(OutputError, match="home folder"), output_folder(tmp_path / "home"):
        pass
    assert a_file.read_text() == "x"


def test_out_as_a_symlink_writes_the_folder_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with output_folder(link) as folder:
        _write(folder.path, "mix_summary.json", "{}")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert (real / "mix_summary.json").is_file()
    assert is_whole_output(real)


@pytest.mark.parametrize("suffix", [".tif", ".gpkg", ".qgz", ".json", ".qml"])
def test_a_short_write_is_detected(default_output: Path, tmp_path: Path, suffix: str) -> None:
    source = (
        next(p for p in sorted(default_output.iterdir()) if p.suffix == suffix)
        if suffix != ".json"
        else None
    )
    if source is None:
        source = _write(tmp_path, "x.json", '{"a": [1, 2, 3]}')
    data = source.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) * 2 // 3])
    check_file(source)  # the whole file passes
    with pytest.raises(OutputError, match="not written completely|damaged"):
        check_file(cut)


# --- fault tests on the CLI -------------------------------------------------------------------

#: Progress lines of ``safespaces run`` on the default, in order: kill -9 after each.
STAGES = [
    "read OSM ...",
    "lighting ...",
    "illuminance raster ...",
    "eyes on the street",
    "social mix ...",
    "incidents ...",
    "safe-space score ...",
    "write GeoPackage ...",
    "QGIS package (styles, metadata, project) ...",
]


def _start(out: Path, root: Path, *extra: str) -> subprocess.Popen[str]:
    (root / "work").mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "safespaces", "run", *extra, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root / "work",
        env=sealed_env(root),
    )


def _wait_for(proc: subprocess.Popen[str], marker: str, timeout: float = 120) -> str:
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"never saw {marker!r}: {''.join(seen)}")


@pytest.mark.parametrize("stage", STAGES)
def test_kill_9_at_every_stage_leaves_the_old_output(
    earlier_output: Path, tmp_path: Path, stage: str
) -> None:
    before = snapshot(earlier_output)
    proc = _start(earlier_output, tmp_path)
    _wait_for(proc, stage)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    after = snapshot(earlier_output)
    # the swap is one rename: killed before it, the old output; after it, the whole new one
    assert after == before or is_whole_output(earlier_output), stage
    assert "Traceback" not in err
    # the next run cleans up what the killed one left beside the folder
    done = run_cli(["--out", str(earlier_output)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert siblings(earlier_output) == []
    assert is_whole_output(earlier_output)


def test_sigterm_unwinds_and_cleans_up(earlier_output: Path, tmp_path: Path) -> None:
    before = snapshot(earlier_output)
    proc = _start(earlier_output, tmp_path)
    _wait_for(proc, "eyes on the street")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM; the output folder is unchanged" in err
    assert "Traceback" not in err
    assert snapshot(earlier_output) == before
    assert siblings(earlier_output) == []


def test_two_concurrent_runs_into_one_folder(earlier_output: Path, tmp_path: Path) -> None:
    first = _start(earlier_output, tmp_path)
    _wait_for(first, "read OSM ...")
    second = run_cli(["--out", str(earlier_output)], tmp_path)
    assert second.returncode == 2
    assert re.search(r"another safespaces run \(process \d+\) is writing", second.stderr)
    assert "Traceback" not in second.stderr
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert is_whole_output(earlier_output)
    assert siblings(earlier_output) == []


def _limit_file_size(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.mark.parametrize("limit_kb", [150, 2000])
def test_a_file_size_limit_fails_cleanly(
    earlier_output: Path, tmp_path: Path, limit_kb: int
) -> None:
    """``ulimit -f``: 150 kB stops the illuminance raster, 2 MB the GeoPackage."""
    before = snapshot(earlier_output)
    done = run_cli(
        ["--out", str(earlier_output)], tmp_path, preexec=_limit_file_size(limit_kb * 1024)
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(
        r"error: .*(File too large|file size limits|not written completely)", done.stderr
    )
    assert snapshot(earlier_output) == before
    assert siblings(earlier_output) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 9 MB tmpfs: room for one output of the default (5.6 MB), not two."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=9m", "tmpfs", str(mount)], capture_output=True
        ).returncode
    ):
        if in_ci():
            pytest.fail("required under CI: a tmpfs mount (run as root)")
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_fails_cleanly(default_output: Path, small_disk: Path, tmp_path: Path) -> None:
    import shutil

    out = small_disk / "out"
    shutil.copytree(default_output, out)
    before = snapshot(out)
    done = run_cli(["--out", str(out)], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"error: .*Fix: check free disk space.* MB free on the disk of", done.stderr)
    assert snapshot(out) == before
    assert siblings(out) == []


def test_out_is_a_file_a_symlink_or_under_a_read_only_folder(
    default_output: Path, tmp_path: Path
) -> None:
    a_file = tmp_path / "report.pdf"
    a_file.write_bytes(b"%PDF-1.4 a user's file")
    done = run_cli(["--out", str(a_file)], tmp_path)
    assert done.returncode == 2 and "exists and is not a folder" in done.stderr
    assert a_file.read_bytes() == b"%PDF-1.4 a user's file"

    locked = tmp_path / "locked"
    locked.mkdir()
    import shutil

    shutil.copytree(default_output, locked / "out")
    before = snapshot(locked)
    with read_only(locked):
        done = run_cli(["--out", str(locked / "out")], tmp_path)
        inner = run_cli(["--out", str(locked / "out" / "new")], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert re.search(r"error: cannot (write in|create or open)", done.stderr)
    assert inner.returncode == 2 and "Traceback" not in inner.stderr, inner.stderr
    assert snapshot(locked) == before

    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    done = run_cli(["--out", str(link)], tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and is_whole_output(real)
    assert leftovers(tmp_path) == [] or set(leftovers(tmp_path)) <= {"home", "tmp", "work"}


def test_an_internal_error_prints_one_line_and_a_log(tmp_path: Path) -> None:
    """The last line of defence: an unexpected exception is exit 3 with one line naming the
    log, never a traceback, and the output folder untouched."""
    (tmp_path / "parent").mkdir()
    out = tmp_path / "parent" / "out"
    script = (
        "import sys, safespaces.pipeline as p\n"
        "def boom(*a, **k):\n    raise ZeroDivisionError('simulated bug')\n"
        "p.run_stages = boom\n"
        "from safespaces.cli import main\n"
        f"sys.exit(main(['run', '--out', {str(out)!r}]))\n"
    )
    env = sealed_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    line = done.stderr.strip().splitlines()[-1]
    m = re.fullmatch(
        r"safespaces run: internal error: ZeroDivisionError: simulated bug - please report it; "
        r"details in (\S+\.log)",
        line,
    )
    assert m, line
    log = Path(m.group(1))
    assert log.parent == tmp_path / "tmp"
    assert "Traceback" in log.read_text() and "simulated bug" in log.read_text()
    assert not out.exists() and siblings(out) == []


def test_the_qgz_of_a_run_is_a_valid_zip(default_output: Path) -> None:
    with zipfile.ZipFile(default_output / "safespaces.qgz") as zf:
        assert zf.testzip() is None
    assert is_whole_output(default_output)
