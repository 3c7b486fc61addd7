"""The catalogue of output layers: names, columns, units, descriptions and styles.

One catalogue drives both the app's legends and the QGIS styles, so web and
desktop symbology never drift. Each :class:`Layer` is one styled view of a
GeoPackage table: the entry whose ``name`` equals its ``table`` is the table's
own entry (its columns, its default style in the GeoPackage); further entries
show the same table styled by another column (street segments by light class,
by eyes at night, by incident rate ...). Adding a layer or a column is one entry.

A column or layer the catalogue lists but a run did not produce is skipped by
the export; a layer a run produced that the catalogue does not list still gets
a plain style and a place in the project (see :func:`entry_for`).

Colours: colour-blind safe, and one hue family per measure, so that no colour means
two things on the map: viridis for eyes on the street (eight classes on the absolute
0-100 scale, finer at the low end, so that the night streets are told apart), YlOrBr
(yellow = bright, brown = dim, black = unlit) for lighting, cividis for the composite
score, ColorBrewer Purples for the tenure mix of areas, reds for the dark paths, RdBu
for hot/cold spots, ColorBrewer Dark2 for street types.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterable, Mapping
from typing import Literal

from safespaces.eyes.vocabulary import (
    ACTIVE_PATTERN,
    HOUR_PATTERN,
    WINDOWS,
    window_column,
    window_span,
)
from safespaces.incidents.hotspots import CLASSES as HOTSPOT_CLASS_NAMES
from safespaces.incidents.hotspots import NO_DATA, NOT_SIGNIFICANT, class_parts
from safespaces.lighting.params import CONTEXTS
from safespaces.lighting.vocabulary import (
    BELOW_P6,
    CONFLICT_NO_BUT_LAMPS,
    CONFLICT_NONE,
    CONFLICT_UNKNOWN,
    CONFLICT_YES_NO_LAMPS,
    EVIDENCE_MAPPED,
    EVIDENCE_NO_LAMP_DATA,
    EVIDENCE_NOT_MAPPED,
    LIT_NOT_MAPPED,
    NO_LAMP_DATA,
    P_CLASSES,
    UNLIT,
    lux_ramp_labels,
)
from safespaces.mix.params import MixParams, mix_column
from safespaces.sources.tenure import TENURE_PREFIX
from safespaces.survey.divergence import (
    BOTH_GOOD,
    BOTH_POOR,
    FEELS_SAFE_MEASURES_POOR,
    FEELS_UNSAFE_MEASURES_GOOD,
    MEASURES_MIDDLE,
    UNCERTAIN,
)

Geometry = Literal["line", "polygon", "point", "none"]
StyleKind = Literal["categorized", "graduated", "single"]

#: Attribution of OpenStreetMap data, which every layer derives from (in ``run_metadata``,
#: on the maps of ``explore`` and the app).
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

#: Project groups, in the order the QGIS layer tree shows them (top first).
GROUPS: tuple[str, ...] = (
    "Plan",
    "Streets",
    "Lighting",
    "Eyes on the street",
    "Social mix",
    "Incidents",
    "Perceived safety",
    "Areas",
)

#: Fill of water areas (the basemap's blue, as OpenStreetMap's standard map draws water).
WATER_COLOUR = "#aad3df"

#: viridis in five steps (colour-blind safe, prints in grey).
VIRIDIS_5: tuple[str, ...] = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
#: viridis in eight steps (the eyes-on-the-street classes).
VIRIDIS_8: tuple[str, ...] = (
    "#440154",
    "#46327e",
    "#365c8d",
    "#277f8e",
    "#1fa187",
    "#4ac16d",
    "#a0da39",
    "#fde725",
)
#: cividis in five steps (the composite safe-space score: a hue of its own).
CIVIDIS_5: tuple[str, ...] = ("#00224e", "#434e6c", "#7d7c78", "#bcae6c", "#fee838")
#: ColorBrewer Purples, five classes (the tenure mix of areas).
PURPLES_5: tuple[str, ...] = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
#: ColorBrewer RdBu, five classes (hot = red, cold = blue).
RDBU_5: tuple[str, ...] = ("#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac")
#: Colour of "no data" / "other" classes.
GREY = "#bdbdbd"
#: Colours of the classes of ``illuminance.tif``, darkest first (one per class of
#: :func:`safespaces.lighting.vocabulary.lux_edges`, plus the class below the first edge).
ILLUMINANCE_COLOURS: tuple[str, ...] = (
    "#0b0c2a",
    "#2c2f6b",
    "#5b3f8c",
    "#9a4f8f",
    "#d3647a",
    "#f08a5d",
    "#f8c15c",
    "#fdf5a6",
)
#: Classes of ``illuminance.tif``: (upper bound in lux, colour, label), at the EN 13201-2
#: P-class minimum and averages (from the lighting vocabulary).
ILLUMINANCE_RAMP: tuple[tuple[float, str, str], ...] = tuple(
    (upper, colour, label)
    for (_, upper, label), colour in zip(lux_ramp_labels(), ILLUMINANCE_COLOURS, strict=True)
)


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of an output layer.

    ``name`` may be a shell pattern (``tenure_*``, ``eyes_h??``) for families
    of columns whose names depend on the configuration.
    """

    name: str
    unit: str
    description: str

    def matches(self, column: str) -> bool:
        """True when ``column`` is this column (or matches its pattern)."""
        return fnmatch.fnmatchcase(column, self.name)


@dataclasses.dataclass(frozen=True)
class StyleClass:
    """One legend class: a category value or a ``(lower, upper)`` range.

    A category value of ``None`` is the catch-all class (every other value and
    NULL).
    """

    value: str | tuple[float, float] | None
    label: str
    colour: str


