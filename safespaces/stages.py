"""One stage per measure family, shared by ``safespaces run`` and the subcommands.

Each stage takes the validated :class:`~safespaces.study.Study` (and what an
earlier stage produced), calls its family's analysis, and returns a
:class:`StageOutput`: the layers to write, the files it wrote (rasters), a
summary for the terminal and ``run_metadata``. Data flows one way:

    lighting -> eyes (needs light) -> mix -> incidents (needs eyes, light,
    darkness) -> indices (composite of all)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.eyes import HOUR_COLUMNS, EyesResult, analyse_eyes, normalise_weekday
from safespaces.eyes.vocabulary import WINDOW_COLUMNS
from safespaces.incidents.analysis import IncidentResult, analyse_incidents
from safespaces.incidents.density import (
    DENSITY_NAME,
    privacy_tags,
    remove_density,
    write_density,
)
from safespaces.indices import safe_space_scores, scored_families
from safespaces.lighting.analysis import (
    LightingResult,
    analyse_lighting,
    lighting_summary,
    study_latlon,
)
from safespaces.lighting.darkness import darkness_hours
from safespaces.lighting.raster import lighting_raster_bounds, write_illuminance_raster
from safespaces.mix.analysis import MixResult, analyse_mix
from safespaces.mix.buildings import (
    aggregate_buildings,
    building_neighbourhood_scores,
    walking_reach,
)
from safespaces.population import PERSONS_PER_DWELLING
from safespaces.sources.tenure import TENURE_PREFIX
from safespaces.study import Study
from safespaces.timing import Progress, timed

#: Walking-neighbourhood mix scores of ``study.tenure`` (aligned to its index).
Neighbourhoods = Callable[[Study], pd.DataFrame]


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


# --- lighting ---------------------------------------------------------------------------------


def lighting_stage(
    study: Study,
    folder: Path | None,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[LightingResult, StageOutput]:
    """Model lamps, compute illuminance and classes, write ``illuminance.tif``.

    With ``folder`` None the raster is not written (a stage run for another family).
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
        )
    files = write_lighting_raster(study, result, folder, progress=progress, timings=timings)
    return result, lighting_output(result, files)


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
        )
    return [tif, tif.with_suffix(".qml")]


def lighting_output(result: LightingResult, files: list[Path]) -> StageOutput:
    """The lighting layers, files and summary as a :class:`StageOutput`."""
    info = lighting_summary(result)
    return StageOutput(dict(result.layers()), files, info, {"lighting_summary": info})


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


def eyes_summary(result: EyesResult, weekday: str) -> dict[str, Any]:
    """Length-weighted means and the share of walking length with few eyes at night."""
    seg = result.segments
    length = seg["length_m"].to_numpy(dtype=float)
    total = float(length.sum())

    def mean(column: str) -> float:
        return round(float(np.average(seg[column].to_numpy(dtype=float), weights=length)), 2)

    return {
        "weekday": weekday,
        "segments": len(seg),
        "dark_hours": [h for h, d in enumerate(result.dark) if d],
        "length_weighted_mean": {c: mean(c) for c in [*WINDOW_COLUMNS, *HOUR_COLUMNS]},
        "night_share_of_length_below_20": round(
            float(length[seg["eyes_night"].to_numpy() < 20].sum()) / total, 4
        )
        if total
        else None,
        "premises_opening_hours_unparsed": result.pois_unparsed,
        "premises_default_hours": result.pois_default,
    }


def eyes_stage(
    study: Study,
    segments: gpd.GeoDataFrame,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[EyesResult, StageOutput]:
    """The hourly eyes-on-the-street index on segments that carry the lighting columns."""
    timings = {} if timings is None else timings
    config = study.config
    weekday = normalise_weekday(config.eyes.weekday)
    with timed(f"eyes on the street ({weekday})", progress, timings):
        lat, lon = study_latlon(segments)
        darkness = darkness_hours(
            lat, lon, int(config.eyes.reference_monday[:4]), timezone=config.general.timezone
        )
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
    return result, eyes_output(result, weekday)


def eyes_output(result: EyesResult, weekday: str) -> StageOutput:
    """The eyes layer and summary as a :class:`StageOutput`."""
    info = eyes_summary(result, weekday)
    layers: dict[str, pd.DataFrame] = {"street_segments": result.segments}
    return StageOutput(layers, [], info, {"eyes_summary": info})


# --- social mix -------------------------------------------------------------------------------


def tenure_groups(study: Study) -> list[str]:
    """The ``tenure_<code>`` columns of the configured taxonomy."""
    return [TENURE_PREFIX + code for code in study.config.sources.tenure_categories]


def walking_neighbourhoods(study: Study) -> pd.DataFrame:
    """Mix scores of the dwellings within walking distance of each tenure building.

    The whole city in this process; aligned to ``study.tenure.index``.
    """
    if study.tenure is None:
        raise ValueError("no tenure data")
    config = study.config
    reach = walking_reach(study.osm.segments, study.tenure, config.mix.radii_m)
    return building_neighbourhood_scores(
        study.tenure, tenure_groups(study), params=config.mix, reach=reach
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
    passes its partitions' results).

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
    layers: dict[str, pd.DataFrame] = {
        "areas": result.areas,
        "mix_summary": result.summary_table,
    }
    if (study.tenure["tenure_level"] == "building").all():
        with timed("social mix: walking neighbourhoods", progress, timings):
            scores = (neighbourhoods or walking_neighbourhoods)(study)
        layers["mix_neighbourhoods"] = gpd.GeoDataFrame(
            scores.reset_index(drop=True),
            geometry=study.tenure.geometry.representative_point().to_numpy(),
            crs=study.crs,
        )
    summary = {k: v for k, v in result.summary.items() if k not in ("spatial", "meta")}
    return result, StageOutput(layers, [], summary, {"mix_summary": result.summary})


# --- incidents --------------------------------------------------------------------------------


def incidents_stage(
    study: Study,
    segments: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    darkness: pd.DataFrame | None,
    folder: Path,
    *,
    include_raw_points: bool = False,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[IncidentResult, StageOutput]:
    """Privacy-safe counts, rates, hotspots, density raster and environment table."""
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
    if result.density is not None:
        tags = privacy_tags(result.metadata()["incidents_privacy"], synthetic=synthetic)
        tif = write_density(folder / DENSITY_NAME, result.density, study.crs, tags=tags)
        files += [tif, tif.with_suffix(".qml")]
    else:  # no incident in the study area: no surface, and none of an earlier run may stay
        remove_density(folder)
    metadata = {**result.metadata(), "incidents_synthetic": synthetic}
    return result, StageOutput(dict(result.layers()), files, dict(result.summary()), metadata)


# --- composite --------------------------------------------------------------------------------


def score_summary(segments: pd.DataFrame, weights: Mapping[str, float]) -> dict[str, Any]:
    """Families scored, the weights, the length-weighted mean score, and the families with
    no value anywhere (with the reason)."""
    length = segments["length_m"].to_numpy(dtype=float)
    score = segments["safe_space_score"].to_numpy(dtype=float)
    ok = ~np.isnan(score)
    families, unscored = scored_families(segments)
    summary: dict[str, Any] = {
        "families": families,
        "weights": dict(weights),
        "length_weighted_mean": round(float(np.average(score[ok], weights=length[ok])), 1)
        if ok.any()
        else None,
    }
    if unscored:
        summary["unknown"] = unscored
    return summary


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
