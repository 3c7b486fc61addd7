"""Building the subcommands' parsers: shared options, one way to register a command."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from safespaces.presets import preset_names

#: Default of --schema (= safespaces.postgis.DEFAULT_SCHEMA, not imported: the CLI starts light).
POSTGIS_SCHEMA = "safespaces"

#: Input files a command can name (``--osm F`` ...): the path fields of ``Inputs``.
INPUT_FILES: tuple[str, ...] = ("osm", "lamps", "tenure", "incidents", "areas", "population")
#: Help of ``--osm`` for the commands that fall back to the embedded extract.
OSM_HELP = (
    "OpenStreetMap extract (.osm.pbf, .osm, .osm.gz or .osm.bz2); "
    "default: the embedded Helsinki extract"
)
#: The column options of the incident and areas files: flag -> (dest, setting, help).
COLUMN_OPTIONS: dict[str, tuple[str, str, str]] = {
    "--time-col": ("time_col", "incident_time_column", "incident time column"),
    "--category-col": ("category_col", "incident_category_column", "incident category column"),
    "--area-name-col": (
        "area_name_col",
        "area_name_column",
        "areas' name column (default: detected: name, nimi, namn, navn, ... id)",
    ),
}


def add_config_options(parser: argparse.ArgumentParser, *, out: bool = True) -> None:
    """Add ``--config``, ``--preset``, ``--set`` and (optionally) ``--out`` with ``--name``."""
    parser.add_argument(
        "--config", type=Path, metavar="F", help="TOML configuration file (see docs/config.md)"
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        help="country preset under --config and --set: tenure taxonomy, opening hours "
        f"({', '.join(preset_names())}; general.preset)",
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
            help="output folder (default: layers/<study name>)",
        )
        parser.add_argument(
            "--name",
            metavar="NAME",
            help="the study's name: labels the metadata, layer ids and QGIS project, and "
            "names the default output folder (default: general.name, else the OSM file's "
            "name; 'helsinki' for the embedded default)",
        )


def finish_parser(
    parser: argparse.ArgumentParser,
    func: Callable[[argparse.Namespace], int],
    *,
    crs: bool = True,
) -> argparse.ArgumentParser:
    """End a subcommand's options: ``--crs`` (optionally), ``--config``, ``--set``, ``--out``.

    Parameters
    ----------
    parser
        The subcommand's parser, its own options added.
    func
        What the subcommand runs (``args.func``); returns the exit status.
    crs
        Also add ``--crs`` (:func:`add_crs_option`).

    Returns
    -------
    argparse.ArgumentParser
        ``parser``.
    """
    if crs:
        add_crs_option(parser)
    add_config_options(parser)
    parser.set_defaults(func=func)
    return parser


def add_crs_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--crs`` for x/y columns or files without a CRS."""
    parser.add_argument(
        "--crs",
        metavar="CRS",
        help="CRS of x/y columns or of files that declare none, e.g. EPSG:3067",
    )


def add_input_options(parser: argparse.ArgumentParser, **helps: str) -> None:
    """Add one ``--NAME F`` file option per input, in the order given.

    Parameters
    ----------
    parser
        The subcommand's parser.
    **helps
        Help text of each option, keyed by input (one of :data:`INPUT_FILES`).

    Raises
    ------
    ValueError
        A name that is not an input file.
    """
    for name, text in helps.items():
        if name not in INPUT_FILES:
            raise ValueError(f"{name!r} is not an input file ({', '.join(INPUT_FILES)})")
        parser.add_argument(f"--{name}", type=Path, metavar="F", help=text)


def add_column_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--time-col``, ``--category-col`` and ``--area-name-col`` (:data:`COLUMN_OPTIONS`)."""
    for flag, (dest, _, text) in COLUMN_OPTIONS.items():
        parser.add_argument(flag, dest=dest, metavar="C", help=text)


def command_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help: str,
    description: str,
) -> argparse.ArgumentParser:
    """A subcommand's parser, its description printed as written (examples keep their lines)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def add_postgis_options(parser: argparse.ArgumentParser) -> None:
    """``--postgis DSN`` and ``--schema NAME`` (export and run)."""
    parser.add_argument(
        "--postgis",
        metavar="DSN",
        help="copy every table into PostGIS (one transaction, styled for QGIS): a libpq URL "
        "(postgresql://user@host:5432/db), key=value pairs or a pg_service.conf service name; "
        "keep the password in ~/.pgpass or PGPASSWORD",
    )
    parser.add_argument(
        "--schema",
        metavar="NAME",
        default=POSTGIS_SCHEMA,
        help=f"with --postgis: the schema to write (default {POSTGIS_SCHEMA}; created when "
        "missing; tables safespaces did not write are never touched)",
    )


#: ``--format`` names (= safespaces.formats.FORMATS; the CLI starts without importing it).
FORMAT_NAMES = ("gpkg", "geoparquet", "fgb", "pmtiles")


def format_list(text: str) -> list[str]:
    """``--format geoparquet,fgb`` -> ``["geoparquet", "fgb"]`` (checked by the library)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """``--format NAME[,NAME]``: formats written beside the GeoPackage (run and export)."""
    parser.add_argument(
        "--format",
        dest="formats",
        type=format_list,
        default=[],
        metavar="NAMES",
        help="also write these formats beside the GeoPackage, comma-separated: geoparquet "
        "(GeoParquet 1.1 per layer), fgb (FlatGeobuf per layer), pmtiles (vector tiles of the "
        "street segments and areas); see docs/publishing.md",
    )