@dataclasses.dataclass(frozen=True)
class Style:
    """How a layer is drawn.

    Parameters
    ----------
    kind
        ``categorized`` (one colour per value), ``graduated`` (ranges of a
        number) or ``single`` (one symbol).
    column
        The column styled (empty for ``single``).
    classes
        Legend classes in legend order; a ``single`` style has one class (its colour).
    width
        Line width or point size in millimetres (lines and points).
    outline
        Outline colour of polygons and points (``None``: no outline).
    opacity
        Layer opacity, 0..1.
    """

    kind: StyleKind
    column: str
    classes: tuple[StyleClass, ...]
    width: float = 0.5
    outline: str | None = "#4d4d4d"
    opacity: float = 1.0

    def __post_init__(self) -> None:
        if self.kind != "single" and not self.column:
            raise ValueError(f"a {self.kind} style needs a column")
        if not self.classes:
            raise ValueError("a style needs at least one class")
        if self.kind == "graduated" and not all(isinstance(c.value, tuple) for c in self.classes):
            raise ValueError("graduated classes need (lower, upper) values")


@dataclasses.dataclass(frozen=True)
class Layer:
    """One styled vector layer (a view of a GeoPackage table).

    Attributes
    ----------
    name
        Unique name; equal to ``table`` for the table's own entry.
    title
        Human title (QGIS layer name and metadata title).
    geometry
        ``line``, ``polygon``, ``point`` or ``none`` (attribute table).
    group
        Project group (one of :data:`GROUPS`).
    abstract
        What the layer shows, in plain words.
    columns
        Columns with units and descriptions (the table's entry lists them).
    style
        How it is drawn (``None`` for attribute tables).
    synthetic_from
        Inputs its values come from; when the run's ``synthetic_inputs``
        include one, the layer is flagged SYNTHETIC.
    table
        GeoPackage table; defaults to ``name``.
    visible
        Checked in the project when it opens.
    """

    name: str
    title: str
    geometry: Geometry
    group: str
    abstract: str
    columns: tuple[Column, ...] = ()
    style: Style | None = None
    synthetic_from: tuple[str, ...] = ()
    table: str = ""
    visible: bool = True

    def __post_init__(self) -> None:
        if not self.table:
            object.__setattr__(self, "table", self.name)
        if self.group not in GROUPS:
            raise ValueError(f"layer {self.name}: unknown group {self.group!r}")
        if self.geometry != "none" and self.style is None:
            raise ValueError(f"layer {self.name}: a spatial layer needs a style")

    @property
    def is_table_entry(self) -> bool:
        """True for the table's own entry (not a second view of it)."""
        return self.name == self.table


@dataclasses.dataclass(frozen=True)
class Raster:
    """One GeoTIFF output (``<name>.tif``) and its colour ramp.

    ``ramp`` values are ``(lower, upper)`` of discrete classes (``inf`` upper for
    the last) when ``interpolated`` is false; when it is true they are fractions of
    the raster's robust maximum (its 99th percentile of positive cells) at which
    colours are interpolated (only the upper value is used). With ``clear_first``
    the first class is transparent, so the darkest or emptiest cells show the
    layers below.
    """

    name: str
    title: str
    group: str
    unit: str
    abstract: str
    ramp: tuple[StyleClass, ...]
    interpolated: bool = False
    clear_first: bool = True
    opacity: float = 0.85
    synthetic_from: tuple[str, ...] = ()
    visible: bool = True

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"raster {self.name}: unknown group {self.group!r}")


Entry = Layer | Raster


def _graduated(
    edges: Iterable[float], colours: Iterable[str], *, fmt: str = "{:g}"
) -> tuple[StyleClass, ...]:
    """Classes between consecutive ``edges`` with labels ``a - b``."""
    e = list(edges)
    return tuple(
        StyleClass((lo, hi), f"{fmt.format(lo)} - {fmt.format(hi)}", colour)
        for lo, hi, colour in zip(e[:-1], e[1:], colours, strict=True)
    )


def _single(colour: str) -> tuple[StyleClass, ...]:
    return (StyleClass(None, "all", colour),)


#: Street types, coloured as the app's map (ColorBrewer Dark2).
HIGHWAY_CLASSES: tuple[StyleClass, ...] = (
    StyleClass("primary", "primary", "#d95f02"),
    StyleClass("primary_link", "primary link", "#d95f02"),
    StyleClass("secondary", "secondary", "#e7298a"),
    StyleClass("tertiary", "tertiary", "#e6ab02"),
    StyleClass("tertiary_link", "tertiary link", "#e6ab02"),
    StyleClass("residential", "residential", "#7570b3"),
    StyleClass("unclassified", "unclassified", "#7570b3"),
    StyleClass("service", "service", "#a6a6a6"),
    StyleClass("footway", "footway", "#1b9e77"),
    StyleClass("pedestrian", "pedestrian street", "#1b9e77"),
    StyleClass("path", "path", "#66a61e"),
    StyleClass("steps", "steps", "#66a61e"),
    StyleClass("cycleway", "cycleway", "#377eb8"),
    StyleClass(None, "other", GREY),
)

#: Colours of the EN 13201-2 P classes, brightest first (ColorBrewer YlOrBr: yellow is
#: bright, brown is dim; black is unlit).
P_CLASS_COLOURS: tuple[str, ...] = (
    "#fec44f",
    "#fe9929",
    "#ec7014",
    "#cc4c02",
    "#993404",
    "#662506",
)
#: EN 13201-2 P classes (brightest first), then the unclassed cases.
LIGHT_CLASSES: tuple[StyleClass, ...] = (
    *(
        StyleClass(name, f"{name} (avg >= {avg:g} lx)", colour)
        for (name, avg, _), colour in zip(P_CLASSES, P_CLASS_COLOURS, strict=True)
    ),
    StyleClass(BELOW_P6, f"{BELOW_P6} (lamps, too dim)", "#525252"),
    StyleClass(UNLIT, "unlit (no lamp reaches it)", "#000000"),
    StyleClass(LIT_NOT_MAPPED, "tagged lit, lamps not mapped", "#4393c3"),
    StyleClass(NO_LAMP_DATA, "no lamp data (lamps not mapped here)", "#bdbdbd"),
    StyleClass(None, "no data", GREY),
)

