"""``safespaces survey``: perceived safety beside the measures of a finished run.

Reads the areas (with ``safe_space_score`` and its parts) and the street segments
of a finished run from ``DIR/safespaces.gpkg`` (``--out DIR``), the survey file
(respondent points, per-area results or safety audits), and adds the layers
``perceived_safety``, ``survey_summary``, ``survey_equity`` and
``survey_audit_validation`` to the same GeoPackage (the other layers stay as they
are). No respondent point is ever written. ``safespaces run --survey F`` does the
same within one run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safespaces.commands._args import command_parser, finish_parser

if TYPE_CHECKING:
    from safespaces.sources.survey import SurveyInput

HELP = "perceived safety (surveys, audits) beside the measures of a finished run"
DESCRIPTION = """\
Puts what people say beside what the run measured: the share of respondents
feeling unsafe per area (95 % Wilson intervals; areas with fewer than
survey.k_min respondents, default 10, suppressed with complementary
suppression), the divergence class of each area (feels unsafe / measures good,
feels safe / measures poor, both poor, both good, uncertain), and the
Spearman correlation of safety-audit scores with modelled lux, light class and
eyes on the street. Needs the folder of a finished 'safespaces run' (--out DIR);
writes into its safespaces.gpkg. Respondent points are never written.

Example:
  safespaces run --out out/
  safespaces survey --survey answers.csv --group-cols age_band --out out/
"""


def add_survey_options(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """Add ``--survey`` and its column options (``run`` and ``survey``)."""
    parser.add_argument(
        "--survey",
        type=Path,
        metavar="F",
        required=required,
        help="survey file (CSV or vector): respondent points with a 1-5 rating, per-area "
        "results (respondents, share_unsafe), or safety-audit points (nine 0-3 parameters)",
    )
    parser.add_argument(
        "--survey-kind",
        choices=("respondents", "areas", "audit"),
        help="the kind of --survey file (default: detected from its columns)",
    )
    parser.add_argument("--rating-col", metavar="C", help="rating column (default: detected)")
    parser.add_argument("--period-col", metavar="C", help="period column (default: detected)")
    parser.add_argument(
        "--group-cols",
        metavar="C[,C]",
        help="respondent group columns for the equity table (e.g. age_band,gender)",
    )


def survey_input(args: argparse.Namespace) -> SurveyInput | None:
    """The ``--survey`` file and its options (None without ``--survey``)."""
    from safespaces.sources.survey import SurveyInput

    if getattr(args, "survey", None) is None:
        return None
    groups = tuple(g.strip() for g in (args.group_cols or "").split(",") if g.strip())
    return SurveyInput(
        Path(args.survey),
        kind=args.survey_kind,
        rating_column=args.rating_col,
        period_column=args.period_col,
        group_columns=groups,
        crs=getattr(args, "crs", None),
    )


def checked_survey(args: argparse.Namespace) -> SurveyInput | None:
    """:func:`survey_input`, read once to refuse a bad file before any work (``run``)."""
    survey = survey_input(args)
    if survey is None:
        return None
    survey.read("UTC")
    if getattr(args, "engine", "local") == "dask":
        from safespaces.errors import InputError

        raise InputError(
            "--survey is not run by the dask engine",
            fix="run it after: safespaces survey --survey F --out DIR",
        )
    return survey


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``survey`` subcommand."""
    p = command_parser(subparsers, "survey", HELP, DESCRIPTION)
    add_survey_options(p, required=True)
    return finish_parser(p, run)


def run(args: argparse.Namespace) -> int:
    """Execute ``safespaces survey``; errors propagate as exceptions (exit 2)."""
    from safespaces.commands._common import command_output, config_from_args, progress
    from safespaces.commands._survey import analyse_folder

    config = config_from_args(args)
    survey = survey_input(args)
    assert survey is not None
    survey.read("UTC")  # a bad file is refused before the run's layers are read
    if args.out is None:
        from safespaces.errors import InputError

        raise InputError(
            "no run folder given",
            fix="pass --out DIR, the folder of a finished 'safespaces run'",
        )
    with command_output(args, config) as out:
        gpkg, summary = analyse_folder(out.path, survey, config, progress)
    print(format_summary(summary))
    print(f"wrote {out.final(gpkg)}")
    return 0


def format_summary(summary: dict[str, Any]) -> str:
    """The survey's summary for the terminal, one item a line."""
    label = "SYNTHETIC survey: " if summary.get("synthetic") else ""
    lines = [f"{label}perceived safety ({summary.get('kind')})"]
    for key, value in summary.items():
        if key in ("kind", "synthetic"):
            continue
        lines.append(f"  {key}: {value}")
    return "\n".join(lines)
