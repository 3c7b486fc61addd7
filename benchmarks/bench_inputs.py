"""Benchmark: how fast the loaders refuse bad input and read a million-row CSV.

The figures the reliability tests used to assert as wall-clock limits (a flaky
kind of test on a shared machine), measured here instead:

- every refused file of the bad-input corpus (``tests/data/bad``): the time from
  calling its loader to the ``InputError`` (median and slowest);
- the generated 1,000,000-row incident CSV (46 MB): ``read_incidents`` time and
  the process's peak memory (``ru_maxrss``, file generation included);
- the same file refused by the row limit (lowered to 500,000): before parsing;
- the zip bomb (200 MB of ``0`` in a 200 kB archive): refused from its declared
  sizes.

The tests check what must hold (the messages, refusing before parsing or
unpacking); ``docs/reliability.md`` quotes these figures.

Run: python3 benchmarks/bench_inputs.py
Prints a Markdown table.
"""

from __future__ import annotations

import functools
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "reliability")]

from test_rel_corpus import (  # noqa: E402
    BAD,
    ERRORS,
    LOADERS,
    write_million_rows,
    write_zip_bomb,
)

from safespaces.errors import InputError  # noqa: E402
from safespaces.sources.incidents import read_incidents  # noqa: E402
from safespaces.sources.lamps import read_lamp_register  # noqa: E402


def seconds(call: Callable[[], Any], *, refused: bool) -> float:
    """Wall time of ``call``; it must raise InputError when ``refused``."""
    start = time.perf_counter()
    try:
        call()
    except InputError:
        if not refused:
            raise
    else:
        if refused:
            raise AssertionError(f"{call} was not refused")
    return time.perf_counter() - start


def main() -> None:
    corpus = {
        name: seconds(functools.partial(LOADERS[loader], BAD / name), refused=True)
        for name, loader, _ in ERRORS
    }
    slowest = max(corpus, key=corpus.__getitem__)
    rows = [
        (
            f"refuse a corpus file ({len(corpus)} files)",
            f"median {statistics.median(corpus.values()):.2f} s, "
            f"slowest {corpus[slowest]:.2f} s ({slowest})",
        )
    ]
    with tempfile.TemporaryDirectory() as folder:
        big = write_million_rows(Path(folder) / "incidents_million.csv")
        took = seconds(lambda: read_incidents(big, drop_invalid=True), refused=False)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        rows.append(("read 1,000,000 incident rows (46 MB)", f"{took:.1f} s, peak {peak:.2f} GB"))
        os.environ["SAFESPACES_MAX_ROWS"] = "500000"
        try:
            took = seconds(lambda: read_incidents(big), refused=True)
        finally:
            del os.environ["SAFESPACES_MAX_ROWS"]
        rows.append(("refuse it above a row limit of 500,000", f"{took:.2f} s"))
        bomb = write_zip_bomb(Path(folder) / "lamps_bomb.zip")
        took = seconds(lambda: read_lamp_register(bomb), refused=True)
        rows.append(("refuse the zip bomb (200 MB of '0')", f"{took:.2f} s"))
    print("| input | time |\n| --- | --- |")
    for what, figure in rows:
        print(f"| {what} | {figure} |")


if __name__ == "__main__":
    main()
