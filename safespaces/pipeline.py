"""The ``run`` pipeline: sources -> network -> measures -> indices -> layers.

:func:`load_study` reads and validates every input into one :class:`Study` (all
layers in one metric CRS). :func:`run` then applies each analysis family the
inputs allow and writes the GeoPackage. Each stage reports its progress through
a callback, so the CLI and the app can show it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

import safespaces
from safespaces import stages
from safespaces.config import Config, check_crs_area
from safespaces.errors import InputError
from safespaces.eyes import EyesResult
from safespaces.io import write_layers
from safespaces.lighting.analysis import LightingResult
from safespaces.lighting.raster import check_raster_size, lighting_raster_bounds
from safespaces.network import split_long_segments
from safespaces.output import OutputFolder, output_folder
from safespaces.population import estimate_residents, sum_by_area
from safespaces.qgis import export_package
from safespaces.sources.areas import fit_to_study, grid_areas, read_areas
from safespaces.sources.columns import ColumnRule, own_columns
from safespaces.sources.incidents import IncidentLoad, read_incidents
from safespaces.sources.lamps import read_lamp_register
from safespaces.sources.osm import OsmData, load_osm
from safespaces.sources.tenure import read_tenure
from safespaces.stages import timed
from safespaces.synthetic import DEFAULT_OSM, INCIDENT_FILE, TENURE_FILE

Progress = Callable[[str], None]

#: Attribution of the embedded default (shown by the README, the app and exports).
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


@dataclasses.dataclass(frozen=True)
class Inputs:
    """Paths of a run's input files; ``None`` means not given.

    With no ``osm`` the embedded Helsinki default is used, together with its
    SYNTHETIC tenure and incident layers (unless those are given).
    """

    osm: Path | None = None
    lamps: Path | None = None
    tenure: Path | None = None
    incidents: Path | None = None
    areas: Path | None = None
    crs: str | None = None

    @property
    def is_default(self) -> bool:
        """True when the run uses the embedded Helsinki default."""
        return self.osm is None

    def resolved(self) -> Inputs:
        """Fill in the embedded default's files where the default applies."""
        if not self.is_default:
            return self
        return dataclasses.replace(
            self,
            osm=DEFAULT_OSM,
            tenure=self.tenure or TENURE_FILE,
            incidents=self.incidents or INCIDENT_FILE,
        )


@dataclasses.dataclass
class Study:
    """Every input of a run, validated and in one metric CRS.

    Attributes
    ----------
    osm
        Layers read from OSM (segments split for analysis).
    areas
        Areas with ``residents_est``.
    tenure
        Tenure features as read (buildings or areas), or None.
    incidents
        Incident points and drop counts, or None. Never exported raw by default.
    synthetic
        Names of the inputs that are SYNTHETIC demo data.
    notes
        What the loaders changed, per input: the user's columns renamed to keep
        them apart from ours (``renamed_columns``, old -> new), register lamps
        left out far outside the study area (``outside_study_area``).
    warnings
        Warnings for the user (what was left out of the study, clipped or read
        through a repaired copy); shown in the summary and stored in ``run_metadata``.
    extent
        The study extent's record (``run_metadata["study_extent"]``).
    """

    config: Config
    inputs: Inputs
    osm: OsmData
    areas: gpd.GeoDataFrame
    tenure: gpd.GeoDataFrame | None
    incidents: IncidentLoad | None
    synthetic: list[str]
    notes: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    extent: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def crs(self) -> CRS:
        """The metric CRS of every layer."""
        return self.osm.crs


