"""What the layers of a printed map mean on paper: the map layers (the app's keys), each
feature's colour and each layer's legend from the catalogue, and the footer's lines (the
date of the run, the inputs and their licences, the SYNTHETIC note)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyproj import CRS

from safespaces.catalogue import CATALOGUE, GREY, Layer, StyleClass
from safespaces.printing import texts as words
from safespaces.synthetic import DEFAULT_OSM, INCIDENT_FILE, TENURE_FILE
from safespaces.version import __version__

#: Map layers, the app's keys, in drawing order: key -> (table, catalogue layer, geometry).
LAYERS: Mapping[str, tuple[str, str, str]] = {
    "mix": ("areas", "areas_mix_entropy", "polygon"),
    "perceived": ("perceived_safety", "perceived_safety", "polygon"),
    "hotspots": ("incident_hotspots", "incident_hotspots", "polygon"),
    "score": ("street_segments", "street_safe_space_score", "line"),
    "lighting": ("street_segments", "street_lighting", "line"),
    "eyes": ("street_segments", "street_eyes_night", "line"),
    "dark": ("dark_paths", "dark_paths", "line"),
    # plans: numbered points over the street layer they were planned on (printing.plans)
    "plan_hours": ("plan_hours", "plan_hours", "point"),
    "plan_lamps": ("plan_lamps", "plan_lamps", "point"),
}
#: Areas whose tenure mix is suppressed (darker than the no-data grey; the app's colour).
SUPPRESSED_GREY = "#8c8c8c"


@dataclasses.dataclass(frozen=True)
class LegendBlock:
    """One layer's legend: its title and ``(label, colour)`` rows, drawn as ``geometry``
    (``line``, ``polygon`` or ``point``: a disc with ``outline``) at the layer's
    ``opacity``."""

    title: str
    rows: tuple[tuple[str, str], ...]
    geometry: str
    opacity: float = 1.0
    outline: str | None = None


def style_classes(key: str) -> tuple[str, tuple[StyleClass, ...]]:
    """The column a map layer is coloured by and its classes, from the catalogue."""
    entry = CATALOGUE[LAYERS[key][1]]
    assert isinstance(entry, Layer) and entry.style is not None
    return entry.style.column, entry.style.classes


def colours(key: str, frame: pd.DataFrame, column: str) -> np.ndarray:
    """Each feature's colour by the catalogue's classes (NULL and unclassed: the catch-all
    class, or no-data grey; suppressed mix: :data:`SUPPRESSED_GREY`)."""
    _, classes = style_classes(key)
    fallback = next((c.colour for c in classes if c.value is None), GREY)
    out = np.full(len(frame), fallback, dtype=object)
    values = frame[column] if column in frame else pd.Series([None] * len(frame), dtype=object)
    ranges = [c for c in classes if isinstance(c.value, tuple)]
    if ranges:
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        for i, c in reversed(list(enumerate(ranges))):
            assert isinstance(c.value, tuple)
            lo, hi = c.value
            out[(x <= hi) & ((x >= lo) if i == 0 else (x > lo))] = c.colour
    else:
        lookup = {str(c.value): c.colour for c in classes if c.value is not None}
        mapped = values.astype(object).map(lambda v: lookup.get(str(v)) if pd.notna(v) else None)
        found = mapped.notna().to_numpy()
        out[found] = mapped.to_numpy()[found]
    if key == "mix" and "mix_suppressed" in frame:
        flags = pd.to_numeric(frame["mix_suppressed"], errors="coerce").fillna(0).to_numpy() > 0
        out[flags] = SUPPRESSED_GREY
    return out


def legend_block(key: str, title: str, lang: str, metadata: Mapping[str, Any]) -> LegendBlock:
    """A layer's complete legend in ``lang``: ranges high to low, then "suppressed" (the
    mix, with the run's ``mix.min_dwellings``) and "no data"; categories in the catalogue's
    order, then the catch-all class (the hot spots': suppressed below the run's ``k_min``)."""
    _, classes = style_classes(key)
    entry = CATALOGUE[LAYERS[key][1]]
    assert isinstance(entry, Layer) and entry.style is not None
    if LAYERS[key][2] == "point":
        return _point_block(key, title, lang, classes, entry.style.outline)
    named = [c for c in classes if c.value is not None]
    catch = next((c for c in classes if c.value is None), None)
    if all(isinstance(c.value, tuple) for c in named):  # graduated: high to low, then no data
        rows = [(words.legend_label(c.label, lang), c.colour) for c in reversed(named)]
        if key == "mix":
            config = metadata.get("config") or {}
            n = (config.get("mix") or {}).get("min_dwellings", "k")
            rows.append((words.text("suppressed_mix", lang, n=n), SUPPRESSED_GREY))
        rows.append((words.text("no_data", lang), GREY))
    else:
        rows = [(words.legend_label(c.label, lang), c.colour) for c in named]
        if key == "hotspots" and catch is not None:
            k = (metadata.get("incidents_privacy") or {}).get("k_min", "k")
            rows.append((words.text("suppressed_incidents", lang, k=k), catch.colour))
        elif key != "dark" and catch is not None:  # every dark path has an evidence class
            rows.append((words.legend_label(catch.label, lang), catch.colour))
    return LegendBlock(title, tuple(rows), LAYERS[key][2], entry.style.opacity)


def _point_block(
    key: str, title: str, lang: str, classes: Sequence[StyleClass], outline: str | None
) -> LegendBlock:
    """A plan's legend: the numbered point (``plan_lamps``) or its rank classes, best first
    (``plan_hours``)."""
    if key == "plan_lamps":
        rows = [(words.text("plan.lamp_row", lang), classes[0].colour)]
    else:
        rows = [
            (words.text("plan.hours_row", lang, ranks=words.legend_label(c.label, lang)), c.colour)
            for c in classes
        ]
        rows[0] = (words.text("plan.hours_best", lang, row=rows[0][0]), rows[0][1])
    return LegendBlock(title, tuple(rows), "point", 1.0, outline)


def layer_title(key: str, hour: int, lang: str) -> str:
    """A map layer's name in ``lang`` (with the hour for ``eyes``)."""
    if key == "eyes":
        return words.text("layer.eyes", lang, hour=f"{hour:02d}")
    return words.text(f"layer.{key}", lang)