TAG_CONFLICT_CLASSES: tuple[StyleClass, ...] = (
    StyleClass(CONFLICT_NONE, "tag agrees with lamps", "#d9d9d9"),
    StyleClass(CONFLICT_UNKNOWN, "no lit tag", "#969696"),
    StyleClass(CONFLICT_YES_NO_LAMPS, "tagged lit, no lamps mapped", "#e66101"),
    StyleClass(CONFLICT_NO_BUT_LAMPS, "tagged unlit, lamps nearby", "#5e3c99"),
    StyleClass(None, "other", GREY),
)


def _hotspot_label(name: str) -> str:
    """Legend label of a hot-spot class: ``hot 99%`` -> ``hot spot (99 %)``."""
    parts = class_parts(name)
    if parts is None:
        return NO_DATA_LABEL if name == NO_DATA else NOT_SIGNIFICANT
    return f"{parts[0]} spot ({parts[1]} %)"


#: Legend label of :data:`~safespaces.incidents.hotspots.NO_DATA`.
NO_DATA_LABEL = "no data (no street, no incident)"


#: Hot-spot classes, hottest to coldest (RdBu), then the suppressed units.
HOTSPOT_CLASSES: tuple[StyleClass, ...] = (
    *(
        StyleClass(name, _hotspot_label(name), colour)
        for name, colour in zip(HOTSPOT_CLASS_NAMES, RDBU_5, strict=True)
    ),
    StyleClass(NO_DATA, _hotspot_label(NO_DATA), "#f0f0f0"),
    StyleClass(None, "suppressed / no data", GREY),
)

#: Legend labels of the lamp contexts (:data:`safespaces.lighting.params.CONTEXTS`).
LAMP_CONTEXT_LABELS: Mapping[str, str] = {
    "street": "street lamp",
    "park_path": "park path lamp",
    "pedestrian": "pedestrian area lamp",
}
#: Colours of the lamp contexts, in the order of ``CONTEXTS``.
LAMP_CONTEXT_COLOURS: tuple[str, ...] = ("#fdb863", "#b2abd2", "#e66101")

#: Class edges of the eyes-on-the-street index: absolute 0..100, finer at the low end
#: (on the Helsinki default no class holds more than a third of the streets at any hour;
#: with five equal classes, 74 % of them fell in the lowest at 23:00).
EYES_EDGES: tuple[float, ...] = (0, 1, 2.5, 5, 10, 20, 30, 50, 100)
#: Eyes-on-the-street index in eight classes (viridis).
EYES_CLASSES = _graduated(EYES_EDGES, VIRIDIS_8)
#: The composite safe-space score, 0..100 in five equal classes (cividis).
#: Classes of the ``divergence`` of perceived safety: ColorBrewer RdBu (diverging), feeling
#: unsafe on the red side, feeling safe on the blue side, undecided in the pale middle.
DIVERGENCE_CLASSES: tuple[StyleClass, ...] = (
    StyleClass(FEELS_UNSAFE_MEASURES_GOOD, FEELS_UNSAFE_MEASURES_GOOD, "#b2182b"),
    StyleClass(BOTH_POOR, BOTH_POOR, "#ef8a62"),
    StyleClass(UNCERTAIN, UNCERTAIN, "#f7f7f7"),
    StyleClass(MEASURES_MIDDLE, MEASURES_MIDDLE, "#e0e0e0"),
    StyleClass(BOTH_GOOD, BOTH_GOOD, "#67a9cf"),
    StyleClass(FEELS_SAFE_MEASURES_POOR, FEELS_SAFE_MEASURES_POOR, "#2166ac"),
    StyleClass(None, "suppressed (fewer than k respondents) or no measure", GREY),
)

SCORE_CLASSES = _graduated((0, 20, 40, 60, 80, 100), CIVIDIS_5, fmt="{:.0f}")
#: Normalised tenure entropy of areas, 0..1 in five classes (Purples).
MIX_CLASSES = _graduated((0, 0.2, 0.4, 0.6, 0.8, 1.0), PURPLES_5, fmt="{:.1f}")
#: Shares 0..1 in five classes.
SHARE_CLASSES = _graduated((0, 0.2, 0.4, 0.6, 0.8, 1.0), VIRIDIS_5, fmt="{:.1f}")

