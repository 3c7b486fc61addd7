"""``safespaces plan hours``: which premises, kept open later, add the most eyes where needed.

Runs the lighting and eyes analyses of the study, then proposes ``--budget``
premises to stay open until ``--until`` on the eyes weekday (see
:mod:`safespaces.plan.hours` and docs/plan.md). Writes the layer ``plan_hours``
(with ``street_segments``, other layers kept) into ``DIR/safespaces.gpkg``,
``DIR/plan_hours.csv`` and ``DIR/plan_hours_summary.json``.
"""

from __future__ import annotations

import argparse

from safespaces.commands._args import OSM_HELP, add_input_options, command_parser, finish_parser
from safespaces.commands._common import command_output, config_from_args, progress, with_override
from safespaces.commands._lit import light_study

HELP = "which premises, kept open later, add the most night eyes on dark, busy streets near homes"
DESCRIPTION = """\
Proposes BUDGET premises (shops, cafes, ...) that, kept open until HOUR on the
eyes weekday, raise most the eyes on the street in the hours of darkness where
they are needed: each street's gain is weighted by need = dark (below EN 13201
P6 or unlit) x busy (pedestrian flow) x near homes (residents within 400 m).
Greedy with exact lazy updates on the eyes model (docs/plan.md); verified by
re-running the eyes model with the proposed opening hours.

Examples:
  safespaces plan hours --budget 10 --out out/
  safespaces plan hours --budget 5 --until 23 --weekday saturday --out out/
  safespaces plan hours --budget 10 --categories cafe,restaurant,shop,convenience --out out/
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``hours`` on the ``plan`` command's subparsers."""
    p = command_parser(subparsers, "hours", HELP, DESCRIPTION)
    p.add_argument(
        "--budget", required=True, type=int, metavar="K", help="number of premises to propose"
    )
    p.add_argument(
        "--until",
        type=int,
        default=22,
        metavar="HOUR",
        help="proposed closing hour, 0..24 (24 = midnight; 1 = 01:00 the night after); default 22",
    )
    p.add_argument(
        "--categories",
        metavar="C1,C2,...",
        help="only premises of these OSM categories or keys (e.g. cafe,restaurant,shop); "
        "default: every premises",
    )
    p.add_argument(
        "--weekday", metavar="DAY", help="day of the week (Mo..Su); default eyes.weekday (Fr)"
    )
    add_input_options(
        p,
        osm=OSM_HELP,
        lamps="lamp register for the light classes",
        tenure="dwellings per building (residents near homes and in the eyes)",
        population="population grid or raster that calibrates the residents estimate",
    )
    p.add_argument("--population-col", metavar="NAME", help="count column of --population")
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    """Run ``safespaces plan hours``; return the exit status (errors propagate)."""
    from safespaces.io import write_json, write_layers
    from safespaces.pipeline import run_metadata
    from safespaces.plan.hours import LAYER, HoursParams, plan_hours, validate
    from safespaces.stages import eyes_stage, residents_from_tenure

    validate(args.budget, args.until)  # before any work
    config = with_override(
        config_from_args(args), "eyes", "weekday", args.weekday or None, flag="--weekday"
    )
    with command_output(args, config) as out:
        lit = light_study(args, config, out.path)
        result, stage = eyes_stage(
            lit.study,
            lit.lighting.segments,
            darkness=lit.darkness,
            progress=progress,
            timings=lit.timings,
        )
        osm = lit.study.osm
        buildings = osm.buildings.assign(residents=residents_from_tenure(lit.study))
        progress(f"planning {args.budget} premises open until {args.until}:00")
        plan = plan_hours(
            result,
            osm.pois,
            osm.entrances,
            buildings,
            budget=args.budget,
            eyes=config.eyes,
            params=HoursParams(
                until_hour=args.until,
                categories=tuple(
                    c.strip() for c in (args.categories or "").split(",") if c.strip()
                ),
            ),
        )
        info = {**plan.summary(), "weekday": result.weekday}
        path = write_layers(
            out.path,
            {**lit.output.layers, **stage.layers, LAYER: plan.proposals},
            run_metadata(
                lit.study,
                lit.timings,
                {**lit.output.metadata, **stage.metadata, "plan_hours": info},
            ),
            keep_other_layers=True,
        )
        plan.proposals.drop(columns="geometry").to_csv(
            out.path / "plan_hours.csv", index=False, lineterminator="\n"
        )
        write_json(out.path / "plan_hours_summary.json", info)
    print(f"wrote {out.final(path)} (layer {LAYER}, {len(plan.proposals)} premises)")
    print(
        f"need-weighted eyes in the dark hours: {plan.before:.3f} -> {plan.after:.3f} "
        f"(+{plan.gain:.4f}); {plan.candidates} premises could stay open later; "
        + ("greedy exact (no street saturates)" if plan.additive else "greedy (1 - 1/e bound)")
    )
    if plan.light_unknown_share:
        print(
            f"light unknown on {plan.light_unknown_share:.1%} of the walking length (lamps not "
            "mapped): weighed as lit, not dark; give the lamp register with --lamps F"
        )
    if plan.note:
        print(f"note: {plan.note}")
    for row in plan.proposals.itertuples(index=False):
        name = row.name if isinstance(row.name, str) else "(no name)"
        print(
            f"  {row.rank:>3}. {name} ({row.category}): closes {row.closes_now:02d}:00 -> "
            f"{row.closes_proposed:02d}:00, gain {row.gain:.4f}"
        )
    return 0
