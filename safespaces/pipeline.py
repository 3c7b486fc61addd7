"""The ``run`` pipeline: sources -> network -> measures -> indices -> layers.

:func:`safespaces.study.load_study` reads and validates every input into one
:class:`~safespaces.study.Study` (all layers in one metric CRS). :func:`run` then
applies each analysis family the inputs allow and writes the GeoPackage. Each
stage reports its progress through a callback, so the CLI and the app can show it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypedDict, Unpack

import geopandas as gpd
import pandas as pd

from safespaces import stages
from safespaces.catalogue import OSM_ATTRIBUTION
from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.eyes import EyesResult
from safespaces.family import FamilyResult
from safespaces.formats import check_formats, write_formats
from safespaces.io import write_layers
from safespaces.lighting.analysis import LightingResult
from safespaces.output import OutputFolder, output_folder
from safespaces.population import residents_summary
from safespaces.qgis import export_package
from safespaces.sources.survey import SurveyInput
from safespaces.study import (
    Inputs,
    Study,
    frame_record,
    load_study,
    notes_summary,
    sha256,
    study_name,
)
from safespaces.timing import Progress, timed
from safespaces.version import __version__


def run_metadata(study: Study, timings: dict[str, float], extra: dict[str, Any]) -> dict[str, Any]:
    """The ``run_metadata`` record: inputs with checksums, parameters, version, time."""
    resolved = study.inputs.resolved()
    files: dict[str, dict[str, Any]] = {
        name: {"path": str(path), "sha256": sha256(path)} for name, path in resolved.files().items()
    }
    files.update({name: frame_record(frame) for name, frame in resolved.frames().items()})
    return {
        "safespaces_version": __version__,
        "run_time_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "study_name": study.config.general.name,
        "crs": study.crs.to_string(),
        "location": study.location.record() if study.location else None,
        "inputs": files,
        "config": study.config.to_dict(),
        "synthetic_inputs": study.synthetic,
        "input_notes": study.notes,
        "osm_implausible_tags_ignored": dict(study.osm.implausible),
        "study_extent": dict(study.extent),
        "warnings": list(study.warnings),
        "attribution": OSM_ATTRIBUTION,
        "stage_seconds": {k: round(v, 3) for k, v in timings.items()},
        **extra,
    }


def base_layers(study: Study) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the output contract that need no analysis."""
    osm = study.osm
    segments = osm.segments[
        [
            "segment_id",
            "name",
            "highway",
            "length_m",
            "lit_tag",
            "sidewalk",
            "footway",
            "u",
            "v",
            "osm_way_id",
            "geometry",
        ]
    ]
    layers = {
        "street_segments": segments,
        "areas": study.areas,
        "buildings": osm.buildings,
        "lamps": osm.lamps,
        "public_spaces": osm.public_spaces,
    }
    if len(osm.water):  # the basemap's water (a layer only where the extract has some)
        layers["water"] = osm.water
    return layers


def default_out_dir(config: Config, inputs: Inputs | None = None) -> Path:
    """``layers/<name>`` under the current folder, ``<name>`` the study's
    (:func:`~safespaces.study.study_name`: ``general.name``, else the OSM file's name)."""
    return Path("layers") / study_name(config, inputs or Inputs())


@dataclasses.dataclass
class RunResult:
    """What :func:`run` wrote and measured."""

    path: Path
    layers: dict[str, int]
    timings: dict[str, float]
    summary: dict[str, Any]
    files: list[Path]

    def moved(self, folder: OutputFolder) -> RunResult:
        """The same result with its paths where ``folder`` put them after the swap."""
        return dataclasses.replace(
            self, path=folder.final(self.path), files=[folder.final(f) for f in self.files]
        )


LightingEyes = Callable[
    [Study, Path | None, Progress | None, dict[str, float]],
    tuple[LightingResult, stages.StageOutput, EyesResult, stages.StageOutput],
]


def local_lighting_eyes(
    study: Study, out: Path | None, progress: Progress | None, timings: dict[str, float]
) -> tuple[LightingResult, stages.StageOutput, EyesResult, stages.StageOutput]:
    """The per-segment stages (lighting, then eyes) in this process, on the study's
    darkness table (computed once, :func:`safespaces.stages.study_darkness`)."""
    darkness = stages.study_darkness(study)
    lighting, out_light = stages.lighting_stage(
        study, out, darkness=darkness, progress=progress, timings=timings
    )
    eyes, out_eyes = stages.eyes_stage(
        study, lighting.segments, darkness=darkness, progress=progress, timings=timings
    )
    return lighting, out_light, eyes, out_eyes