_SEGMENT_BASE = (
    Column("segment_id", "", "segment identifier"),
    Column("osm_way_id", "", "OpenStreetMap way id"),
    Column("u", "", "start node"),
    Column("v", "", "end node"),
    Column("name", "", "street name (OSM)"),
    Column("highway", "", "OSM highway type"),
    Column("lit_tag", "", "OSM lit tag"),
    Column("sidewalk", "", "OSM sidewalk tag"),
    Column("footway", "", "OSM footway tag"),
    Column("length_m", "m", "segment length"),
)
_SEGMENT_LIGHT = (
    Column("light_lux_avg", "lx", "average horizontal illuminance"),
    Column("light_lux_min", "lx", "minimum horizontal illuminance"),
    Column("light_uniformity", "ratio", "minimum / average illuminance"),
    Column("light_lamps_per_100m", "lamps per 100 m", "lamps lighting the segment"),
    Column("light_class", "", "best EN 13201-2 P class met, or why none"),
    Column("light_tag_conflict", "", "OSM lit tag against mapped lamps"),
    Column(
        "light_lamp_coverage",
        "share",
        "share of lit or main streets in the segment's cell reached by a mapped lamp",
    ),
)
_SEGMENT_EYES = (
    Column("eyes_frontage_share", "share", "share of length facing a building façade"),
    Column("eyes_doors", "count", "doors (entrances, premises) facing the segment"),
    Column("eyes_doors_per_100m", "per 100 m", "doors per 100 m"),
    Column("eyes_residents", "persons", "residents behind the façades facing it"),
    Column("eyes_residents_per_100m", "persons per 100 m", "residents per 100 m"),
    Column(ACTIVE_PATTERN, "count", "premises open in that hour"),
    Column("eyes_premises", "count", "premises facing the segment"),
    Column("eyes_flow_*", "index", "pedestrian flow potential within that distance"),
    Column("eyes_light", "0..1", "light factor from the lighting analysis"),
    Column(HOUR_PATTERN, "0..100", "eyes-on-the-street index in that hour"),
    *(
        Column(window_column(w), "0..100", f"eyes-on-the-street index {window_span(w)}")
        for w in WINDOWS
    ),
    Column("eyes_explain", "", "the segment's weakest components"),
)
_INCIDENT_COUNTS = (
    Column("incidents_*_suppressed", "flag", "count of 1..k-1 withheld (NULL) for privacy"),
    Column("incidents_suppressed", "flag", "count of 1..k-1 withheld (NULL) for privacy"),
    Column("incidents_count", "incidents", "incidents in the whole period"),
    Column("incidents_day", "incidents", "incidents in daylight"),
    Column("incidents_evening", "incidents", "incidents in the evening"),
    Column("incidents_night", "incidents", "incidents at night"),
    Column("incidents_hour_unknown", "incidents", "incidents without a time of day"),
    Column(
        "incidents_week*",
        "incidents",
        "incidents on weekdays / at weekends (week_unknown: a month or year only)",
    ),
    Column("incidents_month_??", "incidents", "incidents in that month"),
    Column("incidents_month_unknown", "incidents", "incidents with a year only (month unknown)"),
    Column("incidents_cat_*", "incidents", "incidents of that category"),
    Column("incidents_per_100m", "per 100 m", "crude rate per 100 m of street"),
    Column("incidents_per_100m_eb", "per 100 m", "empirical-Bayes rate per 100 m of street"),
)

#: Walking radii of the mix_neighbourhoods layer: styled by the longest default radius.
_SHORT_M, _NEAR_M = min(MixParams().radii_m), max(MixParams().radii_m)

