"""Progress reports and stage timings, shared by the loader, the stages and the engines."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Receives one progress line (the CLI prints it, the app shows it).
Progress = Callable[[str], None]


@contextmanager
def timed(name: str, progress: Progress | None, timings: dict[str, float]) -> Iterator[None]:
    """Time a stage and report it.

    Parameters
    ----------
    name
        The stage's name (the key in ``timings`` and the progress lines).
    progress
        Receives ``"<name> ..."`` before and ``"<name>: done in <s> s"`` after, or None.
    timings
        Seconds per stage; ``timings[name]`` is set when the block ends.
    """
    if progress:
        progress(f"{name} ...")
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
    if progress:
        progress(f"{name}: done in {timings[name]:.1f} s")
