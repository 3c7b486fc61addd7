"""The survey subcommand's work: read a finished run's folder, analyse, write beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.io import GPKG_NAME, existing_metadata, write_layers
from safespaces.qgis import export_package
from safespaces.sources.survey import SurveyInput
from safespaces.survey.analysis import SYNTHETIC_LABEL, analyse_survey
from safespaces.timing import Progress


def analyse_folder(
    folder: Path, survey: SurveyInput, config: Config, progress: Progress | None = None
) -> tuple[Path, dict[str, Any]]:
    """Analyse ``survey`` against the run in ``folder`` and add its layers to the GeoPackage.

    The time zone is the run's (``run_metadata``), unless ``--set general.timezone``
    names one. Returns the GeoPackage and the survey's summary.

    Raises
    ------
    InputError
        No finished run in ``folder``, or a bad survey file.
    """
    gpkg = folder / GPKG_NAME
    meta = existing_metadata(gpkg)
    if not gpkg.exists() or not meta:
        raise InputError(
            "no finished run here",
            path=folder,
            fix="run 'safespaces run --out DIR' first, then 'safespaces survey --out DIR'",
        )
    areas = gpd.read_file(gpkg, layer="areas")
    if "safe_space_score" not in areas:
        raise InputError(
            "the run's areas carry no safe_space_score",
            path=gpkg,
            column="safe_space_score",
            fix="run 'safespaces run' (the whole pipeline) into this folder first",
        )
    try:
        segments: gpd.GeoDataFrame | None = gpd.read_file(gpkg, layer="street_segments")
    except Exception:
        segments = None
    timezone = config.general.timezone
    if timezone == "auto":
        timezone = str(meta.get("config", {}).get("general", {}).get("timezone", "UTC"))
    if progress:
        progress(f"reading {survey.path}")
    load = survey.read(timezone)
    result = analyse_survey(load, areas, segments, config.survey, timezone=timezone)
    metadata = dict(result.metadata())
    metadata["survey_input"] = {"path": str(survey.path), "kind": load.kind}
    if load.synthetic:
        metadata["survey_input"]["label"] = SYNTHETIC_LABEL
        metadata["synthetic_inputs"] = sorted({*meta.get("synthetic_inputs", []), "survey"})
    # a survey replaces the layers of its own kind: audits leave the perceived layer be
    own = (
        ("survey_audit_validation",)
        if load.kind == "audit"
        else ("perceived_safety", "survey_summary", "survey_equity")
    )
    remove = [n for n in own if n not in result.layers()]
    out = write_layers(folder, result.layers(), metadata, remove=remove)
    export_package(folder)
    return out, result.summary()