LAYERS: tuple[Layer, ...] = (
    # --- Streets ---------------------------------------------------------
    Layer(
        "street_segments",
        "Streets and paths",
        "line",
        "Streets",
        "Walking network from OpenStreetMap, split into segments, by street type. "
        "The table also carries the lighting, eyes-on-the-street and incident columns.",
        (*_SEGMENT_BASE, *_SEGMENT_LIGHT, *_SEGMENT_EYES, *_INCIDENT_COUNTS),
        Style("categorized", "highway", HIGHWAY_CLASSES, width=0.4),
        visible=False,
    ),
    Layer(
        "buildings",
        "Buildings",
        "polygon",
        "Streets",
        "Building footprints from OpenStreetMap with estimated residents.",
        (
            Column("building_id", "", "building identifier"),
            Column("building", "", "OSM building tag"),
            Column("use", "", "building use"),
            Column("levels", "floors", "building levels"),
            Column("height_m", "m", "height"),
            Column("flats", "dwellings", "OSM flats tag"),
            Column("premises", "", "premises tag of the building's own outline"),
            Column("footprint_m2", "m²", "footprint area"),
            Column("landuse", "", "OSM land use around the building"),
            Column("lodging", "", "a hotel, hostel or guest house lies in it"),
            Column("residents_est", "persons", "estimated residents"),
        ),
        Style("single", "", _single("#cccccc"), outline="#969696"),
    ),
    Layer(
        "water",
        "Water",
        "polygon",
        "Streets",
        "Lakes, ponds, rivers, basins and reservoirs mapped as areas in OpenStreetMap "
        "(the basemap; the sea is not drawn).",
        (
            Column("water_id", "", "water area identifier"),
            Column("kind", "", "water, riverbank, basin or reservoir (the OSM tag)"),
            Column("name", "", "name (OSM)"),
        ),
        Style("single", "", _single(WATER_COLOUR), outline=None),
    ),
    # --- Lighting --------------------------------------------------------
    Layer(
        "street_lighting",
        "Street lighting (EN 13201-2 class)",
        "line",
        "Lighting",
        "Each walking segment's best EN 13201-2 P class met by the modelled lamps.",
        style=Style("categorized", "light_class", LIGHT_CLASSES, width=0.6),
        table="street_segments",
    ),
    Layer(
        "street_lit_tag_conflicts",
        "OSM lit tag against mapped lamps",
        "line",
        "Lighting",
        "Where the OpenStreetMap lit tag and the mapped lamps disagree.",
        style=Style("categorized", "light_tag_conflict", TAG_CONFLICT_CLASSES, width=0.6),
        table="street_segments",
        visible=False,
    ),
    Layer(
        "lamps",
        "Street lamps",
        "point",
        "Lighting",
        "Lamps from OpenStreetMap or the lamp register, with the modelled height and "
        "intensity (and where each value came from).",
        (
            Column("lamp_id", "", "lamp identifier"),
            Column("source", "", "osm or register"),
            Column("lamp_ref", "", "the lamp register's own lamp id (text; empty for OSM lamps)"),
            Column("light_context", "", "street, park path or pedestrian area"),
            Column("light_height_m", "m", "modelled mounting height"),
            Column("light_intensity_cd", "cd", "modelled peak intensity"),
            Column("light_source_of_values", "", "where height and intensity came from"),
        ),
        Style(
            "categorized",
            "light_context",
            (
                *(
                    StyleClass(context, LAMP_CONTEXT_LABELS[context], colour)
                    for context, colour in zip(CONTEXTS, LAMP_CONTEXT_COLOURS, strict=True)
                ),
                StyleClass(None, "other", GREY),
            ),
            width=1.2,
            outline="#252525",
        ),
    ),
    Layer(
        "public_spaces",
        "Parks and squares: share of paths lit to P6",
        "polygon",
        "Lighting",
        "Parks, squares and pedestrian areas with the share of their path length lit "
        "to EN 13201-2 P6 or better.",
        (
            Column("space_id", "", "public space identifier"),
            Column("kind", "", "park, square, pedestrian area ..."),
            Column("name", "", "name (OSM)"),
            Column("light_path_length_m", "m", "length of walking paths inside"),
            Column("light_share_p6_or_better", "share", "share of path length lit to P6+"),
            Column("light_dark_path_length_m", "m", "path length below P6 or unlit"),
            Column("light_unknown_path_length_m", "m", "path length tagged lit, no lamps"),
            Column("light_lux_avg", "lx", "length-weighted average illuminance"),
        ),
        Style("graduated", "light_share_p6_or_better", SHARE_CLASSES, opacity=0.7),
    ),
    Layer(
        "dark_paths",
        "Darkest paths in parks and squares",
        "line",
        "Lighting",
        "The darkest stretches of paths in parks and squares, ranked.",
        (
            Column("dark_rank", "rank", "darkness rank (1 = darkest)"),
            Column("segment_id", "", "street segment (street_segments.segment_id)"),
            Column("space_id", "", "park or square (public_spaces.space_id)"),
            Column("space_name", "", "name of the park or square (OSM)"),
            Column("space_kind", "", "park, square, pedestrian area ..."),
            Column("length_m", "m", "length of the path inside the park or square"),
            Column("light_lux_mean", "lx", "mean illuminance"),
            Column("light_lux_max", "lx", "maximum illuminance"),
            Column(
                "light_evidence",
                "",
                "evidence of darkness: mapped lamps, tagged lit without lamps, or no lamp data",
            ),
            Column("lit_tag", "", "OSM lit tag"),
            Column("light_tag_conflict", "", "OSM lit tag against mapped lamps"),
        ),
        Style(
            "categorized",
            "light_evidence",
            (
                StyleClass(EVIDENCE_MAPPED, f"dark ({EVIDENCE_MAPPED})", "#ce1256"),
                StyleClass(EVIDENCE_NOT_MAPPED, EVIDENCE_NOT_MAPPED, "#df65b0"),
                StyleClass(EVIDENCE_NO_LAMP_DATA, "no lamp data (not mapped here)", "#bdbdbd"),
                StyleClass(None, "other", GREY),
            ),
            width=1.2,
        ),
    ),
    Layer(
        "light_darkness",
        "Hours of darkness per day",
        "none",
        "Lighting",
        "Sunrise, sunset, civil twilight and hours of darkness for every day of the year.",
        (Column("darkness_h", "h", "hours of darkness"),),
    ),
    Layer(
        "light_class_shares",
        "Walking length by lighting class",
        "none",
        "Lighting",
        "Walking length and share per EN 13201-2 class.",
        (Column("length_m", "m", "walking length"), Column("share", "share", "share of length")),
    ),
    Layer(
        "light_tag_conflicts",
        "OSM lit tag conflicts (summary)",
        "none",
        "Lighting",
        "Segments and length per lit-tag conflict type.",
    ),
    # --- Eyes on the street ----------------------------------------------
    *(
        Layer(
            f"street_{window_column(window)}",
            f"Eyes on the street: {window}",
            "line",
            "Eyes on the street",
            f"Eyes-on-the-street index {window_span(window)} (0-100, absolute scale): façades, "
            "doors, residents, open premises, pedestrian flow and light.",
            style=Style("graduated", window_column(window), EYES_CLASSES, width=0.6),
            table="street_segments",
            visible=False,
        )
        for window in tuple(WINDOWS)[::-1]  # night first
    ),
    # --- Social mix ------------------------------------------------------
    Layer(
        "areas_mix_entropy",
        "Tenure mix (entropy)",
        "polygon",
        "Social mix",
        "Normalised Shannon entropy of dwellings by tenure (0 = one tenure, 1 = even mix); "
        "areas below mix.min_dwellings are suppressed.",
        style=Style(
            "graduated", mix_column("entropy"), MIX_CLASSES, opacity=0.75, outline="#ffffff"
        ),
        synthetic_from=("tenure",),
        table="areas",
    ),
    Layer(
        "mix_summary",
        "Segregation indices (city)",
        "none",
        "Social mix",
        "The city's global segregation indices with permutation p-values.",
        synthetic_from=("tenure",),
    ),
    Layer(
        "mix_neighbourhoods",
        f"Tenure mix within an {_NEAR_M:g} m walk",
        "point",
        "Social mix",
        "For each building with tenure data: the normalised tenure entropy of the dwellings "
        f"within an {_NEAR_M:g} m walk ({mix_column('entropy', _NEAR_M)}; "
        f"{_SHORT_M:g} m in {mix_column('entropy', _SHORT_M)}). Neighbourhoods "
        "below mix.min_dwellings are suppressed. No counts are published here.",
        style=Style("graduated", mix_column("entropy", _NEAR_M), SHARE_CLASSES, opacity=0.9),
        synthetic_from=("tenure",),
        visible=False,
    ),
    # --- Composite safe-space score ----------------------------------------
    Layer(
        "street_safe_space_score",
        "Safe-space score (streets)",
        "line",
        "Streets",
        "Composite safe-space score 0..100: the weighted mean of the light, eyes, mix and "
        "incident scores available (safespaces.indices); parts in score_<family>.",
        (
            Column("safe_space_score", "0..100", "composite safe-space score"),
            Column("safe_space_parts", "families", "families that contributed"),
            Column("score_light", "0..100", "light score (EN 13201-2 P4 = 100)"),
            Column("score_light_unknown", "", "light unknown (lamps not mapped): left out"),
            Column("score_eyes", "0..100", "eyes on the street at night"),
            Column("score_mix", "0..100", "tenure mix of the area x 100"),
            Column("score_incidents", "0..100", "100 r0 / (r0 + r), r = incidents per 100 m"),
        ),
        Style("graduated", "safe_space_score", SCORE_CLASSES, width=0.6),
        synthetic_from=("tenure", "incidents"),
        table="street_segments",
        visible=False,
    ),
    Layer(
        "areas_safe_space_score",
        "Safe-space score (areas)",
        "polygon",
        "Areas",
        "Composite safe-space score 0..100 per area (length-weighted street scores, the "
        "area's tenure mix and its smoothed incident rate).",
        style=Style(
            "graduated", "safe_space_score", SCORE_CLASSES, opacity=0.75, outline="#ffffff"
        ),
        synthetic_from=("tenure", "incidents"),
        table="areas",
        visible=False,
    ),
    # --- Incidents -------------------------------------------------------
    Layer(
        "incident_hotspots",
        "Incident hot and cold spots (Gi*)",
        "polygon",
        "Incidents",
        "Getis-Ord Gi* hot and cold spots of incident counts with a false-discovery-rate "
        "correction. Incidents are recorded where they are reported, not where risk is.",
        (
            Column("incidents_count", "incidents", "incidents in the whole period"),
            Column("hotspot_gi_z", "z", "Getis-Ord Gi* z-score (binary weights)"),
            Column(
                "hotspot_p_sim",
                "p",
                "two-sided permutation p-value, ties counted (empty: not tested, "
                "no incident around)",
            ),
            Column("hotspot_q", "q", "FDR-adjusted p-value over the tested units"),
            Column("hotspot_class", "", "hot / cold at 99 % or 95 %, or not significant"),
        ),
        Style("categorized", "hotspot_class", HOTSPOT_CLASSES, opacity=0.75),
        synthetic_from=("incidents",),
        visible=False,
    ),
    Layer(
        "areas_incident_rate",
        "Incidents per 1,000 residents (smoothed)",
        "polygon",
        "Incidents",
        "Empirical-Bayes smoothed incidents per 1,000 residents; small counts suppressed.",
        style=Style(
            "graduated",
            "incidents_per_1000_eb",
            _graduated((0, 50, 100, 200, 400, 1e9), VIRIDIS_5, fmt="{:.0f}"),
            opacity=0.75,
            outline="#ffffff",
        ),
        synthetic_from=("incidents",),
        table="areas",
        visible=False,
    ),
    Layer(
        "street_incident_rate",
        "Incidents per 100 m of street (smoothed)",
        "line",
        "Incidents",
        "Empirical-Bayes smoothed incidents per 100 m of street; small counts suppressed.",
        style=Style(
            "graduated",
            "incidents_per_100m_eb",
            _graduated((0, 1, 2, 4, 8, 1e9), VIRIDIS_5, fmt="{:.0f}"),
            width=0.6,
        ),
        synthetic_from=("incidents",),
        table="street_segments",
        visible=False,
    ),
    *(
        Layer(
            name,
            title,
            "none",
            "Incidents",
            abstract,
            synthetic_from=("incidents",),
        )
        for name, title, abstract in (
            (
                "incident_environment",
                "Incident rates by environment",
                "Rates by light class and eyes-on-the-street level, with exact Poisson intervals.",
            ),
            (
                "incident_model",
                "Incident count model",
                "Negative binomial count model: association, not cause.",
            ),
            ("incident_summary", "Incident summary", "Counts read, dropped and suppressed."),
        )
    ),
    # --- Plan: opening hours and tenure (plan hours, plan tenure) ----------
    Layer(
        "plan_hours",
        "Plan: premises to keep open later",
        "point",
        "Plan",
        "Premises proposed to stay open until a later hour, ranked by the need-weighted eyes "
        "on the street they add in the hours of darkness (dark x busy x near homes).",
        (
            Column("rank", "", "order of the proposal (1 = largest gain)"),
            Column("premises_row", "", "position of the premises among the study's premises"),
            Column("premises_id", "", "identifier of the premises (the study's poi_id)"),
            Column("osm_type", "", "OSM element type of the premises"),
            Column("osm_id", "", "OSM id of the premises"),
            Column("name", "", "name of the premises (OSM)"),
            Column("category", "", "category of the premises (OSM)"),
            Column("closes_now", "h", "clock hour it closes now on the eyes weekday"),
            Column("closes_proposed", "h", "proposed closing hour"),
            Column("opening_hours", "", "opening hours now (as tagged, or the category default)"),
            Column("opening_hours_proposed", "", "opening hours with the later closing"),
            Column("segment", "", "position of the street segment it is a door of"),
            Column(
                "gain",
                "index points",
                "rise of the need-weighted dark-hour eyes, given the premises ranked before",
            ),
            Column("cumulative_gain", "index points", "rise of the first rank proposals"),
        ),
        Style(
            "graduated",
            "rank",
            tuple(
                StyleClass((lo, hi), label, colour)
                for (lo, hi), label, colour in zip(
                    ((0.5, 5.5), (5.5, 10.5), (10.5, 25.5), (25.5, 50.5), (50.5, 1e9)),
                    ("1-5", "6-10", "11-25", "26-50", "51 and more"),
                    VIRIDIS_5[::-1],
                    strict=True,
                )
            ),
            width=3.0,
            outline="#000000",
        ),
    ),
    Layer(
        "plan_tenure",
        "Plan: tenure split of a development",
        "none",
        "Plan",
        "The split of a planned development's dwellings among the tenure targets' policy "
        "groups closest to the targets at its area and 400/800 m walks, with the mix indices "
        "before and after.",
        (
            Column("scope", "", "development, area, neighbourhood, walk_400m, walk_800m or city"),
            Column("area", "", "the area holding the development"),
            Column("metric", "", "index, share, gap or dwellings of the development"),
            Column("before", "", "value before the development"),
            Column("after", "", "value with the proposed split"),
            Column("change", "", "after - before"),
        ),
        synthetic_from=("tenure",),
    ),
    # --- end of Plan: opening hours and tenure ---------------------------
    # --- Perceived safety --------------------------------------------------
    Layer(
        "perceived_safety",
        "Perceived safety beside the measures",
        "polygon",
        "Perceived safety",
        "Share of survey respondents feeling unsafe per area (95 % Wilson intervals), beside "
        "the composite score and its parts, and where feeling and evidence part. Areas with "
        "fewer than survey.k_min respondents are suppressed; no respondent point is written.",
        (
            Column("area_id", "", "area identifier"),
            Column("name", "", "area name"),
            Column("survey_respondents*", "persons", "respondents (NULL: suppressed)"),
            Column("survey_share_unsafe*", "share", "share rating 1..survey.unsafe_max_rating"),
            Column("survey_share_unsafe*_low", "share", "lower end of the Wilson interval"),
            Column("survey_share_unsafe*_high", "share", "upper end of the Wilson interval"),
            Column(
                "survey_suppressed*",
                "flag",
                "fewer than k respondents, or hidden to protect such a cell",
            ),
            Column(
                "measure*",
                "0..100",
                "the measure compared (overall: safe_space_score; "
                "evening/night: eyes and light of that period)",
            ),
            Column("measure_class*", "", "good / middle / poor (thirds of the study's areas)"),
            Column("feeling*", "", "unsafe / safe / uncertain against the study's share"),
            Column("divergence*", "", "where feeling and measures part (docs/perceived.md)"),
            Column("survey_synthetic", "flag", "the survey is SYNTHETIC"),
        ),
        Style("categorized", "divergence", DIVERGENCE_CLASSES, opacity=0.8, outline="#ffffff"),
        synthetic_from=("survey",),
    ),
    Layer(
        "perceived_share_unsafe",
        "Share feeling unsafe (survey)",
        "polygon",
        "Perceived safety",
        "Share of respondents feeling unsafe per area; suppressed areas are empty.",
        style=Style(
            "graduated",
            "survey_share_unsafe",
            _graduated((0, 0.1, 0.2, 0.3, 0.5, 1.0001), VIRIDIS_5, fmt="{:.1f}"),
            opacity=0.75,
            outline="#ffffff",
        ),
        synthetic_from=("survey",),
        table="perceived_safety",
        visible=False,
    ),
    *(
        Layer(name, title, "none", "Perceived safety", abstract, synthetic_from=("survey",))
        for name, title, abstract in (
            (
                "survey_summary",
                "Survey summary",
                "The study's respondents and share feeling unsafe per period (Wilson intervals).",
            ),
            (
                "survey_equity",
                "Feeling unsafe by respondent group",
                "Study-wide share feeling unsafe by group; a group column only where every "
                "group has at least k respondents.",
            ),
            (
                "survey_audit_validation",
                "Audits against our measures",
                "Spearman rank correlations (Fisher z intervals) of safety-audit scores with "
                "modelled lux, light class, eyes at the audit's hour and the composite score.",
            ),
        )
    ),
    # --- Areas -----------------------------------------------------------
    Layer(
        "areas",
        "Areas: estimated residents",
        "polygon",
        "Areas",
        "Districts (or a regular grid) with estimated residents, dwellings by tenure, "
        "mix scores and incident counts where the run produced them.",
        (
            Column("area_id", "", "area identifier"),
            Column("grid_id", "", "default grid: lower-left corner of the cell (x_y, metres)"),
            Column("place", "", "default grid: the OSM place (district) the cell lies in"),
            Column("name", "", "area name (default grid: place and cell number, unique)"),
            Column("residents_est", "persons", "estimated residents"),
            Column("dwellings", "dwellings", "dwellings (tenure input)"),
            Column(f"{TENURE_PREFIX}*", "dwellings", "dwellings of that tenure"),
            Column("mix_entropy*", "0..1", "normalised Shannon entropy of tenure"),
            Column("mix_simpson*", "0..1", "Simpson diversity of tenure"),
            Column("mix_divergence*", "bits", "divergence from the city's tenure mix"),
            Column("mix_lq_*", "ratio", "location quotient of that tenure"),
            Column("mix_target_gap_*", "share", "gap to the policy target share"),
            Column("mix_suppressed*", "flag", "too few dwellings: scores withheld"),
            *_INCIDENT_COUNTS,
            Column("incidents_per_1000_residents", "per 1,000", "crude rate per 1,000 residents"),
            Column("incidents_per_1000_eb", "per 1,000", "empirical-Bayes rate per 1,000"),
            Column("incidents_street_m", "m", "street length (exposure)"),
        ),
        Style(
            "graduated",
            "residents_est",
            _graduated((0, 250, 500, 1000, 2000, 1e9), VIRIDIS_5, fmt="{:.0f}"),
            opacity=0.6,
            outline="#ffffff",
        ),
        synthetic_from=("tenure", "incidents"),
        visible=False,
    ),
    Layer(
        "plan_lamps",
        "Proposed lamps, ranked",
        "point",
        "Plan",
        "New lamps proposed by safespaces plan lamps, best first: each with the mounting "
        "height and intensity of its context and the walking length it lifts to EN 13201-2 "
        "P6 or better given the lamps ranked before it (docs/plan.md).",
        (
            Column("rank", "rank", "order of choice (1 = the most length lifted)"),
            Column("segment_id", "", "dark segment the lamp stands on (street_segments)"),
            Column("light_context", "", "street, park path or pedestrian area"),
            Column("height_m", "m", "mounting height (the context's default)"),
            Column("intensity_cd", "cd", "peak intensity (the context's default)"),
            Column("light_distribution", "", "light distribution (generic name or file)"),
            Column("gain_m", "m", "walking length newly at P6+ given the lamps ranked before"),
            Column("cumulative_gain_m", "m", "walking length newly at P6+ by lamps 1..rank"),
            Column("gain_*", "weighted m", "weighted gain under the objective (footfall, homes)"),
            Column("cumulative_gain_*", "weighted m", "weighted gain of lamps 1..rank"),
        ),
        Style("single", "", _single("#ffd92f"), width=2.4, outline="#252525"),
    ),
    Layer(
        "run_metadata",
        "Run metadata",
        "none",
        "Areas",
        "Inputs with checksums, parameters, version and time of the run.",
        (Column("key", "", "item"), Column("value", "", "JSON-encoded value")),
    ),
)