def sha256(path: Path) -> str:
    """Checksum of an input file (recorded in ``run_metadata``)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lonlat_bounds(osm: OsmData) -> tuple[float, float, float, float]:
    """The study area's bounding box in lon/lat."""
    box = gpd.GeoSeries([osm.study_area], crs=osm.crs).to_crs("EPSG:4326")
    x0, y0, x1, y1 = box.total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def load_study(
    inputs: Inputs,
    config: Config,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Study:
    """Read and validate every input of a run.

    The study extent is the OSM data's (see :func:`safespaces.sources.osm.load_osm`);
    areas reaching far beyond it are clipped to it (:func:`~safespaces.sources.areas.
    fit_to_study`). Before any analysis, the segment count, the illuminance raster and
    the default grid are checked against their caps (docs/reliability.md, "Limits (OSM
    and extent)"). What was left out or clipped is reported through ``progress`` as
    ``warning: ...`` and kept in :attr:`Study.warnings` and :attr:`Study.extent`.

    Raises
    ------
    InputError
        Any input that cannot be read, or a study beyond a cap; the message names the
        file and the fix.
    ConfigError
        A setting outside its range (:meth:`Config.validate`).
    """
    timings = {} if timings is None else timings
    config.validate()  # a configuration built in code is checked too, before any reading
    inputs = inputs.resolved()
    assert inputs.osm is not None
    synthetic: list[str] = []
    notes: dict[str, dict[str, Any]] = {}
    with timed("read OSM", progress, timings):
        crs = config.general.crs
        osm = load_osm(inputs.osm, crs=crs)
        osm.segments = split_long_segments(
            osm.segments, config.network.max_segment_m, path=inputs.osm
        )
        check_raster_size(
            lighting_raster_bounds(osm.segments, config.lighting.raster_margin_m),
            config.lighting.raster_cell_m,
            path=inputs.osm,
        )
        osm.buildings["residents_est"] = estimate_residents(osm.buildings, config.residents)
    warnings, extent = list(osm.notes), dict(osm.extent)
    for note in warnings:
        if progress:
            progress(f"warning: {note}")
    box = lonlat_bounds(osm)
    check_crs_area(config, box)
    if inputs.lamps is not None:
        with timed("read lamp register", progress, timings):
            register = read_lamp_register(
                inputs.lamps,
                columns=config.sources.lamp_columns,
                crs=inputs.crs,
                expected_lonlat=box,
            ).to_crs(osm.crs)
            # a column the OSM lamps have, spelt otherwise in the register, takes their spelling
            register = own_columns(register, ColumnRule(shared=tuple(map(str, osm.lamps.columns))))
            notes["lamps"] = input_notes(register)
            # lamp_id stays our integer id, unique over OSM and register lamps; the
            # register's own id is kept in lamp_ref (text).
            osm.lamps = pd.concat([osm.lamps, register], ignore_index=True)
            osm.lamps["lamp_id"] = range(len(osm.lamps))
    with timed("areas", progress, timings):
        if inputs.areas is not None:
            areas = read_areas(inputs.areas, crs=inputs.crs).to_crs(osm.crs)
            notes["areas"] = input_notes(areas)
            if not areas.intersects(osm.study_area).any():
                raise InputError(
                    "no area overlaps the OpenStreetMap extract",
                    path=inputs.areas,
                    fix="give areas inside the extract, or an extract that covers them "
                    "(check both files' CRS)",
                )
            areas, fitted = fit_to_study(areas, osm.bounds)
            if fitted:
                extent["areas"] = fitted
                warnings.append(fitted["note"])
                if progress:
                    progress(f"warning: {fitted['note']}")
        else:
            areas = grid_areas(
                osm.bounds,
                osm.crs,
                size_m=config.sources.grid_size_m,
                places=osm.places,
                path=inputs.osm,
            )
        areas["residents_est"] = sum_by_area(areas, osm.buildings, ["residents_est"])[
            "residents_est"
        ]
    tenure = None
    if inputs.tenure is not None:
        with timed("read tenure", progress, timings):
            tenure = read_tenure(
                inputs.tenure,
                categories=config.sources.tenure_categories,
                codes=config.sources.tenure_codes,
                crs=inputs.crs,
                expected_lonlat=box,
            ).to_crs(osm.crs)
            notes["tenure"] = input_notes(tenure)
            if inputs.tenure == TENURE_FILE:
                synthetic.append("tenure")
    incidents = None
    if inputs.incidents is not None:
        with timed("read incidents", progress, timings):
            incidents = read_incidents(
                inputs.incidents,
                time_column=config.sources.incident_time_column or None,
                category_column=config.sources.incident_category_column or None,
                timezone=config.general.timezone,
                crs=inputs.crs,
                expected_lonlat=box,
                drop_invalid=True,
            )
            notes["incidents"] = input_notes(incidents.points)
            incidents.points = incidents.points.to_crs(osm.crs)
            if inputs.incidents == INCIDENT_FILE:
                synthetic.append("incidents")
    notes = {name: note for name, note in notes.items() if note}
    return Study(config, inputs, osm, areas, tenure, incidents, synthetic, notes, warnings, extent)


def input_notes(frame: pd.DataFrame) -> dict[str, Any]:
    """What a loader recorded in ``frame.attrs`` for the run's summary and metadata."""
    keys = ("renamed_columns", "outside_study_area")
    return {key: frame.attrs[key] for key in keys if frame.attrs.get(key)}


def notes_summary(notes: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Summary lines of :attr:`Study.notes` (one per input that has any)."""
    lines: dict[str, str] = {}
    for name, note in notes.items():
        parts = []
        renamed = note.get("renamed_columns")
        if renamed:
            parts.append(
                "columns renamed " + ", ".join(f"{old} -> {new}" for old, new in renamed.items())
            )
        outside = note.get("outside_study_area")
        if outside:
            parts.append(
                f"{outside['count']} left out more than {outside['margin_m'] / 1000:g} km "
                f"outside the study area (first: row {outside['first_row']})"
            )
        if parts:
            lines[f"{name} input"] = "; ".join(parts)
    return lines


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


def default_out_dir(config: Config) -> Path:
    """``layers/<name>`` under the current folder."""
    return Path("layers") / config.general.name


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
    with output_folder(out_dir or default_out_dir(config)) as folder:
        study = load_study(inputs, config, progress=progress, timings=timings)
        result = run_stages(
            study,
            folder.path,
            progress=progress,
            timings=timings,
            include_raw_points=include_raw_points,
        )
    return result.moved(folder)


def run_study(
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
    """Every stage on a loaded study, written into ``out`` as a whole or not at all.

    ``lighting_eyes`` runs the per-segment stages and ``neighbourhoods`` the
    buildings' walking neighbourhoods (in this process by default;
    :mod:`safespaces.distributed` passes dask versions). The files are written
    into a staging folder and swapped in for ``out`` at the end
    (:func:`safespaces.output.output_folder`).
    """
    with output_folder(out) as folder:
        result = run_stages(
            study,
            folder.path,
            lighting_eyes=lighting_eyes,
            neighbourhoods=neighbourhoods,
            progress=progress,
            timings=timings,
            include_raw_points=include_raw_points,
            metadata=metadata,
        )
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
        "street segments": len(study.osm.segments),
        "walking length km": round(float(study.osm.segments["length_m"].sum()) / 1000, 1),
        "buildings": len(study.osm.buildings),
        "lamps": len(study.osm.lamps),
        "areas": len(study.areas),
        "residents (estimated)": round(float(study.areas["residents_est"].sum())),
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
