"""``safespaces print``: a map of a finished run on paper, as PNG or PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from safespaces.commands._args import command_parser
from safespaces.errors import InputError

HELP = "print a map of an output folder (title, legend, scale bar, sources) as PNG or PDF"
DESCRIPTION = """\
Draws one view of a finished run (the output folder of 'safespaces run') on paper:
title (the measure and hour), the map over a basemap of the study's own buildings,
parks and squares, the complete legend, a scale bar, a north arrow, the date of the
run and the data sources with their licences. When any input of the run is
SYNTHETIC, a large SYNTHETIC watermark crosses the map. Needs matplotlib
(pip install 'safespaces[print]'). See docs/app.md, "Print a map".

Layers (the app's): eyes (eyes on the street in --hour), lighting, score, mix,
hotspots, dark (dark paths in parks and squares); several at once: --layer eyes,dark.
A plan made in the folder: plan_lamps (the lamps of 'safespaces plan lamps',
numbered by rank over the lighting classes before the plan) or plan_hours (the
premises of 'safespaces plan hours', over eyes on the street); the title states
the budget and the figures before and after the plan.

examples:
  safespaces print layers/helsinki --layer eyes --hour 23 --out map.png
  safespaces print layers/helsinki --layer eyes,dark --hour 23 --format pdf --out map.pdf
  safespaces print layers/helsinki --layer lighting --lang fi \\
      --bounds 24.940 60.166 24.948 60.170 --out esplanadi.pdf
  safespaces plan lamps --budget 10 --out layers/helsinki   # after 'safespaces run'
  safespaces print layers/helsinki --layer plan_lamps --out plan.pdf
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``print`` subcommand."""
    parser = command_parser(subparsers, "print", HELP, DESCRIPTION)
    parser.add_argument(
        "folder", type=Path, metavar="OUTPUT_DIR", help="output folder of 'safespaces run'"
    )
    parser.add_argument(
        "--layer",
        default="eyes",
        metavar="L[,L]",
        help="map layer(s): eyes, lighting, score, mix, hotspots, dark, or a plan: "
        "plan_lamps, plan_hours (default: eyes)",
    )
    parser.add_argument(
        "--hour", type=int, metavar="H", help="hour of eyes on the street, 0-23 (default: 22)"
    )
    parser.add_argument(
        "--bounds",
        type=float,
        nargs=4,
        metavar=("W", "S", "E", "N"),
        help="the view in longitude and latitude (default: the whole study area)",
    )
    parser.add_argument(
        "--bounds-crs",
        metavar="CRS",
        default="EPSG:4326",
        help="CRS of --bounds, e.g. EPSG:3067 (default: EPSG:4326, longitude and latitude)",
    )
    parser.add_argument(
        "--format", dest="fmt", choices=("png", "pdf"), help="default: from --out, else png"
    )
    parser.add_argument(
        "--out", type=Path, metavar="F", help="file to write (default: map-<layer>.<format>)"
    )
    parser.add_argument("--lang", default="en", choices=("en", "fi", "sv"), help="default: en")
    parser.add_argument(
        "--paper",
        default="A4 landscape",
        metavar="P",
        help="A4 landscape (default), A4 portrait, A3 landscape or A3 portrait",
    )
    parser.add_argument("--dpi", type=int, default=150, help="PNG resolution (default: 150)")
    parser.add_argument("--title", metavar="T", help="title (default: the layers and hour)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``safespaces print``; errors propagate to the CLI (exit 2)."""
    from safespaces.printing import write_map  # matplotlib is needed only here

    layers = [name.strip() for name in args.layer.split(",") if name.strip()]
    suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
    fmt = args.fmt or (suffix if suffix in ("png", "pdf") else "png")
    if args.out is not None and suffix != fmt:
        raise InputError(
            f"--out {args.out} is not a .{fmt} file",
            fix=f"name a .{fmt} file" + (", or leave out --format" if args.fmt else ""),
        )
    out = args.out or Path(f"map-{'-'.join(layers)}.{fmt}")
    if not args.folder.is_dir():
        raise InputError(
            "no such output folder",
            path=args.folder,
            fix="give the folder 'safespaces run --out DIR' wrote",
        )
    write_map(
        out,
        args.folder,
        fmt=fmt,
        layer=layers,
        hour=args.hour,
        bounds=tuple(args.bounds) if args.bounds else None,
        bounds_crs=args.bounds_crs,
        lang=args.lang,
        paper=args.paper,
        dpi=args.dpi,
        title=args.title,
    )
    print(f"wrote {out}")
    return 0