RASTERS: tuple[Raster, ...] = (
    Raster(
        "illuminance",
        "Illuminance at ground (lux)",
        "Lighting",
        "lx",
        "Modelled horizontal illuminance at each 5 m cell, classed at the EN 13201-2 "
        "P-class averages.",
        tuple(StyleClass((0.0, upper), label, colour) for upper, colour, label in ILLUMINANCE_RAMP),
    ),
    Raster(
        "incident_density",
        "Incident density (kernel)",
        "Incidents",
        "incidents per km²",
        "Quartic kernel density of incidents; cells with fewer than k incidents within "
        "the bandwidth are masked.",
        (
            StyleClass((0.0, 0.0), "0", "#ffffb2"),
            StyleClass((0.25, 0.25), "", "#fecc5c"),
            StyleClass((0.5, 0.5), "", "#fd8d3c"),
            StyleClass((0.75, 0.75), "", "#f03b20"),
            StyleClass((1.0, 1.0), "high", "#bd0026"),
        ),
        interpolated=True,
        opacity=0.8,
        synthetic_from=("incidents",),
        visible=False,
    ),
)

#: Every entry by name.
CATALOGUE: Mapping[str, Entry] = {
    **{e.name: e for e in LAYERS},
    **{r.name: r for r in RASTERS},
}


