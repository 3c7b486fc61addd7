"""``safespaces export``: package an output folder for QGIS.

Adds to ``DIR`` (written by ``safespaces run`` or the family subcommands): the
default QGIS style of every layer in ``safespaces.gpkg`` (its ``layer_styles``
table), QGIS layer metadata (title, abstract, attribution, SYNTHETIC flags, the
run's parameters), a ``.qml`` colour ramp and ``.qmd`` metadata beside each
GeoTIFF, and ``safespaces.qgz``, a QGIS project with every layer in its group.
With ``--postgis DSN`` it copies the folder's tables into PostGIS instead
(:mod:`safespaces.postgis`: one transaction, styles in ``public.layer_styles``).
"""

from __future__ import annotations

import argparse

from safespaces.commands._args import (
    add_format_option,
    add_postgis_options,
    command_parser,
    finish_parser,
)
from safespaces.commands._common import (
    command_output,
    config_from_args,
    out_dir,
    postgis_export,
    progress,
)
from safespaces.qgis import export_package

HELP = "package an output folder for QGIS: styled GeoPackage, raster styles, safespaces.qgz"
DESCRIPTION = """\
Packages an output folder for QGIS (3.22 or later). Every layer of
DIR/safespaces.gpkg gets its default style (stored in the GeoPackage's
layer_styles table, as QGIS stores it) and its metadata (title, abstract with
units, attribution, SYNTHETIC flags and the run's parameters); every GeoTIFF
gets a same-named .qml colour ramp; DIR/safespaces.qgz is a project with all
layers in the groups Plan, Streets, Lighting, Eyes on the street, Social mix,
Incidents and Areas, relative paths, the data's CRS and an initial extent.
'safespaces run' does this at the end already; run 'export' after a family
subcommand added layers. A failed export leaves the previous files intact.
See docs/qgis.md.

With --postgis DSN, every table of DIR/safespaces.gpkg goes into a PostGIS
schema instead, in one transaction (all or nothing), with primary keys,
spatial indexes, column comments with units and the styles in QGIS's
public.layer_styles, so QGIS and GeoServer open the layers styled. DSN: a
libpq URL, key=value pairs or a service name; keep the password in ~/.pgpass
or PGPASSWORD (it is never printed). See docs/publishing.md.

--format geoparquet,fgb,pmtiles also writes those formats beside the
GeoPackage (geoparquet/, fgb/, pmtiles/ folders; see docs/publishing.md).

Examples:
  safespaces export                     # layers/<general.name>
  safespaces export --out out/
  safespaces export --out out/ --format geoparquet,fgb,pmtiles
  safespaces export --out out/ --postgis postgresql://gis@db.city.local/maps --schema safety
  safespaces export --out out/ --postgis citymaps      # a pg_service.conf service
"""


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register the ``export`` subcommand."""
    parser = command_parser(subparsers, "export", HELP, DESCRIPTION)
    add_postgis_options(parser)
    add_format_option(parser)
    return finish_parser(parser, run, crs=False)


def run(args: argparse.Namespace) -> int:
    """Execute ``safespaces export``; errors propagate to the CLI (exit 2)."""
    if args.postgis:
        postgis_export(out_dir(args, config_from_args(args)), args.postgis, args.schema)
        return 0
    with command_output(args, config_from_args(args)) as out:
        written = export_package(out.path, progress=progress)
        if args.formats:
            from safespaces.formats import write_formats

            gpkg = written[0] if written else None
            written += [p for p in write_formats(out.path, args.formats) if p != gpkg]
    for path in written:
        print(f"wrote {out.final(path)}")
    return 0
