"""``safespaces mix``: social-mix scores of any polygon file with count columns.

Needs no OSM data. Writes ``DIR/safespaces.gpkg`` (layers ``areas`` and
``mix_summary``), ``DIR/mix_summary.json`` and, with ``--what-if``,
``DIR/mix_what_if.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from safespaces.commands._args import command_parser, finish_parser
from safespaces.commands._common import command_output, permutations_config
from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.io import write_json, write_layers
from safespaces.mix.analysis import MixResult, analyse_mix
from safespaces.mix.whatif import what_if
from safespaces.sources.tabular import VECTOR_SUFFIXES, check_path
from safespaces.study import Inputs, load_study

HELP = "social-mix (tenure segregation) scores of areas"
DESCRIPTION = """\
Tenure mix of areas from count columns: per-area entropy, Simpson diversity,
location quotients and gaps to the AM programme targets (scores of areas with
fewer than mix.min_dwellings dwellings are suppressed), and the city's global
segregation indices with permutation p-values. Works on any polygon file.

Example:
  safespaces mix --areas districts.gpkg --groups ara_rental,owner,private_rental --out out/
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``mix`` subcommand on an ``argparse`` subparsers object."""
    p = command_parser(subparsers, "mix", HELP, DESCRIPTION)
    p.add_argument("--areas", required=True, type=Path, metavar="F", help="polygon file")
    p.add_argument(
        "--groups",
        required=True,
        metavar="C1,C2,...",
        help="comma-separated count columns, one per group (tenure category)",
    )
    p.add_argument(
        "--total",
        metavar="C",
        help="column of total dwellings per area for single-group indices "
        "(default: the sum of the groups)",
    )
    p.add_argument(
        "--what-if",
        dest="what_if",
        type=Path,
        metavar="F",
        help="planned development(s): polygons or points with dwelling counts by group; "
        "writes mix_what_if.csv with before/after values",
    )
    p.add_argument("--id-column", metavar="C", help="area name column in the what-if table")
    p.add_argument(
        "--permutations",
        type=int,
        metavar="N",
        help="permutations for p-values (default mix.permutations, 99; 0 = none)",
    )
    return finish_parser(p, run)


def _config(args: argparse.Namespace) -> Config:
    return permutations_config(args, "mix", "permutations")


def _read_development(path: Path) -> gpd.GeoDataFrame:
    check_path(path, VECTOR_SUFFIXES, "development")
    try:
        dev = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(
            f"cannot read as a vector file ({exc})",
            path=path,
            fix="give a GeoPackage, GeoJSON or Shapefile",
        ) from exc
    if dev.empty:
        raise InputError("the file has no features", path=path, fix="give at least one development")
    if dev.crs is None:
        raise InputError("the file declares no CRS", path=path, fix="save it with a CRS")
    return dev


def compute(args: argparse.Namespace, config: Config) -> tuple[MixResult, pd.DataFrame | None]:
    """Read the inputs named by ``args`` and run the analysis (no writing)."""
    groups = [g.strip() for g in str(args.groups).split(",") if g.strip()]
    inputs = Inputs(areas=args.areas, crs=getattr(args, "crs", None))
    areas = load_study(inputs, config, areas_only=True, counts=groups).areas
    result = analyse_mix(
        areas,
        groups,
        total=args.total,
        params=config.mix,
        seed=config.general.seed,
        path=str(args.areas),
    )
    table = None
    if args.what_if is not None:
        dev = _read_development(args.what_if)
        table = what_if(
            areas,
            dev,
            groups,
            total=args.total,
            params=config.mix,
            id_column=args.id_column,
            path=str(args.what_if),
        )
    return result, table


def run(args: argparse.Namespace) -> int:
    """Run ``safespaces mix``; return the exit status (errors propagate as exceptions)."""
    config = _config(args)
    with command_output(args, config) as out:
        result, table = compute(args, config)
        gpkg = write_layers(
            out.path,
            {"areas": result.areas, "mix_summary": result.summary_table},
            {"mix": result.indices.get("meta", {}), "config": config.to_dict()},
        )
        summary = write_json(out.path / "mix_summary.json", result.indices)
        target = out.path / "mix_what_if.csv"
        if table is not None:
            table.to_csv(target, index=False, lineterminator="\n")
        else:  # a what-if table of an earlier run no longer matches these areas
            target.unlink(missing_ok=True)
    print(_format_summary(result.indices))
    print(f"wrote {out.final(gpkg)} (layers areas, mix_summary) and {out.final(summary)}")
    if table is not None:
        with pd.option_context("display.max_rows", None, "display.width", 120):
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"wrote {out.final(target)}")
    return 0


def _format_summary(summary: dict[str, Any]) -> str:
    p = summary.get("p_values", {})
    lines = ["index                      group                value    p"]
    for key, value in summary.items():
        if key in ("p_values", "spatial", "meta"):
            continue
        items = value.items() if isinstance(value, dict) else [("", value)]
        for g, v in items:
            pv = p.get(key, {}).get(g) if isinstance(p.get(key), dict) else p.get(key)
            vs = "NULL" if v is None else f"{v:.4f}"
            ps = "" if pv is None else f"{pv:.3f}"
            lines.append(f"{key:<26} {g:<18} {vs:>8} {ps:>6}")
    meta = summary.get("meta", {})
    lines.append(
        f"{meta.get('areas')} areas, {meta.get('suppressed')} suppressed "
        f"(< {meta.get('min_dwellings')} dwellings)"
    )
    return "\n".join(lines)
