"""Options and helpers shared by every subcommand."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterable
from pathlib import Path

from safespaces.config import Config, load_config
from safespaces.errors import InputError
from safespaces.qgis import write_raster_style


def add_config_options(parser: argparse.ArgumentParser, *, out: bool = True) -> None:
    """Add ``--config``, ``--set`` and (optionally) ``--out``."""
    parser.add_argument(
        "--config", type=Path, metavar="F", help="TOML configuration file (see docs/config.md)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="K=V",
        help="override one setting, e.g. --set lighting.cutoff_m=40 (repeatable)",
    )
    if out:
        parser.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="output folder (default: layers/<general.name>)",
        )


def add_crs_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--crs`` for x/y columns or files without a CRS."""
    parser.add_argument(
        "--crs",
        metavar="CRS",
        help="CRS of x/y columns or of files that declare none, e.g. EPSG:3067",
    )


def write_raster_styles(files: Iterable[Path]) -> None:
    """Write the catalogue's QGIS style (``.qml``) beside each GeoTIFF among ``files``."""
    for path in files:
        if path.suffix == ".tif":
            write_raster_style(path)


def config_from_args(args: argparse.Namespace) -> Config:
    """The configuration from ``--config`` and ``--set``."""
    return load_config(args.config, args.set)


def out_dir(args: argparse.Namespace, config: Config) -> Path:
    """``--out`` or ``layers/<general.name>``."""
    return args.out if args.out is not None else Path("layers") / config.general.name


def progress(message: str) -> None:
    """Print a progress line to standard error."""
    print(f"  {message}", file=sys.stderr, flush=True)


def with_override(config: Config, section: str, field: str, value: int | None) -> Config:
    """``config`` with ``section.field`` set from a non-negative integer flag (None: unchanged).

    Raises
    ------
    InputError
        A negative value.
    """
    if value is None:
        return config
    if value < 0:
        raise InputError(f"--{field.replace('_', '-')} must be >= 0", fix="give 0 or more")
    params = dataclasses.replace(getattr(config, section), **{field: value})
    return config.replace(**{section: params})
