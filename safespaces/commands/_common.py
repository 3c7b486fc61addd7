"""Options and helpers shared by every subcommand."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from safespaces.commands._args import COLUMN_OPTIONS, INPUT_FILES
from safespaces.config import (
    Config,
    load_config,
    origin_of,
    source_of,
    validate_config,
    with_origin,
)
from safespaces.errors import OutputError, SafespacesError, SettingError
from safespaces.incidents.params import check_bandwidth
from safespaces.output import OutputFolder, output_folder
from safespaces.qgis import write_raster_style
from safespaces.study import Inputs, study_name


def inputs_from_args(args: argparse.Namespace) -> Inputs:
    """The input files (and ``--crs``) named on the command line; options a command lacks: None."""
    given = {name: getattr(args, name, None) for name in (*INPUT_FILES, "crs")}
    return Inputs(
        osm=given["osm"],
        lamps=given["lamps"],
        tenure=given["tenure"],
        incidents=given["incidents"],
        areas=given["areas"],
        crs=given["crs"],
        population=given["population"],
        population_column=getattr(args, "population_col", None),
    )


def write_raster_styles(files: Iterable[Path]) -> None:
    """Write the catalogue's QGIS style (``.qml``) beside each GeoTIFF among ``files``."""
    for path in files:
        if path.suffix == ".tif":
            write_raster_style(path)


def config_from_args(args: argparse.Namespace) -> Config:
    """The configuration from ``--config``, ``--preset``, ``--set`` and ``--name``
    (``general.name``), then the column options."""
    config = load_config(args.config, args.set, preset=getattr(args, "preset", None))
    config = with_override(config, "general", "name", getattr(args, "name", None), flag="--name")
    return with_columns(config, args)


def with_columns(config: Config, args: argparse.Namespace) -> Config:
    """``config`` with the ``sources`` column settings of ``--time-col`` and friends."""
    for flag, (dest, field, _) in COLUMN_OPTIONS.items():
        value = getattr(args, dest, None)
        if value:
            config = with_override(config, "sources", field, value, flag=flag)
    return config


@contextlib.contextmanager
def command_output(args: argparse.Namespace, config: Config) -> Iterator[OutputFolder]:
    """The output folder of a family subcommand, as a whole or not at all.

    Starts from the outputs already in ``--out`` (the subcommand adds or
    replaces its own layers and files); see :func:`safespaces.output.output_folder`.
    Print what was written after the block, with :meth:`OutputFolder.final` paths.
    """
    with output_folder(out_dir(args, config), keep_existing=True) as folder:
        yield folder


def out_dir(args: argparse.Namespace, config: Config) -> Path:
    """``--out`` or ``layers/<study name>`` (:func:`~safespaces.study.study_name`)."""
    if args.out is not None:
        return Path(args.out)
    return Path("layers") / study_name(config, inputs_from_args(args))


def progress(message: str) -> None:
    """Print a progress line to standard error."""
    print(f"  {message}", file=sys.stderr, flush=True)


def permutations_config(args: argparse.Namespace, section: str, field: str) -> Config:
    """The configuration with ``section.field`` from ``--permutations`` (when given)."""
    return with_override(
        config_from_args(args),
        section,
        field,
        getattr(args, "permutations", None),
        flag="--permutations",
    )


def with_override(
    config: Config, section: str, field: str, value: object | None, flag: str | None = None
) -> Config:
    """``config`` with ``section.field`` set from a command-line flag (None: unchanged), checked.

    Parameters
    ----------
    flag
        The flag's name for messages; default ``--<field with dashes>``.

    Raises
    ------
    SettingError
        The value is outside the setting's range (the message names the flag).
    """
    if value is None:
        return config
    params = dataclasses.replace(getattr(config, section), **{field: value})
    changed = config.replace(**{section: params})
    origin = {**origin_of(config), f"{section}.{field}": flag or f"--{field.replace('_', '-')}"}
    return with_origin(validate_config(changed, origin=origin), origin)


def check_density_bandwidth(config: Config, include_raw_points: bool) -> None:
    """Refuse, before any work, a density bandwidth below the privacy minimum without the opt-in.

    Raises
    ------
    SettingError
        Naming the file or flag that set ``incidents.density_bandwidth_m``.
    """
    inc = config.incidents
    try:
        check_bandwidth(inc.density_bandwidth_m, inc.min_bandwidth_m, include_raw_points)
    except SettingError as exc:
        raise exc.at(source_of(config, exc.key)) from None


def check_publish(args: argparse.Namespace) -> None:
    """Refuse ``--format`` names and a ``--postgis`` database (its DSN, server, PostGIS and
    rights) before a run, not after it."""
    if getattr(args, "formats", None):
        from safespaces.formats import check_formats

        check_formats(args.formats)
    if getattr(args, "postgis", None):
        from safespaces.postgis import check_connection

        check_connection(args.postgis, args.schema)


def postgis_export(folder: Path, dsn: str, schema: str, *, after_run: bool = False) -> None:
    """Copy an output folder into PostGIS (:func:`safespaces.postgis.export_postgis`) and
    say what was written, without the password. ``after_run``: a failure says that the
    run's output is complete and the database unchanged."""
    from safespaces.postgis import export_postgis

    try:
        report = export_postgis(folder, dsn, schema, progress=progress)
    except SafespacesError as exc:
        if not after_run:
            raise
        raise OutputError(
            f"{exc} (the run's output in {folder} is complete; the database was not changed: "
            "export it with 'safespaces export --postgis')"
        ) from exc
    rows = sum(report.tables.values())
    print(
        f"wrote {len(report.tables)} tables ({rows:,} rows) and {report.styles} styles "
        f"into schema {report.schema!r} of {report.database}"
    )
    if report.dropped:
        print(f"dropped tables of an earlier export: {', '.join(report.dropped)}")