def layers_of_table(table: str) -> list[Layer]:
    """Catalogue entries that show ``table``, its own entry first."""
    found = [e for e in LAYERS if e.table == table]
    return sorted(found, key=lambda e: not e.is_table_entry)


def _group_by_prefix(table: str) -> str:
    for prefix, group in (
        ("plan", "Plan"),
        ("light", "Lighting"),
        ("eyes", "Eyes on the street"),
        ("mix", "Social mix"),
        ("incident", "Incidents"),
        ("survey", "Perceived safety"),
        ("perceived", "Perceived safety"),
        ("street", "Streets"),
    ):
        if table.startswith(prefix):
            return group
    return "Areas"


def entry_for(table: str, geometry: Geometry) -> Layer:
    """The table's catalogue entry, or a plain one for a table the catalogue lacks."""
    for entry in layers_of_table(table):
        if entry.is_table_entry:
            return entry
    return Layer(
        table,
        table.replace("_", " ").capitalize(),
        geometry,
        _group_by_prefix(table),
        f"Layer {table} written by safespaces (not described in the catalogue yet).",
        style=None if geometry == "none" else plain_style(geometry),
    )


def plain_style(geometry: Geometry) -> Style:
    """One blue symbol: for a layer the catalogue lacks, or a styled column a run lacks."""
    return Style("single", "", _single("#1f78b4"), width=1.6 if geometry == "point" else 0.5)


