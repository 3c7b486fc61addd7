"""A printed map's layout before it is drawn (:class:`MapLayout`), made from a run: its
output folder, a :class:`~safespaces.api.Results` or the app's run (:class:`MapSource`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from safespaces.catalogue import CATALOGUE, Layer
from safespaces.errors import InputError
from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import FAMILIES, composite
from safespaces.io import GPKG_NAME, METADATA_LAYER, read_metadata
from safespaces.printing import plans
from safespaces.printing import texts as words
from safespaces.printing.legend import (
    LAYERS,
    LegendBlock,
    colours,
    layer_title,
    legend_block,
    run_date,
    sources,
    style_classes,
)
from safespaces.printing.view import (
    PAPERS,
    STREET_LABEL_PT,
    clip,
    fit_view,
    ground_factors,
    metric_crs,
    nice_length,
    page_boxes,
    scale_label,
    street_labels,
)
from safespaces.qgis.metadata import parse_run_metadata, synthetic_inputs

#: The hour an hourly measure shows when none is given (the app's first view).
DEFAULT_HOUR = 22


class MapSource(Protocol):
    """What a map is printed from: :class:`safespaces.api.Results`, or the app's run."""

    @property
    def layers(self) -> Mapping[str, pd.DataFrame]: ...

    @property
    def metadata(self) -> Mapping[str, Any]: ...


