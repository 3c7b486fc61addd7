"""Configuration of the lighting analysis (section ``[lighting]``)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from safespaces.validation import Check, Count, Keys, Number, Problem, Rules, check_section

#: Lamp contexts; ``default_height_m`` and ``default_lumen`` need a value for each.
CONTEXTS: tuple[str, ...] = ("street", "park_path", "pedestrian")
#: Coarsest sample spacing along a segment (EN 13201-3 calculation grids are finer).
MAX_SPACING_M = 2.0
#: Coarsest cell of ``illuminance.tif``.
MAX_CELL_M = 5.0
#: Generic intensity distributions (``safespaces.lighting.photometry.GENERIC``).
GENERIC_DISTRIBUTIONS: tuple[str, ...] = ("isotropic", "lambertian", "generic_led")
#: Suffixes of photometry files (EULUMDAT, IES LM-63).
PHOTOMETRY_SUFFIXES: tuple[str, ...] = (".ldt", ".ies")


@dataclasses.dataclass(frozen=True)
class LightingParams:
    """Lighting settings; every default and its source is in ``docs/lighting.md``.

    Attributes
    ----------
    cutoff_m
        Lamps farther than this (ground distance) from a point are ignored. 50 m
        is 81 degrees from the vertical under an 8 m street lamp, the angle above
        which full cut-off road luminaires emit almost nothing (EN 13201-2 G*
        classes limit intensity at 80 and 90 degrees).
    sample_spacing_m
        Largest spacing of illuminance samples along a segment (2 m or finer).
    lumen_to_cd
        Intensity per lumen (cd/lm) of the ``isotropic`` distribution: I = lumen x
        lumen_to_cd in every downward direction. 1/(2 pi) sends the whole flux onto
        the ground under the point-source law (the model of earlier versions).
    maintenance_factor
        Maintained / initial illuminance (EN 13201-2 values are maintained): every
        computed illuminance is multiplied by it. 0.8 is a clean-environment LED
        road installation (CIE 154:2003 luminaire maintenance x lamp lumen
        maintenance over a typical cleaning and replacement cycle).
    distribution
        Intensity distribution of a lamp without a photometry file, per context:
        ``generic_led``, ``isotropic``, ``lambertian``
        (:mod:`safespaces.lighting.photometry`) or the path of a ``.ldt`` / ``.ies``
        file.
    luminaires
        Photometry file (``.ldt`` / ``.ies`` path) of each luminaire type a lamp
        register names in its ``luminaire`` column.
    path_width_m
        Width of a way without an OSM ``width`` tag, by ``highway`` (the EN 13201-3
        calculation grid spans it).
    default_width_m
        Width of a way whose ``highway`` is not in ``path_width_m``.
    transverse_spacing_m
        Largest spacing of the grid rows across a way (EN 13201-3: at most 1.5 m for
        P-class areas).
    min_rows
        Fewest grid rows across a way (EN 13201-3: three per lane).
    default_height_m
        Mounting height of a lamp with no height, per context (``street``,
        ``park_path``, ``pedestrian``).
    default_lumen
        Luminous flux of a lamp with no intensity or flux, per context.
    mount_height_m
        Height of an OSM lamp without a height tag, by its ``lamp_mount`` or
        ``support`` value (lower case, spaces as underscores).
    context_distance_m
        A lamp takes its context from the nearest segment within this distance.
    path_highways
        ``highway`` values that are paths (a lamp next to one inside a park is a
        park-path lamp).
    pedestrian_highways
        ``highway`` values that are pedestrian areas.
    park_kinds, pedestrian_kinds
        ``public_spaces.kind`` values that make a lamp's context park path or
        pedestrian area.
    register_buffer_m
        Register lamps replace OSM lamps inside the convex hull of the register
        lamps buffered by this distance.
    lamp_count_distance_m
        A lamp within this distance of a segment counts in
        ``light_lamps_per_100m``.
    conflict_min_lux_avg
        A segment tagged ``lit=no`` is in conflict when its average illuminance
        from mapped lamps reaches this value (2 lx, the P6 average). 0 flags any
        segment within reach of a lamp.
    lit_no_values
        ``lit`` values meaning unlit; any other non-empty value means lit.
    public_space_kinds
        Kinds of public space reported by ``public_space_lighting`` and searched
        for dark paths.
    dark_lux
        A path sample darker than this is dark (0.4 lx, the P6 minimum).
    dark_min_length_m
        Dark stretches shorter than this are not reported.
    raster_cell_m
        Cell size of ``illuminance.tif`` (5 m or finer).
    raster_margin_m
        Margin added around the segments' bounds for the raster.
    darkness_year
        Year of the darkness table (the hours change by seconds between years).
    chunk_points
        Points per chunk in the illuminance sum; bounds memory on large cities (a chunk's
        pair table holds ~60 bytes per lamp in reach of each point: 100,000 points with 10
        lamps each ~60 MB; 500,000 were 250 MB in a dask partition of the 5 x 5 tiled city,
        no faster).
    coverage_cell_m
        Side of the square cells in which lamp-data coverage is estimated
        (:mod:`safespaces.lighting.coverage`).
    coverage_min
        A cell whose share of reference length reached by a mapped lamp is below
        this has no lamp data: its dark segments are ``no lamp data``, not ``unlit``.
    coverage_min_reference_m
        A cell with less reference length than this takes the study's coverage.
    coverage_highways
        ``highway`` values counted as main roads (reference length, besides
        segments tagged lit).

    Examples
    --------
    >>> params = LightingParams()
    >>> params.cutoff_m, params.sample_spacing_m
    (50.0, 2.0)
    >>> LightingParams(cutoff_m=40.0).cutoff_m
    40.0
    """

    cutoff_m: float = 50.0
    sample_spacing_m: float = 2.0
    lumen_to_cd: float = 1.0 / (2.0 * math.pi)
    maintenance_factor: float = 0.8
    distribution: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: {
            "street": "generic_led",
            "park_path": "generic_led",
            "pedestrian": "generic_led",
        }
    )
    luminaires: Mapping[str, str] = dataclasses.field(default_factory=dict)
    path_width_m: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "footway": 2.0,
            "path": 2.0,
            "cycleway": 2.5,
            "steps": 2.0,
            "bridleway": 2.0,
            "track": 3.0,
            "corridor": 2.0,
            "pedestrian": 6.0,
            "living_street": 5.0,
            "service": 4.0,
            "residential": 6.0,
            "unclassified": 6.0,
            "tertiary": 7.0,
            "tertiary_link": 7.0,
            "secondary": 8.0,
            "secondary_link": 7.0,
            "primary": 10.0,
            "primary_link": 7.0,
            "trunk": 10.0,
            "trunk_link": 7.0,
        }
    )
    default_width_m: float = 3.0
    transverse_spacing_m: float = 1.5
    min_rows: int = 3
    default_height_m: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"street": 8.0, "park_path": 4.5, "pedestrian": 6.0}
    )
    default_lumen: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"street": 6000.0, "park_path": 2000.0, "pedestrian": 4000.0}
    )
    mount_height_m: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "wall_mounted": 4.0,
            "wall": 4.0,
            "suspended": 8.0,
            "cable": 8.0,
            "ceiling": 3.0,
        }
    )
    context_distance_m: float = 15.0
    path_highways: tuple[str, ...] = (
        "footway",
        "path",
        "cycleway",
        "steps",
        "bridleway",
        "track",
    )
    pedestrian_highways: tuple[str, ...] = ("pedestrian",)
    park_kinds: tuple[str, ...] = ("park",)
    pedestrian_kinds: tuple[str, ...] = ("square", "pedestrian_area")
    register_buffer_m: float = 25.0
    lamp_count_distance_m: float = 15.0
    conflict_min_lux_avg: float = 2.0
    lit_no_values: tuple[str, ...] = ("no", "disused", "none", "false", "0", "off")
    public_space_kinds: tuple[str, ...] = ("park", "square", "pedestrian_area")
    dark_lux: float = 0.4
    dark_min_length_m: float = 10.0
    raster_cell_m: float = 5.0
    raster_margin_m: float = 25.0
    darkness_year: int = 2026
    chunk_points: int = 100_000
    coverage_cell_m: float = 1000.0
    coverage_min: float = 0.1
    coverage_min_reference_m: float = 200.0
    coverage_highways: tuple[str, ...] = (
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "residential",
    )

    @classmethod
    def point_source(cls, **changes: object) -> LightingParams:
        """The point-source model of earlier versions, a special case of this one.

        Isotropic lamps (I = lumen / 2 pi below the horizontal), no maintenance factor
        (MF = 1) and a one-row grid on the centre line (``transverse_spacing_m`` wider
        than a path), so that E = I h / (h^2 + d^2)^1.5 holds exactly at every sample:
        for hand checks and for comparison with results of earlier versions.

        Examples
        --------
        >>> p = LightingParams.point_source()
        >>> p.maintenance_factor, p.distribution["street"], p.min_rows
        (1.0, 'isotropic', 1)
        """
        base: dict[str, object] = {
            "maintenance_factor": 1.0,
            "distribution": dict.fromkeys(CONTEXTS, "isotropic"),
            "min_rows": 1,
            "transverse_spacing_m": 5.0,
        }
        base.update(changes)
        return cls(**base)  # type: ignore[arg-type]


#: Allowed range of every setting (docs/config.md); see :mod:`safespaces.validation`.
RULES: Rules = {
    "cutoff_m": Number(
        1, 500, unit="m", why="beyond 500 m a lamp adds nothing and each sample scans more lamps"
    ),
    "sample_spacing_m": Number(
        0.5,
        MAX_SPACING_M,
        unit="m",
        why="2 m or finer for EN 13201 averages; finer than 0.5 m only multiplies the samples",
    ),
    "lumen_to_cd": Number(0.01, 10, unit="cd/lm"),
    "maintenance_factor": Number(
        0.1, 1, why="maintained over initial illuminance: 1 is a new, clean installation"
    ),
    "distribution": (
        Keys(required=CONTEXTS),
        Check(
            lambda v: _distribution_problem(v),
            f"each {', '.join(GENERIC_DISTRIBUTIONS)} or a .ldt / .ies path",
        ),
    ),
    "luminaires": Check(lambda v: _files_problem(v), "each value the path of a .ldt or .ies file"),
    "path_width_m": Number(0.5, 100, unit="m"),
    "default_width_m": Number(0.5, 100, unit="m"),
    "transverse_spacing_m": Number(
        0.25, 5, unit="m", why="EN 13201-3 asks 1.5 m or less across P-class areas"
    ),
    "min_rows": Number(1, 15, whole=True, why="EN 13201-3: three points across each lane"),
    "default_height_m": (Keys(required=CONTEXTS), Number(0.5, 40, unit="m")),
    "default_lumen": (Keys(required=CONTEXTS), Number(0, 500_000, unit="lm")),
    "mount_height_m": Number(0.5, 40, unit="m"),
    "context_distance_m": Number(0, 500, unit="m"),
    "register_buffer_m": Number(0, 1000, unit="m"),
    "lamp_count_distance_m": Number(0, 500, unit="m"),
    "conflict_min_lux_avg": Number(0, 1000, unit="lx"),
    "dark_lux": Number(0, 1000, unit="lx"),
    "dark_min_length_m": Number(0, 10_000, unit="m"),
    "raster_cell_m": Number(
        1,
        MAX_CELL_M,
        unit="m",
        why="5 m or finer to show the pools of light; finer than 1 m multiplies the raster",
    ),
    "raster_margin_m": Number(0, 1000, unit="m"),
    "darkness_year": Number(1900, 2100),
    "chunk_points": Number(1000, 10_000_000, why="points per chunk bound the memory"),
    "coverage_cell_m": Number(50, 10_000, unit="m"),
    "coverage_min": Number(0, 1),
    "coverage_min_reference_m": Number(0, 100_000, unit="m"),
    "coverage_highways": Count(distinct=True),
    "path_highways": Count(distinct=True),
    "pedestrian_highways": Count(distinct=True),
    "park_kinds": Count(distinct=True),
    "pedestrian_kinds": Count(distinct=True),
    "lit_no_values": Count(distinct=True),
    "public_space_kinds": Count(distinct=True),
}


def _is_file(value: object) -> bool:
    return str(value).lower().endswith(PHOTOMETRY_SUFFIXES)


def _distribution_problem(value: Mapping[str, str]) -> Problem | None:
    bad = [str(v) for v in value.values() if v not in GENERIC_DISTRIBUTIONS and not _is_file(v)]
    if bad:
        return (
            f"has {bad[0]!r}, neither a generic distribution nor a photometry file",
            f"use one of {', '.join(GENERIC_DISTRIBUTIONS)} or the path of a .ldt / .ies file",
        )
    return None


def _files_problem(value: Mapping[str, str]) -> Problem | None:
    bad = [str(v) for v in value.values() if not _is_file(v)]
    if bad:
        return (
            f"has {bad[0]!r}, not a .ldt or .ies file",
            "give the path of each luminaire type's EULUMDAT (.ldt) or IES (.ies) file",
        )
    return None


def validate(params: LightingParams) -> None:
    """Check every lighting setting against :data:`RULES`.

    Raises
    ------
    safespaces.errors.SettingError
        The first setting outside its range.
    """
    check_section("lighting", params, RULES)
