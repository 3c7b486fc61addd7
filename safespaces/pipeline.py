"""The ``run`` pipeline: sources -> network -> measures -> indices -> layers.

:func:`safespaces.study.load_study` reads and validates every input into one
:class:`~safespaces.study.Study` (all layers in one metric CRS). :func:`run` then
applies each analysis family the inputs allow and writes the GeoPackage. Each
stage reports its progress through a callback, so the CLI and the app can show it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict, Unpack

import geopandas as gpd
import pandas as pd

import safespaces
from safespaces import stages
from safespaces.config import Config
from safespaces.eyes import EyesResult
from safespaces.io import write_layers
from safespaces.lighting.analysis import LightingResult
from safespaces.output import OutputFolder, output_folder
from safespaces.population import residents_summary
from safespaces.qgis import export_package
from safespaces.study import Inputs, Study, load_study, notes_summary, sha256, study_name
from safespaces.timing import Progress, timed

#: Attribution of the embedded default (shown by the README, the app and exports).
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


def run_metadata(study: Study, timings: dict[str, float], extra: dict[str, Any]) -> dict[str, Any]:
    """The ``run_metadata`` record: inputs with checksums, parameters, version, time."""
    files = {
        name: {"path": str(path), "sha256": sha256(path)}
        for name, path in dataclasses.asdict(study.inputs.resolved()).items()
        if isinstance(path, Path)
    }
    return {
        "safespaces_version": safespaces.__version__,
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
    return {
        "street_segments": segments,
        "areas": study.areas,
        "buildings": osm.buildings,
        "lamps": osm.lamps,
        "public_spaces": osm.public_spaces,
    }


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
    [Study, Path, Progress | None, dict[str, float]],
    tuple[LightingResult, stages.StageOutput, EyesResult, stages.StageOutput],
]


def local_lighting_eyes(
    study: Study, out: Path, progress: Progress | None, timings: dict[str, float]
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
) -> RunResult:
    """Run every analysis the inputs allow and write ``out_dir/safespaces.gpkg``.

    Stages, in order: lighting, eyes on the street, social mix (with tenure),
    incidents (with incident points), the composite safe-space score, then the
    QGIS package. Rasters are written beside the GeoPackage.

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
) -> RunResult:
    """Every stage on a loaded study, writing straight into the folder ``out``
    (a staging folder: see :func:`run_study`)."""
    timings = {} if timings is None else timings
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

    def take(output: stages.StageOutput, name: str) -> None:
        layers.update(output.layers)
        files.extend(output.files)
        extra.update(output.metadata)
        summary[name] = output.summary

    lighting, out_light, eyes, out_eyes = lighting_eyes(study, out, progress, timings)
    take(out_light, "lighting")
    take(out_eyes, "eyes")
    segments, areas = eyes.segments, study.areas
    if study.tenure is not None:
        mix, out_mix = stages.mix_stage(
            study, areas, neighbourhoods=neighbourhoods, progress=progress, timings=timings
        )
        take(out_mix, "mix")
        areas = mix.areas
    if study.incidents is not None:
        incidents, out_inc = stages.incidents_stage(
            study,
            segments,
            areas,
            lighting.darkness,
            out,
            include_raw_points=include_raw_points,
            progress=progress,
            timings=timings,
        )
        take(out_inc, "incidents")
        if incidents.segments is not None:
            segments = incidents.segments
        areas = incidents.areas
    take(stages.indices_stage(study, segments, areas, progress=progress, timings=timings), "score")
    warnings = [*study.warnings, *stages.summary_warnings(summary)]
    if warnings:
        summary["warnings"] = " | ".join(warnings)
        extra["warnings"] = warnings
    with timed("write GeoPackage", progress, timings):
        path = write_layers(
            out,
            layers,
            run_metadata(study, timings, {"summary": summary, **extra}),
            keep_other_layers=False,
        )
    with timed("QGIS package (styles, metadata, project)", progress, timings):
        files += [p for p in export_package(out, progress=None) if p != path and p not in files]
    return RunResult(path, {k: len(v) for k, v in layers.items()}, timings, summary, files)
