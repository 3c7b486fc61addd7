"""``safespaces plan tenure``: the tenure split of a planned development closest to the targets.

Loads the study's tenure data and areas (and the walking network), then splits
the development's dwellings among the policy groups of the city's tenure
targets (see :mod:`safespaces.plan.tenure` and docs/plan.md). Writes the table
``plan_tenure`` into ``DIR/safespaces.gpkg`` (other layers kept),
``DIR/plan_tenure.csv`` and ``DIR/plan_tenure_summary.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from safespaces.commands._args import OSM_HELP, add_input_options, command_parser, finish_parser
from safespaces.commands._common import (
    command_output,
    config_from_args,
    inputs_from_args,
    progress,
)

HELP = "the tenure split of a planned development that moves its surroundings closest to targets"
DESCRIPTION = """\
Splits the dwellings of a planned development (one point or polygon with a
'dwellings' column) among the policy groups of the city's tenure targets
(mix.target, e.g. the AM programme: 30 % ARA rental / 20 % intermediate /
50 % unregulated) so that the area holding it and the dwellings within 400 m
and 800 m walk come closest to the targets (sum of squared share gaps). Every
split in 5 % steps is tried (docs/plan.md); the before/after mix indices are
the what-if's.

Examples:
  safespaces plan tenure --development site.gpkg --out out/
  safespaces plan tenure --development site.geojson --tenure tenure.csv --areas districts.gpkg
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``tenure`` on the ``plan`` command's subparsers."""
    p = command_parser(subparsers, "tenure", HELP, DESCRIPTION)
    p.add_argument(
        "--development",
        required=True,
        type=Path,
        metavar="F",
        help="the planned development: one point or polygon with a 'dwellings' column",
    )
    p.add_argument(
        "--step",
        type=float,
        default=0.05,
        metavar="SHARE",
        help="grid step of the shares tried (default 0.05 = 5 %%)",
    )
    add_input_options(
        p,
        osm=OSM_HELP,
        tenure="dwellings by tenure per building (default: the embedded Helsinki extract's "
        "SYNTHETIC demo tenure; none with another --osm)",
        areas="areas (districts) the development is added to",
    )
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    """Run ``safespaces plan tenure``; return the exit status (errors propagate)."""
    from safespaces.commands.mix import _read_development
    from safespaces.errors import InputError
    from safespaces.io import write_json, write_layers
    from safespaces.mix.buildings import aggregate_buildings
    from safespaces.plan.tenure import LAYER, TenureParams, plan_tenure, summary
    from safespaces.stages import tenure_groups
    from safespaces.study import load_study

    config = config_from_args(args)
    development = _read_development(args.development)
    with command_output(args, config) as out:
        study = load_study(inputs_from_args(args), config, progress=progress)
        if study.tenure is None:
            raise InputError(
                "the tenure of the study's dwellings is unknown (no tenure data), so no split "
                "can be planned against the surroundings",
                fix="give --tenure F (dwellings by tenure per building or area; --preset NAME "
                "reads your country's tenure codes, see docs/data-formats.md)",
            )
        if study.areas is None:
            raise InputError("the study has no areas", fix="give --areas F (district polygons)")
        groups = tenure_groups(study)
        counts = aggregate_buildings(study.tenure, study.areas, groups)
        areas = study.areas.drop(
            columns=[c for c in counts.columns if c in study.areas.columns]
        ).join(counts)
        walks = (study.tenure["tenure_level"] == "building").all()
        progress("planning the tenure split")
        plan = plan_tenure(
            areas,
            development,
            groups,
            tenure=study.tenure if walks else None,
            segments=study.osm.segments if walks else None,
            params=config.mix,
            plan=TenureParams(step_share=args.step),
            id_column="name" if "name" in areas else None,
            path=str(args.development),
        )
        synthetic = "tenure" in study.synthetic
        info = {**summary(plan), "tenure_synthetic": synthetic}
        table = plan.table.assign(area=plan.table["area"].astype(str).replace("None", ""))
        gpkg = write_layers(out.path, {LAYER: table}, {"plan_tenure": info})
        table.to_csv(out.path / "plan_tenure.csv", index=False, lineterminator="\n")
        write_json(out.path / "plan_tenure_summary.json", info)
    if synthetic:
        print("tenure: SYNTHETIC demo data (give --tenure for real figures)")
    print(f"wrote {out.final(gpkg)} (table {LAYER}) and plan_tenure.csv")
    if plan.missing_groups:
        print(
            f"target groups without tenure data: {', '.join(plan.missing_groups)} (left out; "
            "the other targets renormalised to sum to 100 %)"
        )
    print(f"split of {info['dwellings']} dwellings ({plan.method}, {plan.tried} splits tried):")
    for row in plan.split.itertuples(index=False):
        print(
            f"  {row.policy_group:<14} {row.dwellings:>6} ({row.share:6.1%}; target "
            f"{row.target:.0%}) as {row.tenure_column}"
        )
    gaps = plan.table[plan.table["metric"].str.startswith("target_gap_")]
    for scope in ("area", "walk_400m", "walk_800m"):
        rows = gaps[gaps["scope"] == scope]
        if len(rows):
            text = ", ".join(
                f"{m.removeprefix('target_gap_')} {b:+.1f} -> {a:+.1f}"
                for m, b, a in zip(rows["metric"], rows["before"], rows["after"], strict=True)
            )
            print(f"  gap to target (points) {scope}: {text}")
    return 0
