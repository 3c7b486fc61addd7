"""Helpers for the output-folder promises: run the CLI in a sealed environment and compare
folders.

A sealed run has its own HOME and TMPDIR (both checked empty afterwards, apart from what the
test expects), reads inputs from a read-only folder, and writes one ``--out``. "Nothing
written outside --out" is then: HOME empty, TMPDIR empty, the input folder unchanged and the
output's parent holding only ``--out``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANIFEST = ".safespaces-manifest.json"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones included) with its SHA-256."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if not p.is_symlink()
        else "symlink:" + os.readlink(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def is_whole_output(folder: Path) -> bool:
    """True when ``folder`` holds exactly the files its manifest lists, with their hashes
    (plus files the manifest does not claim: the user's own)."""
    try:
        files = json.loads((folder / MANIFEST).read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return False
    for name, info in files.items():
        path = folder / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != info["sha256"]:
            return False
    return True


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """Make ``folder`` read-only for the duration: a read-only bind mount when running as
    root (root ignores permission bits), else permission bits."""
    if os.geteuid() == 0:
        mounted = subprocess.run(
            ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True
        )
        if mounted.returncode == 0:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
            try:
                yield folder
            finally:
                subprocess.run(["umount", str(folder)], check=True)
            return
        if in_ci():
            raise RuntimeError(f"cannot bind-mount read-only: {mounted.stderr!r}")
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    for p in modes:
        p.chmod(modes[p] & ~0o222)
    try:
        yield folder
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def sealed_env(root: Path) -> dict[str, str]:
    """Environment of a sealed run: HOME and TMPDIR of its own under ``root``."""
    home, tmp = root / "home", root / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "MPL"))}
    return {**env, "HOME": str(home), "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1"}


def run_cli(
    args: Sequence[str],
    root: Path,
    *,
    command: str = "run",
    timeout: float = 300,
    preexec: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m safespaces COMMAND ARGS`` with cwd ``root / 'work'`` and a sealed env."""
    work = root / "work"
    work.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "safespaces", command, *args],
        capture_output=True,
        text=True,
        cwd=work,
        env=sealed_env(root),
        timeout=timeout,
        preexec_fn=preexec,
    )


def leftovers(root: Path) -> list[str]:
    """What a sealed run left outside its output: files in HOME and TMPDIR, and entries of
    the work folder (the default output's cwd)."""
    found = []
    for name in ("home", "tmp", "work"):
        folder = root / name
        if folder.exists():
            found += [str(p.relative_to(root)) for p in folder.rglob("*")]
    return found


def siblings(out: Path) -> list[str]:
    """Entries beside ``out`` in its parent (the staging folders and lock must be gone)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def copy_output(source: Path, target: Path) -> Path:
    """A copy of an earlier output folder (the copy is what a run may change)."""
    shutil.copytree(source, target, symlinks=True)
    return target