@dataclasses.dataclass(frozen=True)
class MapLayout:
    """Everything a printed map shows, before it is drawn (see :func:`map_layout`).

    Attributes
    ----------
    paper, size_mm, frame_mm, legend_mm
        The paper's name and size, the map frame and the legend's area, each
        ``(x, y, width, height)`` in mm from the paper's lower left corner.
    title, subtitle
        The measure (and hour), the study and the date of the run; a plan's title states
        the plan (budget, proposals).
    crs, extent
        The run's CRS and the view ``(xmin, ymin, xmax, ymax)`` in it, fitted to the frame.
    scale_bar_m, scale_label, scale_factor
        The scale bar's length on the ground (metres), its label, and the CRS's point scale
        factor at the centre of the view (map metres per metre on the ground).
    north_deg
        True north, clockwise from the top of the map (degrees).
    legend, sources, watermark, synthetic
        Legend blocks, the footer's lines, the watermark (None unless an input is synthetic)
        and the synthetic inputs.
    drawn
        Features drawn per map layer (after clipping to the view).
    lang
        The language of the texts.
    figures
        A plan's figures before and after it (printed under the title; empty without a plan).
    """

    paper: str
    size_mm: tuple[float, float]
    frame_mm: tuple[float, float, float, float]
    legend_mm: tuple[float, float, float, float]
    title: str
    subtitle: str
    crs: str
    extent: tuple[float, float, float, float]
    scale_bar_m: float
    scale_label: str
    scale_factor: float
    north_deg: float
    legend: tuple[LegendBlock, ...]
    sources: tuple[str, ...]
    watermark: str | None
    synthetic: tuple[str, ...]
    drawn: Mapping[str, int]
    lang: str
    figures: str = ""


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A layout with what it draws: features cut to the view with their colours, the
    basemap, street labels, line widths (point diameters) and the numbers of a plan's points
    (``(x, y, dx, dy, text, ha, va, leader)``: the point in the map's CRS, the label's offset
    from it in mm on paper)."""

    layout: MapLayout
    features: dict[str, tuple[gpd.GeoDataFrame, np.ndarray]]  # key -> (clipped frame, colours)
    basemap: dict[str, gpd.GeoDataFrame]
    labels: list[tuple[float, float, float, str]]
    widths: dict[str, float]  # key -> line width (point diameter) in mm
    numbers: dict[str, list[tuple[float, float, float, float, str, str, str, bool]]] = (
        dataclasses.field(default_factory=dict)
    )


def _keys(layer: str | Sequence[str], plan: bool = False) -> list[str]:
    """The map layers in drawing order; a plan alone gets the street layer it was planned on."""
    keys = [layer] if isinstance(layer, str) else list(layer)
    unknown = [k for k in keys if k not in LAYERS]
    if not keys or unknown:
        raise InputError(
            f"unknown map layer {unknown[0] if unknown else '(none)'!r}",
            fix=f"use one or more of {', '.join(LAYERS)}",
        )
    if plan and "plan_lamps" not in keys:
        keys.append("plan_lamps")
    planned = [k for k in keys if k in plans.BASES]
    if planned and not any(LAYERS[k][0] == "street_segments" for k in keys):
        keys.append(plans.BASES[planned[0]])
    return [k for k in LAYERS if k in keys]


def _columns(key: str, hour: int, weights: Mapping[str, float] | None) -> list[str]:
    if key == "eyes":
        return ["name", HOUR_COLUMNS[hour]]
    if key == "score":
        parts = [f"score_{f}" for f in FAMILIES] if weights is not None else []
        return ["name", "safe_space_score", *parts]
    if key in plans.BASES:
        return ["rank"]
    style = style_classes(key)[0]
    return [style, "mix_suppressed"] if key == "mix" else [style]


def _read_folder(
    path: Path, keys: Sequence[str], hour: int, weights: Mapping[str, float] | None, given: bool
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    gpkg = path / GPKG_NAME if path.is_dir() else path
    if not gpkg.is_file():
        raise InputError(
            "no safespaces.gpkg here",
            fix="give the output folder of 'safespaces run' (it holds safespaces.gpkg)",
            path=path,
        )
    try:
        present = {str(name) for name, _ in pyogrio.list_layers(gpkg)}
        for key in keys:
            if key in plans.BASES and key not in present and not (given and key == "plan_lamps"):
                raise plans.missing(key, path)
        wanted: dict[str, set[str]] = {"street_segments": {"name"}}
        wanted.update({"buildings": set(), "public_spaces": set()})  # the basemap
        for key in keys:
            wanted.setdefault(LAYERS[key][0], set()).update(_columns(key, hour, weights))
        tables: dict[str, pd.DataFrame] = {}
        for table, columns in wanted.items():
            if table in present:
                fields = set(pyogrio.read_info(gpkg, layer=table)["fields"])
                tables[table] = pyogrio.read_dataframe(
                    gpkg, layer=table, columns=sorted(columns & fields)
                )
        metadata = parse_run_metadata(read_metadata(gpkg)) if METADATA_LAYER in present else {}
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(
            f"cannot read it ({exc})", fix="run 'safespaces run' again", path=gpkg
        ) from exc
    return tables, metadata


def _hour(hour: int | None) -> int:
    chosen = DEFAULT_HOUR if hour is None else hour
    if not isinstance(chosen, int | np.integer) or not 0 <= int(chosen) < len(HOUR_COLUMNS):
        raise InputError(
            f"hour {hour!r} is not an hour of the day", fix="give an hour from 0 to 23"
        )
    return int(chosen)


def prepare(
    source: MapSource | str | Path,
    *,
    layer: str | Sequence[str],
    hour: int | None,
    bounds: tuple[float, float, float, float] | None,
    bounds_crs: str | None,
    lang: str,
    paper: str,
    title: str | None,
    weights: Mapping[str, float] | None,
    plan: plans.LampPlanLike | None = None,
) -> Prepared:
    try:
        words.check_language(lang)
    except ValueError as exc:
        raise InputError(str(exc), fix=f"use one of {', '.join(words.LANGUAGES)}") from None
    if paper not in PAPERS:
        raise InputError(f"unknown paper {paper!r}", fix=f"use one of {', '.join(PAPERS)}")
    keys, chosen_hour = _keys(layer, plan is not None), _hour(hour)
    if weights is not None and not any(float(w) > 0 for w in weights.values()):
        raise InputError(
            "all weights of the safe-space score are 0: the score is undefined",
            fix="give at least one family a weight above 0",
        )
    if isinstance(source, str | Path):
        folder: Path | None = Path(source)
        tables, metadata = _read_folder(Path(source), keys, chosen_hour, weights, plan is not None)
    else:
        folder, tables, metadata = None, dict(source.layers), dict(source.metadata)
    segments = tables.get("street_segments")
    if not isinstance(segments, gpd.GeoDataFrame) or segments.empty:
        raise InputError(
            "the run has no street segments",
            fix="print the output of 'safespaces run'"
            + (
                " (a plan is drawn over the run's streets: run 'safespaces run --out DIR' and "
                "the plan with the same --out DIR)"
                if any(k in plans.BASES for k in keys)
                else ""
            ),
            path=folder,
        )
    if plan is not None:
        tables["plan_lamps"] = gpd.GeoDataFrame(plan.lamps).to_crs(segments.crs)
        metadata[plans.SUMMARY_KEYS["plan_lamps"]] = dict(plan.summary)
    crs = metric_crs(segments)
    size = PAPERS[paper]
    frame_mm, legend_mm = page_boxes(size)
    extent = fit_view(bounds, bounds_crs, crs, segments.total_bounds, frame_mm[2] / frame_mm[3])
    features: dict[str, tuple[gpd.GeoDataFrame, np.ndarray]] = {}
    blocks, widths = [], {}
    planned = next((k for k in keys if k in plans.BASES), None)
    for key in keys:
        table, entry_name, _ = LAYERS[key]
        frame = tables.get(table)
        column = HOUR_COLUMNS[chosen_hour] if key == "eyes" else style_classes(key)[0]
        if isinstance(frame, gpd.GeoDataFrame) and key == "score" and weights is not None:
            frame = frame.assign(safe_space_score=composite(frame, weights)["safe_space_score"])
        if key in plans.BASES and not isinstance(frame, gpd.GeoDataFrame):
            raise plans.missing(key, folder)
        if not isinstance(frame, gpd.GeoDataFrame) or (column and column not in frame):
            raise InputError(
                f"the run has no {key} layer ({table}.{column})",
                fix="print a layer the run made, or run the analysis it needs",
            )
        clipped = clip(frame, extent)
        features[key] = (clipped, colours(key, clipped, column))
        name = layer_title(key, chosen_hour, lang)
        if planned and LAYERS[key][0] == "street_segments":
            name = words.text("plan.before", lang, layer=name)
        blocks.append(legend_block(key, name, lang, metadata))
        style = CATALOGUE[entry_name]
        widths[key] = style.style.width if isinstance(style, Layer) and style.style else 0.5
    basemap = {
        name: clip(tables[name], extent)
        for name in ("public_spaces", "buildings")
        if isinstance(tables.get(name), gpd.GeoDataFrame) and not tables[name].empty
    }
    scale, north = ground_factors(crs, extent)
    metres = nice_length((extent[2] - extent[0]) / scale)
    synthetic = tuple(synthetic_inputs(metadata))
    weight_line = ""
    if "score" in keys and weights is not None:
        shown = " · ".join(
            f"{words.text(f'family.{f}', lang)} {words.number(float(weights.get(f, 0)), lang, 1)}"
            for f in FAMILIES
        )
        weight_line = words.text("weights", lang, weights=shown)
    study = str(metadata.get("study_name") or "?")
    plan_title, figures = (
        plans.titles(planned, tables[LAYERS[planned][0]], metadata, lang) if planned else ("", "")
    )
    layout = MapLayout(
        paper=paper,
        size_mm=size,
        frame_mm=frame_mm,
        legend_mm=legend_mm,
        title=title or plan_title or " · ".join(b.title for b in blocks),
        subtitle=words.text("subtitle", lang, study=study, date=run_date(metadata)),
        crs=crs.to_string(),
        extent=extent,
        scale_bar_m=metres,
        scale_label=scale_label(metres, lang),
        scale_factor=scale,
        north_deg=north,
        legend=tuple(blocks),
        sources=sources(metadata, synthetic, lang, crs, weight_line),
        watermark=words.text("synthetic_mark", lang) if synthetic else None,
        synthetic=synthetic,
        drawn={key: len(frame) for key, (frame, _) in features.items()},
        lang=lang,
        figures=figures,
    )
    labels = street_labels(clip(segments, extent), extent)
    to_mm = _paper(layout)
    numbers = {
        key: _numbers(features[key][0], to_mm, layout, widths[key])
        for key in keys
        if key in plans.BASES
    }
    if numbers:  # the street names give way to a plan's points and numbers
        found = np.array([n[:4] for each in numbers.values() for n in each], dtype=float)
        points = to_mm(found[:, :2]) if len(found) else np.zeros((0, 2))
        spots = np.vstack([points, points + found[:, 2:4]]) if len(found) else points
        labels = plans.clear_street_names(labels, spots, to_mm, STREET_LABEL_PT)
    return Prepared(layout, features, basemap, labels, widths, numbers)


def _paper(layout: MapLayout) -> Callable[[np.ndarray], np.ndarray]:
    """Points of the map's CRS ``(n, 2)`` to their places on paper (mm)."""
    x0, y0, x1, _ = layout.extent
    fx, fy, fw, _ = layout.frame_mm
    per_mm = (x1 - x0) / fw  # map units per mm of paper

    def to_mm(xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.column_stack([fx + (xy[:, 0] - x0) / per_mm, fy + (xy[:, 1] - y0) / per_mm])

    return to_mm


def _numbers(
    frame: gpd.GeoDataFrame,
    to_mm: Callable[[np.ndarray], np.ndarray],
    layout: MapLayout,
    diameter_mm: float,
) -> list[tuple[float, float, float, float, str, str, str, bool]]:
    """A plan's points with their rank labels placed beside them (best rank first)."""
    order = np.argsort(pd.to_numeric(frame["rank"], errors="coerce").to_numpy(), kind="stable")
    frame = frame.iloc[order]
    xy = shapely.get_coordinates(shapely.centroid(frame.geometry.to_numpy()))
    texts = plans.ranks(frame)
    placed = plans.place_labels(to_mm(xy), texts, diameter_mm, layout.frame_mm)
    return [
        (float(x), float(y), dx, dy, text, ha, va, leader)
        for (x, y), text, (dx, dy, ha, va, leader) in zip(xy, texts, placed, strict=True)
    ]