def run(
    inputs: Inputs,
    config: Config,
    out_dir: Path | None = None,
    *,
    progress: Progress | None = None,
    include_raw_points: bool = False,
    formats: Sequence[str] = (),
    survey: SurveyInput | None = None,
) -> RunResult:
    """Run every analysis the inputs allow and write ``out_dir/safespaces.gpkg``.

    Stages, in order: lighting, eyes on the street, social mix (with tenure),
    incidents (with incident points), the composite safe-space score, perceived
    safety (with ``survey``), then the QGIS package. Rasters are written beside
    the GeoPackage; ``formats``
    (:data:`safespaces.formats.FORMATS`: ``geoparquet``, ``fgb``, ``pmtiles``)
    are written beside it in the same swap (:func:`safespaces.formats.write_formats`).

    Raises
    ------
    InputError, OutputError
        Bad input or an unwritable output; earlier outputs stay intact.
    """
    timings: dict[str, float] = {}
    with output_folder(out_dir or default_out_dir(config, inputs)) as folder:
        study = load_study(inputs, config, progress=progress, timings=timings)
        result = run_stages(
            study,
            folder.path,
            progress=progress,
            timings=timings,
            include_raw_points=include_raw_points,
            formats=formats,
            survey=survey,
        )
    return result.moved(folder)


class StageOptions(TypedDict, total=False):
    """Keyword options of :func:`run_stages` (and :func:`run_study`, which passes them on)."""

    lighting_eyes: LightingEyes
    neighbourhoods: stages.Neighbourhoods | None
    progress: Progress | None
    timings: dict[str, float] | None
    include_raw_points: bool
    metadata: dict[str, Any] | None
    formats: Sequence[str]
    survey: SurveyInput | None


def run_study(study: Study, out: Path, **options: Unpack[StageOptions]) -> RunResult:
    """Every stage on a loaded study, written into ``out`` as a whole or not at all.

    ``options`` as for :func:`run_stages`: ``lighting_eyes`` runs the per-segment
    stages and ``neighbourhoods`` the buildings' walking neighbourhoods (in this
    process by default; :mod:`safespaces.distributed` passes dask versions). The
    files are written into a staging folder and swapped in for ``out`` at the end
    (:func:`safespaces.output.output_folder`).
    """
    with output_folder(out) as folder:
        result = run_stages(study, folder.path, **options)
    return result.moved(folder)


#: The analysis families, in the order they run (the composite score comes after them).
FAMILIES: tuple[str, ...] = ("lighting", "eyes", "mix", "incidents")


@dataclasses.dataclass
class Analysis:
    """What :func:`analyse_stages` computed, before anything is written.

    Attributes
    ----------
    layers
        Layer name -> frame, as the GeoPackage holds them.
    summary
        The run summary (what ``safespaces run`` prints).
    metadata
        ``run_metadata`` entries of the stages (summaries, privacy settings ...).
    files
        Files the stages wrote (rasters), none without a folder.
    results
        Family name -> its result (:class:`safespaces.family.FamilyResult`).
    """

    layers: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    metadata: dict[str, Any]
    files: list[Path]
    results: dict[str, FamilyResult]


def check_families(study: Study, families: Iterable[str] | None) -> tuple[str, ...]:
    """The families to run: those named (in :data:`FAMILIES` order), else every family
    the study's inputs allow (mix with tenure data, incidents with incident points).

    Raises
    ------
    InputError
        An unknown family, or a family whose input the study lacks.
    """
    if families is None:
        return tuple(
            f
            for f in FAMILIES
            if (f != "mix" or study.tenure is not None)
            and (f != "incidents" or study.incidents is not None)
        )
    wanted = [families] if isinstance(families, str) else list(families)
    unknown = [f for f in wanted if f not in FAMILIES]
    if unknown:
        raise InputError(
            f"unknown analysis family {unknown[0]!r}", fix=f"use some of {', '.join(FAMILIES)}"
        )
    needs = {"mix": ("tenure", study.tenure), "incidents": ("incidents", study.incidents)}
    for family, (name, data) in needs.items():
        if family in wanted and data is None:
            raise InputError(
                f"the {family} family needs {name} data and the study has none",
                fix=f"load the study with {name}=<file or frame>, or leave {family} out",
            )
    return tuple(f for f in FAMILIES if f in wanted)