def legend(layer_name: str) -> list[tuple[str, str]]:
    """``(label, colour)`` pairs of a layer's legend, in legend order (for the app).

    Raises
    ------
    KeyError
        No catalogue entry of that name, or the entry has no style.
    """
    entry = CATALOGUE[layer_name]
    classes = (
        entry.ramp if isinstance(entry, Raster) else entry.style.classes if entry.style else None
    )
    if classes is None:
        raise KeyError(f"{layer_name} is an attribute table without a legend")
    return [(c.label, c.colour) for c in classes if c.label]


def describe_columns(table: str, columns: Iterable[str] | None = None) -> list[Column]:
    """Columns of ``table`` with units and descriptions.

    With ``columns`` (the columns a run actually wrote), describes exactly those
    present that the catalogue knows, in the given order (patterns resolved to
    the real names); without, every column the catalogue lists.
    """
    known = [c for e in layers_of_table(table) for c in e.columns]
    if columns is None:
        return known
    out = []
    for name in columns:
        match = next((c for c in known if c.matches(name)), None)
        if match is not None:
            out.append(dataclasses.replace(match, name=name))
    return out


def is_synthetic(entry: Entry, synthetic_inputs: Iterable[str]) -> bool:
    """True when an input the entry's values come from is SYNTHETIC."""
    return bool(set(entry.synthetic_from) & set(synthetic_inputs))


def ramp_stops(raster: Raster, maximum: float) -> list[tuple[float, str, str]]:
    """``(value, colour, label)`` stops of a raster ramp scaled to ``maximum``."""
    stops = []
    for c in raster.ramp:
        assert isinstance(c.value, tuple)
        upper = c.value[1]
        if raster.interpolated:
            value = upper * maximum
            stops.append((value, c.colour, f"{value:.0f}"))
        else:
            stops.append((upper, c.colour, c.label))
    return stops


__all__ = [
    "CATALOGUE",
    "GROUPS",
    "LAYERS",
    "RASTERS",
    "Column",
    "Entry",
    "Geometry",
    "Layer",
    "Raster",
    "Style",
    "StyleClass",
    "describe_columns",
    "entry_for",
    "is_synthetic",
    "layers_of_table",
    "legend",
    "plain_style",
    "ramp_stops",
]
