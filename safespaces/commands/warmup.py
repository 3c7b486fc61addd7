"""``safespaces warmup``: compile the network kernels ahead, into numba's cache.

A new install compiles the walking-distance kernels (:mod:`safespaces.shortest_paths`)
the first time a run needs them, about 7 s on two cores; this does it once, ahead, so
that the first ``safespaces run`` and the app's first map start at full speed.
``tools/env.sh`` runs it after pip.
"""

from __future__ import annotations

import argparse
import sys

HELP = "compile the network kernels into numba's cache (silent; about 7 s once, then < 1 s)"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``warmup`` subcommand."""
    parser = subparsers.add_parser(
        "warmup",
        help=HELP,
        description=HELP + ". The cache is safespaces/__pycache__, or a user cache folder "
        "when that is read-only; NUMBA_CACHE_DIR overrides both. Run it as the user who runs "
        "safespaces (numba needs a folder it can write even to read the cache).",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="say what was compiled and where it is cached"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compile (or load) every kernel signature; print nothing unless ``--verbose`` or the
    cache cannot be written."""
    from safespaces.shortest_paths import warm_up

    report = warm_up()
    for name, (how, path) in report.items():
        if args.verbose:
            where = f"cached in {path}" if path else "not cached (no writable cache folder)"
            print(f"{name}: {how}, {where}")
    if any(path is None for _, path in report.values()):
        print(
            "safespaces warmup: note: numba found no folder it can write (the package's "
            "__pycache__ and ~/.cache/numba), so every run compiles the network kernels "
            "again (~7 s); set NUMBA_CACHE_DIR to a writable folder to keep them",
            file=sys.stderr,
        )
    return 0