def analyse_stages(
    study: Study,
    out: Path | None,
    *,
    families: Iterable[str] | None = None,
    lighting_eyes: LightingEyes = local_lighting_eyes,
    neighbourhoods: stages.Neighbourhoods | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    include_raw_points: bool = False,
    metadata: dict[str, Any] | None = None,
    survey: SurveyInput | None = None,
) -> Analysis:
    """Every stage ``families`` names (default: all the inputs allow) on a loaded study,
    then the composite score, then perceived safety beside it (with ``survey``: a
    respondent, per-area or audit file, :mod:`safespaces.survey`); rasters are
    written into ``out`` (none for None).

    Raises
    ------
    InputError
        An unknown family, or one whose input the study lacks (:func:`check_families`).
    """
    timings = {} if timings is None else timings
    chosen = check_families(study, families)
    layers: dict[str, pd.DataFrame] = dict(base_layers(study))
    summary: dict[str, Any] = {
        "study": study.config.general.name,
        **({"location": study.location.line()} if study.location else {}),
        "street segments": len(study.osm.segments),
        "walking length km": round(float(study.osm.segments["length_m"].sum()) / 1000, 1),
        "buildings": len(study.osm.buildings),
        "lamps": len(study.osm.lamps),
        "areas": len(study.areas),
        **residents_summary(
            float(study.areas["residents_est"].sum()),
            study.notes.get("population", {}).get("calibration"),
        ),
        **notes_summary(study.notes),
    }
    if study.warnings:
        summary["warnings"] = " | ".join(study.warnings)
    extra: dict[str, Any] = dict(metadata or {})
    files: list[Path] = []
    results: dict[str, FamilyResult] = {}

    def take(output: stages.StageOutput, name: str) -> None:
        layers.update(output.layers)
        files.extend(output.files)
        extra.update(output.metadata)
        summary[name] = output.summary

    darkness = None
    segments, areas = study.osm.segments, study.areas
    if "lighting" in chosen and "eyes" in chosen:
        lighting, out_light, eyes, out_eyes = lighting_eyes(study, out, progress, timings)
        results.update(lighting=lighting, eyes=eyes)
        take(out_light, "lighting")
        take(out_eyes, "eyes")
        segments, darkness = eyes.segments, lighting.darkness
    elif "lighting" in chosen:
        lighting, out_light = stages.lighting_stage(study, out, progress=progress, timings=timings)
        results["lighting"] = lighting
        take(out_light, "lighting")
        segments, darkness = lighting.segments, lighting.darkness
    elif "eyes" in chosen:
        eyes, out_eyes = stages.eyes_stage(study, segments, progress=progress, timings=timings)
        results["eyes"] = eyes
        take(out_eyes, "eyes")
        segments = eyes.segments
    if "mix" in chosen:
        mix, out_mix = stages.mix_stage(
            study, areas, neighbourhoods=neighbourhoods, progress=progress, timings=timings
        )
        results["mix"] = mix
        take(out_mix, "mix")
        areas = mix.areas
    if "incidents" in chosen:
        if darkness is None:
            darkness = stages.study_darkness(study)
        incidents, out_inc = stages.incidents_stage(
            study,
            segments,
            areas,
            darkness,
            out,
            include_raw_points=include_raw_points,
            progress=progress,
            timings=timings,
        )
        results["incidents"] = incidents
        take(out_inc, "incidents")
        if incidents.segments is not None:
            segments = incidents.segments
        areas = incidents.areas
    take(stages.indices_stage(study, segments, areas, progress=progress, timings=timings), "score")
    if survey is not None:
        scored_segments = layers["street_segments"] if study.has_streets else None
        take(
            stages.survey_stage(
                study,
                scored_segments,
                layers["areas"],
                survey,
                progress=progress,
                timings=timings,
            ),
            "survey",
        )
        if extra.get("survey_synthetic"):
            extra["synthetic_inputs"] = [*study.synthetic, "survey"]
    warnings = [*study.warnings, *stages.summary_warnings(summary)]
    if warnings:
        summary["warnings"] = " | ".join(warnings)
        extra["warnings"] = warnings
    return Analysis(layers, summary, extra, files, results)


def run_stages(
    study: Study,
    out: Path,
    *,
    lighting_eyes: LightingEyes = local_lighting_eyes,
    neighbourhoods: stages.Neighbourhoods | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    include_raw_points: bool = False,
    metadata: dict[str, Any] | None = None,
    formats: Sequence[str] = (),
    survey: SurveyInput | None = None,
) -> RunResult:
    """Every stage on a loaded study, writing straight into the folder ``out``
    (a staging folder: see :func:`run_study`), then the QGIS package and ``formats``."""
    formats = check_formats(formats)  # an unknown format is refused before any work
    timings = {} if timings is None else timings
    analysis = analyse_stages(
        study,
        out,
        lighting_eyes=lighting_eyes,
        neighbourhoods=neighbourhoods,
        progress=progress,
        timings=timings,
        include_raw_points=include_raw_points,
        metadata=metadata,
        survey=survey,
    )
    layers, summary, files = analysis.layers, analysis.summary, analysis.files
    with timed("write GeoPackage", progress, timings):
        path = write_layers(
            out,
            layers,
            run_metadata(study, timings, {"summary": summary, **analysis.metadata}),
            keep_other_layers=False,
        )
    with timed("QGIS package (styles, metadata, project)", progress, timings):
        files += [p for p in export_package(out, progress=None) if p != path and p not in files]
    if [f for f in formats if f != "gpkg"]:
        with timed(f"formats ({', '.join(formats)})", progress, timings):
            files += [p for p in write_formats(out, formats) if p != path]
    return RunResult(path, {k: len(v) for k, v in layers.items()}, timings, summary, files)
