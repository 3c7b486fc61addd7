"""One stage per measure family, shared by ``safespaces run`` and the subcommands.

Each stage takes the validated :class:`~safespaces.study.Study` (and what an
earlier stage produced), calls its family's ``analyse_*``, and returns a
:class:`StageOutput` built from the result's own ``layers``, ``summary`` and
``metadata`` (:class:`safespaces.family.FamilyResult`) plus the files it wrote
(rasters). The study's darkness table (:func:`study_darkness`) is computed once
and passed to the families that read it. Data flows one way:

    darkness -> lighting -> eyes (needs light) -> mix -> incidents (needs eyes,
    light, darkness) -> indices (composite of all) -> survey (perceived safety
    beside the score and its parts; only with a survey file)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces import darkness
from safespaces.eyes import EyesResult, analyse_eyes, normalise_weekday
from safespaces.family import FamilyResult
from safespaces.incidents.analysis import IncidentResult, analyse_incidents
from safespaces.incidents.density import (
    DENSITY_NAME,
    privacy_tags,
    remove_density,
    write_density,
)
from safespaces.indices import UNKNOWN_FLAG, safe_space_scores, scored_families
from safespaces.lighting.analysis import LightingResult, analyse_lighting
from safespaces.lighting.raster import lighting_raster_bounds, write_illuminance_raster
from safespaces.mix.analysis import MixResult, analyse_mix
from safespaces.mix.buildings import aggregate_buildings, analyse_neighbourhoods
from safespaces.population import PERSONS_PER_DWELLING
from safespaces.sources.survey import SurveyInput
from safespaces.sources.tenure import TENURE_PREFIX
from safespaces.study import Study, sha256
from safespaces.survey.analysis import SYNTHETIC_LABEL, analyse_survey
from safespaces.timing import Progress, timed

#: Walking-neighbourhood mix scores of ``study.tenure`` (a :class:`MixResult` of them).
Neighbourhoods = Callable[[Study], MixResult]


@dataclasses.dataclass
class StageOutput:
    """What a stage hands to the writer.

    Attributes
    ----------
    layers
        Layer name -> frame for the GeoPackage.
    files
        Files the stage wrote itself (rasters and their styles).
    summary
        Short, JSON-ready results for the terminal and ``run_metadata``.
    metadata
        Extra ``run_metadata`` entries (privacy settings, parameters).
    """

    layers: dict[str, pd.DataFrame]
    files: list[Path] = dataclasses.field(default_factory=list)
    summary: dict[str, Any] = dataclasses.field(default_factory=dict)
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, result: FamilyResult, files: list[Path] | None = None) -> StageOutput:
        """A family result's layers, summary and metadata, with the files written for it."""
        return cls(dict(result.layers()), list(files or []), result.summary(), result.metadata())


# --- lighting ---------------------------------------------------------------------------------


