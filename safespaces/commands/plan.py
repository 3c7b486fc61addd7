"""``safespaces plan``: where to act first.

Each planner is a sub-subcommand (``safespaces plan lamps ...``). The planners
live in :data:`PLANNERS`: ``lamps`` here; others arrive as modules
``safespaces.commands.plan_<name>`` exposing ``add_parser(subparsers)``, listed
with one line each.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from safespaces.commands._args import OSM_HELP, add_input_options, command_parser, finish_parser
from safespaces.commands._common import command_output, config_from_args, inputs_from_args, progress
from safespaces.errors import SettingError

HELP = "where to act first: rank new lamps (and other interventions) by what they add"
DESCRIPTION = """\
Proposes interventions ranked by what each adds on the families' own models.
Run 'safespaces plan PLANNER --help' for one of them. See docs/plan.md.

Examples:
  safespaces plan lamps --budget 10 --out out/
  safespaces plan lamps --budget 20 --where parks --objective homes --out out/
"""

LAMPS_HELP = "new lamps that lift the most walking length to EN 13201 P6 or better"
LAMPS_DESCRIPTION = """\
Proposes BUDGET new lamps on the dark segments (below P6 or unlit), each with
the mounting height, flux and distribution of its context (as the lighting
model gives an OSM lamp without tags), that lift the most walking length to
EN 13201-2 P6 or better, optionally weighted by pedestrian flow (footfall, the
eyes family's eyes_flow_<eyes.flow_radius_m>m) or residents within 400 m
(homes). A greedy (lazy evaluation, incremental lux update) and an exact
mixed-integer programme (HiGHS, --exact-seconds) both choose; the better plan
is kept and the summary states the proven share of the best placement.
Writes layer plan_lamps to DIR/safespaces.gpkg, DIR/plan_lamps_summary.json and
DIR/plan_lamps_register.csv: every modelled lamp plus the proposals, a lamp
register to re-run the lighting with (safespaces lighting --lamps ...).

Examples:
  safespaces plan lamps --budget 10 --out out/
  safespaces plan lamps --budget 10 --where parks --objective footfall --out out/
  safespaces lighting --lamps out/plan_lamps_register.csv --out after/
"""

#: Planner name -> module in ``safespaces.commands`` with ``add_parser(subparsers)``
#: (None: defined here). A planner whose module has not arrived yet is left out.
PLANNERS: dict[str, str | None] = {
    "lamps": None,
    "hours": "plan_hours",
    "tenure": "plan_tenure",
}


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``plan`` and its planners on an ``argparse`` subparsers object."""
    p = command_parser(subparsers, "plan", HELP, DESCRIPTION)
    p.set_defaults(func=lambda _args: _no_planner(p))
    planners = p.add_subparsers(dest="planner", metavar="PLANNER")
    for module in PLANNERS.values():
        if module is None:
            add_lamps_parser(planners)
            continue
        try:
            mod = importlib.import_module(f"safespaces.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"safespaces.commands.{module}":
                raise
            continue  # the planner has not arrived yet
        mod.add_parser(planners)
    return p


def _no_planner(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def add_lamps_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``plan lamps``."""
    p = command_parser(subparsers, "lamps", LAMPS_HELP, LAMPS_DESCRIPTION)
    p.add_argument(
        "--budget", type=int, required=True, metavar="K", help="number of new lamps (1 or more)"
    )
    p.add_argument(
        "--where",
        choices=("parks", "streets", "all"),
        default="all",
        help="dark segments that may get a lamp: park paths, the others, or all (default)",
    )
    p.add_argument(
        "--objective",
        choices=("length", "footfall", "homes"),
        default="length",
        help="metres lifted to P6+ (default), weighted by pedestrian flow, or by residents "
        "within 400 m",
    )
    p.add_argument(
        "--spacing",
        type=float,
        default=12.0,
        metavar="M",
        help="distance between candidate positions along a dark segment (default 12 m)",
    )
    p.add_argument(
        "--exact-seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="time for the exact step that proves how close the plan is to the best "
        "placement (default 60; 0: greedy only, no bound)",
    )
    add_input_options(
        p,
        osm=OSM_HELP,
        lamps="lamp register (CSV with lon/lat or x/y, or vector points); replaces OSM lamps "
        "where it covers the area",
    )
    return finish_parser(p, run_lamps)


def run_lamps(args: argparse.Namespace) -> int:
    """Run ``safespaces plan lamps``; return the exit status (errors propagate)."""
    from safespaces.eyes.flow import segment_flow
    from safespaces.io import write_json, write_layers
    from safespaces.pipeline import run_metadata
    from safespaces.plan import plan_lamps
    from safespaces.plan.report import lamp_plan_notes, summary_markdown, write_register
    from safespaces.stages import lighting_stage
    from safespaces.study import load_study
    from safespaces.timing import timed

    config = config_from_args(args)
    if args.budget < 1:  # refused before any work
        raise SettingError(
            "budget",
            args.budget,
            "the budget must be a whole number of lamps, 1 or more",
            "give --budget 10 (or another positive number)",
            source="--budget",
        )
    with command_output(args, config) as out:
        timings: dict[str, float] = {}
        study = load_study(inputs_from_args(args), config, progress=progress, timings=timings)
        lighting, _ = lighting_stage(study, None, progress=progress, timings=timings)
        flow = None
        if args.objective == "footfall":
            r = config.eyes.flow_radius_m
            flow = segment_flow(
                lighting.segments, (r,), beta_times_radius=config.eyes.flow_beta_times_radius
            )[int(r)]
        with timed(f"plan lamps (budget {args.budget})", progress, timings):
            plan = plan_lamps(
                lighting,
                args.budget,
                where=args.where,
                objective=args.objective,
                flow=flow,
                buildings=study.osm.buildings,
                spacing_m=args.spacing,
                exact_seconds=args.exact_seconds,
            )
        info = lamp_plan_notes(lighting, plan.summary)
        path = write_layers(
            out.path,
            plan.layers(),
            run_metadata(study, timings, {"plan_lamps_summary": info}),
            keep_other_layers=True,
        )
        summary = write_json(out.path / "plan_lamps_summary.json", info)
        register = write_register(plan, out.path / "plan_lamps_register.csv")
    for written in (path, summary, register):
        if written is not None:
            print(f"wrote {out.final(written)}")
    print(summary_markdown(info, plan.lamps))
    return 0