def run_date(metadata: Mapping[str, Any]) -> str:
    """When the run was made, in the study's time zone (``2026-12-03 22:05 (Europe/Helsinki)``)."""
    raw = metadata.get("run_time_utc")
    if not isinstance(raw, str):
        return "?"
    try:
        when = dt.datetime.fromisoformat(raw)
        location = metadata.get("location") or {}
        zone = location.get("timezone") if isinstance(location, Mapping) else None
        if zone:
            when = when.astimezone(zoneinfo.ZoneInfo(str(zone)))
        return when.strftime("%Y-%m-%d %H:%M") + (f" ({zone})" if zone else " UTC")
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return raw


def is_embedded(path: str) -> bool:
    """Whether an input's recorded path is a file of the embedded Helsinki default."""
    p = Path(path)
    embedded = {f.name for f in (DEFAULT_OSM, TENURE_FILE, INCIDENT_FILE)}
    return p.name in embedded and p.parent.name == "helsinki" and p.parent.parent.name == "data"


def sources(
    metadata: Mapping[str, Any], synthetic: Sequence[str], lang: str, crs: CRS, weights: str
) -> tuple[str, ...]:
    """The footer's lines: the OSM licence and each input of the run (file name, embedded,
    SYNTHETIC), the SYNTHETIC note, the score's ``weights`` line, the version and the CRS."""
    parts = [words.text("osm_attribution", lang)]
    inputs = metadata.get("inputs") or {}
    for name, item in inputs.items() if isinstance(inputs, Mapping) else ():
        label = words.text(f"input.{name}", lang) if f"input.{name}" in words.TEXTS else name
        if isinstance(item, Mapping) and item.get("path"):
            what = Path(str(item["path"])).name
            if is_embedded(str(item["path"])):
                what += f", {words.text('input.embedded', lang)}"
        else:
            what = words.text("input.frame", lang)
        mark = f", {words.text('synthetic_input', lang)}" if name in synthetic else ""
        parts.append(f"{label}: {what}{mark}")
    lines = [f"{words.text('sources', lang)}: " + " · ".join(parts)]
    if synthetic:
        names = ", ".join(
            words.text(f"input.{n}", lang) if f"input.{n}" in words.TEXTS else n for n in synthetic
        )
        lines.append(words.text("synthetic_note", lang, inputs=names))
    if weights:
        lines.append(weights)
    authority = crs.to_authority()
    crs_name = ":".join(authority) if authority else crs.name
    lines.append(words.text("made_with", lang, version=__version__, crs=f"{crs_name} {crs.name}"))
    return tuple(lines)