def lighting_stage(
    study: Study,
    folder: Path | None,
    *,
    darkness: pd.DataFrame | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[LightingResult, StageOutput]:
    """Model lamps, compute illuminance and classes, write ``illuminance.tif``.

    With ``folder`` None the raster is not written (a stage run for another
    family). ``darkness`` is the study's darkness table (default
    :func:`study_darkness`).
    """
    timings = {} if timings is None else timings
    params = study.config.lighting
    with timed("lighting", progress, timings):
        result = analyse_lighting(
            study.osm.segments,
            study.osm.lamps,
            study.osm.public_spaces,
            params,
            timezone=study.config.general.timezone,
            darkness=study_darkness(study) if darkness is None else darkness,
        )
    files = write_lighting_raster(study, result, folder, progress=progress, timings=timings)
    return result, StageOutput.of(result, files)


def study_darkness(study: Study) -> pd.DataFrame:
    """The study's darkness table, computed once and passed to every family that reads it.

    At the centre of the study's segments, in ``general.timezone``, for the
    years the families read: ``lighting.darkness_year`` (the published
    ``light_darkness`` table) and the year of ``eyes.reference_monday`` (the
    dark hours of the eyes index). Both are usually the same year.
    """
    config = study.config
    years = {config.lighting.darkness_year, int(config.eyes.reference_monday[:4])}
    return darkness.study_darkness(study.osm.segments, years, timezone=config.general.timezone)


def write_lighting_raster(
    study: Study,
    result: LightingResult,
    folder: Path | None,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> list[Path]:
    """Write ``illuminance.tif`` over the segments' extent; nothing for None.

    The files listed include its ``.qml``, which :mod:`safespaces.qgis` writes
    (``write_raster_style`` in the subcommands, ``export_package`` in ``run``).
    """
    if folder is None:
        return []
    timings = {} if timings is None else timings
    params = study.config.lighting
    with timed("illuminance raster", progress, timings):
        tif = write_illuminance_raster(
            folder / "illuminance.tif",
            result.lamps,
            lighting_raster_bounds(study.osm.segments, params.raster_margin_m),
            study.crs,
            cell=params.raster_cell_m,
            cutoff=params.cutoff_m,
            maintenance_factor=params.maintenance_factor,
        )
    return [tif, tif.with_suffix(".qml")]


# --- eyes on the street -----------------------------------------------------------------------


def residents_from_tenure(study: Study) -> pd.Series:
    """Residents per building: dwellings x persons per dwelling from a real tenure file,
    else the estimate. SYNTHETIC tenure (the demo default) is not used."""
    buildings = study.osm.buildings
    estimate = buildings["residents_est"].astype(float)
    tenure = study.tenure
    if tenure is None or "tenure" in study.synthetic or "osm_building_id" not in tenure:
        return estimate.rename("residents")
    dwellings = (
        tenure.dropna(subset=["osm_building_id"])
        .assign(osm_building_id=lambda t: t["osm_building_id"].astype(np.int64))
        .groupby("osm_building_id")["dwellings"]
        .sum()
    )
    matched = buildings["osm_id"].map(dwellings) * PERSONS_PER_DWELLING
    return matched.fillna(estimate).astype(float).rename("residents")


def eyes_stage(
    study: Study,
    segments: gpd.GeoDataFrame,
    *,
    darkness: pd.DataFrame | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[EyesResult, StageOutput]:
    """The hourly eyes-on-the-street index on segments that carry the lighting columns.

    ``darkness`` is the study's darkness table (default :func:`study_darkness`).
    """
    timings = {} if timings is None else timings
    config = study.config
    weekday = normalise_weekday(config.eyes.weekday)
    with timed(f"eyes on the street ({weekday})", progress, timings):
        if darkness is None:
            darkness = study_darkness(study)
        buildings = study.osm.buildings.assign(residents=residents_from_tenure(study))
        lighting = segments if "light_lux_avg" in segments else None
        result = analyse_eyes(
            segments,
            buildings,
            study.osm.pois,
            study.osm.entrances,
            config.eyes,
            lighting=lighting,
            darkness=darkness,
        )
    return result, StageOutput.of(result)


# --- social mix -------------------------------------------------------------------------------


def tenure_groups(study: Study) -> list[str]:
    """The ``tenure_<code>`` columns of the configured taxonomy."""
    return [TENURE_PREFIX + code for code in study.config.sources.tenure_categories]


def walking_neighbourhoods(study: Study) -> MixResult:
    """Mix scores of the dwellings within walking distance of each tenure building.

    The whole city in this process; indexed like ``study.tenure``.
    """
    if study.tenure is None:
        raise ValueError("no tenure data")
    return analyse_neighbourhoods(
        study.osm.segments, study.tenure, tenure_groups(study), study.config.mix
    )


def mix_stage(
    study: Study,
    areas: gpd.GeoDataFrame,
    *,
    neighbourhoods: Neighbourhoods | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[MixResult, StageOutput]:
    """Tenure counts into the areas, mix scores, global indices, building neighbourhoods.

    ``neighbourhoods`` computes the buildings' walking-neighbourhood scores
    (default :func:`walking_neighbourhoods`, in this process; the dask engine
    passes its partitions' merged results).

    Raises
    ------
    ValueError
        When the study has no tenure data (check ``study.tenure`` first).
    """
    timings = {} if timings is None else timings
    if study.tenure is None:
        raise ValueError("no tenure data")
    config = study.config
    groups = tenure_groups(study)
    with timed("social mix", progress, timings):
        counts = aggregate_buildings(study.tenure, areas, groups)
        base = areas.drop(columns=[c for c in counts.columns if c in areas.columns])
        result = analyse_mix(base.join(counts), groups, params=config.mix, seed=config.general.seed)
    if (study.tenure["tenure_level"] == "building").all():
        with timed("social mix: walking neighbourhoods", progress, timings):
            walks = (neighbourhoods or walking_neighbourhoods)(study)
        result = MixResult.merge([result, walks], study.tenure.index)
    return result, StageOutput.of(result)


# --- incidents --------------------------------------------------------------------------------


def incidents_stage(
    study: Study,
    segments: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    darkness: pd.DataFrame | None,
    folder: Path | None,
    *,
    include_raw_points: bool = False,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[IncidentResult, StageOutput]:
    """Privacy-safe counts, rates, hotspots, density raster and environment table.

    The density raster is written into ``folder`` (not for None: the surface stays in
    the result's ``density``)."""
    timings = {} if timings is None else timings
    if study.incidents is None:
        raise ValueError("no incident data")
    config = study.config
    synthetic = "incidents" in study.synthetic
    with timed("incidents", progress, timings):
        result = analyse_incidents(
            study.incidents.points,
            segments,
            areas,
            config.incidents,
            darkness=darkness,
            seed=config.general.seed,
            timezone=config.general.timezone,
            dropped=study.incidents.dropped,
            include_raw_points=include_raw_points,
        )
    files: list[Path] = []
    if folder is None:
        pass
    elif result.density is not None:
        tags = privacy_tags(result.metadata()["incidents_privacy"], synthetic=synthetic)
        tif = write_density(folder / DENSITY_NAME, result.density, study.crs, tags=tags)
        files += [tif, tif.with_suffix(".qml")]
    else:  # no incident in the study area: no surface, and none of an earlier run may stay
        remove_density(folder)
    output = StageOutput.of(result, files)
    output.metadata["incidents_synthetic"] = synthetic
    return result, output


# --- composite --------------------------------------------------------------------------------


def score_summary(segments: pd.DataFrame, weights: Mapping[str, float]) -> dict[str, Any]:
    """Families scored, the weights, the length-weighted mean score, the families with
    no value anywhere (with the reason; a weighted family the run did not compute, e.g.
    mix without tenure data, included), and the share of walking length whose light
    is unknown (``score_light_unknown``: left out of the score, not 0)."""
    length = segments["length_m"].to_numpy(dtype=float)
    score = segments["safe_space_score"].to_numpy(dtype=float)
    ok = ~np.isnan(score)
    families, unscored = scored_families(segments)
    for family, weight in weights.items():
        if weight > 0 and f"score_{family}" not in segments and family not in unscored:
            unscored[family] = NOT_COMPUTED.get(family, "not computed")
    summary: dict[str, Any] = {
        "families": families,
        "weights": dict(weights),
        "length_weighted_mean": round(float(np.average(score[ok], weights=length[ok])), 1)
        if ok.any()
        else None,
    }
    if unscored:
        summary["unknown"] = unscored
    if UNKNOWN_FLAG in segments and length.sum() > 0:
        flag = segments[UNKNOWN_FLAG].to_numpy(dtype=bool)
        summary["light_unknown_share_of_walking_length"] = round(
            float(length[flag].sum() / length.sum()), 4
        )
    return summary


#: Why a weighted family has no column at all (the run could not compute it).
NOT_COMPUTED = {
    "mix": "no tenure data given: social mix not computed, the score is without it",
    "incidents": "no incident data given: incidents not scored, the score is without them",
}
#: Share of walking length without lamp data above which the run warns.
NO_LAMP_DATA_WARN_SHARE = 0.05
#: Buildings per km of walking length below which the run warns of few buildings.
FEW_BUILDINGS_PER_KM = 0.5


def summary_warnings(summary: Mapping[str, Any]) -> list[str]:
    """Warnings of missing data read from a run's summary (printed and in ``run_metadata``).

    - lamp data: the share of walking length of class ``no lamp data`` (when
      above :data:`NO_LAMP_DATA_WARN_SHARE`), and that those streets are not
      scored as dark;
    - buildings: none mapped, or fewer than :data:`FEW_BUILDINGS_PER_KM` per km
      of walking length (eyes' home windows, frontage and doors then read 0);
    - tenure: no tenure data, social mix not computed.

    Premises given the default opening hours are counted in the eyes summary
    (``premises_default_hours``).
    """

    out: list[str] = []
    light = summary.get("lighting") or {}
    share = float(light.get("no_lamp_data_share_of_walking_length") or 0.0)
    if share > NO_LAMP_DATA_WARN_SHARE:
        out.append(
            f"no lamp data: street lamps are not mapped where {share:.0%} of the walking length "
            "lies (class 'no lamp data'); their light is unknown, left out of the safe-space "
            "score, and not counted as dark. Fix: give a lamp register (--lamps)"
        )
    walking_km = float(summary.get("walking length km") or 0.0)
    buildings = int(summary.get("buildings") or 0)
    if walking_km > 0 and buildings == 0:
        out.append(
            "no buildings mapped: eyes' home windows, street wall and doors read 0 "
            "(unknown, not absent); use an extract with buildings"
        )
    elif walking_km > 0 and buildings / walking_km < FEW_BUILDINGS_PER_KM:
        out.append(
            f"few buildings mapped ({buildings} for {walking_km:g} km of walking length): "
            "eyes' home windows, street wall and doors are underestimated"
        )
    if "mix" not in summary:
        out.append("no tenure data: social mix not computed (the score is without it)")
    return out


def indices_stage(
    study: Study,
    segments: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> StageOutput:
    """The composite safe-space score and its parts on segments and areas."""
    timings = {} if timings is None else timings
    with timed("safe-space score", progress, timings):
        seg_scores, area_scores = safe_space_scores(segments, areas, study.config.indices)
        seg_out = segments.drop(columns=[c for c in seg_scores if c in segments]).join(seg_scores)
        area_out = areas.drop(columns=[c for c in area_scores if c in areas]).join(area_scores)
    summary = score_summary(seg_out, study.config.indices.weights)
    return StageOutput(
        {"street_segments": seg_out, "areas": area_out}, [], summary, {"safe_space_score": summary}
    )


# --- perceived safety ----------------------------------------------------------------------


def survey_stage(
    study: Study,
    segments: gpd.GeoDataFrame | None,
    areas: gpd.GeoDataFrame,
    survey: SurveyInput,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> StageOutput:
    """Perceived safety beside the measures (:mod:`safespaces.survey`), after the score.

    ``areas`` and ``segments`` carry the composite score and its parts; the
    survey file is read here, in the study's time zone. No respondent point is
    in the output.
    """
    timings = {} if timings is None else timings
    timezone = study.config.general.timezone
    with timed("perceived safety (survey)", progress, timings):
        load = survey.read(timezone)
        result = analyse_survey(load, areas, segments, study.config.survey, timezone=timezone)
    output = StageOutput.of(result)
    output.metadata["survey_input"] = {
        "path": str(survey.path),
        "sha256": sha256(Path(survey.path)),
        "kind": load.kind,
        **({"label": SYNTHETIC_LABEL} if load.synthetic else {}),
    }
    return output
