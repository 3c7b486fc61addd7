"""The configuration sections that belong to no analysis family.

``[general]`` (study name, CRS, time zone, seed), ``[sources]`` (how input files
are read), ``[network]`` (the walking network) and ``[app]``: each a frozen
dataclass with documented defaults, its declared rules (docs/config.md) and its
check. The families keep theirs in ``safespaces/<family>/params.py``, the
resident estimate in :mod:`safespaces.population`; :mod:`safespaces.config`
composes them all.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from safespaces.errors import SettingError
from safespaces.presets import preset_names
from safespaces.validation import (
    Check,
    Code,
    Count,
    Keys,
    Note,
    Number,
    Problem,
    Rules,
    check_section,
    suggest,
    text_problem,
)

#: Helsinki default tenure taxonomy (issue 2). Keys are column-safe codes.
HELSINKI_TENURE: dict[str, str] = {
    "ara_rental": "ARA rental (state-subsidised)",
    "right_of_occupancy": "Right-of-occupancy (asumisoikeus)",
    "hitas_owner": "Price-regulated owner-occupied (Hitas)",
    "owner": "Unregulated owner-occupied",
    "private_rental": "Unregulated rental",
    "other": "Other / unknown",
}


@dataclasses.dataclass(frozen=True)
class GeneralParams:
    """Settings shared by every stage.

    Attributes
    ----------
    name
        Name of the study: it labels ``run_metadata``, the layer ids
        (``safespaces:<name>:*``), the QGIS project, and the default output folder
        ``layers/<name>``. ``"auto"``: the input OSM file's name without its
        extensions (:func:`study_name`; ``helsinki`` for the embedded default);
        ``--name`` sets it on the command line.
    crs
        Metric CRS for all computation. ``"auto"`` picks the national grid where the
        country has one (EPSG:3067 Finland, 3006 Sweden, 25832/25833/25835 Norway,
        25832/25833 Denmark, 3057 Iceland) and the local UTM zone elsewhere
        (:mod:`safespaces.crs`).
    timezone
        IANA zone of every local clock time (darkness, the day/evening/night windows,
        timestamps without an offset). ``"auto"``: the zone at the study's centre,
        found offline from its coordinates (:func:`safespaces.crs.zone_at`).
    seed
        Seed of every random step (synthetic data, permutations).
    preset
        A country preset shipped in the package (``safespaces/presets/<preset>.toml``:
        tenure taxonomy, opening-hours fallbacks), under the configuration file and
        ``--set``; empty: none (the Helsinki defaults).
    """

    name: str = "auto"
    crs: str = "auto"
    timezone: str = "auto"
    seed: int = 20261121
    preset: str = ""


@dataclasses.dataclass(frozen=True)
class NetworkParams:
    """The walking network.

    Attributes
    ----------
    max_segment_m
        Edges between intersections longer than this are cut into equal pieces,
        so that a segment's measures describe one block face (0 keeps edges whole).
        50 m is about one central-Helsinki block side.
    """

    max_segment_m: float = 50.0


@dataclasses.dataclass(frozen=True)
class SourceParams:
    """How input files are read.

    Attributes
    ----------
    lamp_columns
        Maps the user's lamp-register column names onto the recognised ones
        (``lon``, ``lat``, ``x``, ``y``, ``height_m``, ``intensity_cd``, ``lumen``).
    tenure_categories
        Tenure taxonomy: code -> label. Defaults to Helsinki's.
    tenure_codes
        Maps the user's tenure codes or column names onto the taxonomy codes.
    incident_time_column, incident_category_column
        Override the detected incident columns.
    area_name_column
        The areas file's column of area names (hot spots and areas are labelled
        with it); empty: detected (``name``, ``nimi``, ``namn``, ``navn``, ... ``id``).
    grid_size_m
        Cell size of the default areas (a grid aligned to multiples of the size
        in the metric CRS).
    """

    lamp_columns: Mapping[str, str] = dataclasses.field(default_factory=dict)
    tenure_categories: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: dict(HELSINKI_TENURE)
    )
    tenure_codes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    incident_time_column: str = ""
    incident_category_column: str = ""
    area_name_column: str = ""
    grid_size_m: float = 250.0


@dataclasses.dataclass(frozen=True)
class AppParams:
    """Settings of the Streamlit app (section ``[app]``).

    Attributes
    ----------
    basemap_url
        Optional tile URL template (e.g. the city's own intranet tile server,
        ``https://tiles.example.fi/{z}/{x}/{y}.png``). Empty by default: the app
        requests no tiles and works with no network at all.
    basemap_attribution
        Attribution shown for that basemap.
    """

    basemap_url: str = ""
    basemap_attribution: str = ""


#: Windows device names: a folder ``layers/CON`` cannot be created there.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)]
)
#: Characters no file name may hold on some system (Windows forbids ``<>:"|?*``).
NAME_FORBIDDEN = '<>:"|?*'
#: Longest study name (it is a folder name and a label).
MAX_NAME = 100
#: Column names a lamp register's own columns can be mapped onto.
LAMP_FIELDS = ("lon", "lat", "x", "y", "height_m", "intensity_cd", "lumen", "luminaire")
#: A tenure code becomes the column ``tenure_<code>`` (GeoPackage names ignore case).
TENURE_CODE = Code(r"[a-z][a-z0-9_]{0,39}", "a lower-case code of letters a-z, digits and _ (1-40)")


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text).strip("-._")[:MAX_NAME]


#: Extensions an OSM file's name loses to become a study name.
OSM_SUFFIXES = (".gz", ".bz2", ".pbf", ".osm", ".xml", ".o5m")


def name_from_file(path: Path) -> str:
    """A study name from an input file's name: ``Oslo Skøyen.osm.pbf`` -> ``oslo-skøyen``.

    The extensions of :data:`OSM_SUFFIXES` are dropped, the rest lower-cased and
    every run of characters other than letters, digits, ``-`` and ``_`` becomes
    ``-``; the result always passes :func:`name_problem` (``study`` when nothing
    is left, ``<name>-study`` for a Windows device name).
    """
    stem = Path(path).name
    while True:
        lower = stem.lower()
        cut = next((s for s in OSM_SUFFIXES if lower.endswith(s) and len(stem) > len(s)), None)
        if cut is None:
            break
        stem = stem[: -len(cut)]
    name = _slug(stem.lower()) or "study"
    if name.split(".")[0] in RESERVED_NAMES:
        name += "-study"
    return name


def name_problem(name: str) -> Problem | None:
    """Why ``name`` cannot be one folder name inside ``layers/`` (None when it can)."""
    slug = _slug(name)
    fix = "use a plain name of letters, digits, - and _" + (f", e.g. {slug!r}" if slug else "")
    if not name:
        return "empty", "give a short name such as 'helsinki'"
    problem = text_problem(name)
    if problem is not None:
        return problem
    if len(name) > MAX_NAME:
        return f"{len(name)} characters long (at most {MAX_NAME})", fix
    if "/" in name or "\\" in name:
        return (
            "contains a path separator: the study name is one folder inside layers/",
            fix + " (to write elsewhere, give --out DIR)",
        )
    if name in (".", ".."):
        return "not a folder name", fix
    bad = [c for c in NAME_FORBIDDEN if c in name]
    if bad:
        return f"contains {quoted_chars(bad)}, which file names cannot hold on every system", fix
    if name != name.strip() or name.endswith("."):
        return "starts or ends with a space, or ends with a dot", fix
    if name.split(".")[0].lower() in RESERVED_NAMES:
        return "a reserved device name on Windows", f"use another name, e.g. '{name}-study'"
    return None


def quoted_chars(chars: list[str]) -> str:
    """``'<', ':'``."""
    return ", ".join(repr(c) for c in chars)


@functools.lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """The IANA zones zoneinfo knows on this system."""
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(zone: str) -> Problem | None:
    """Why ``zone`` is neither ``auto`` nor an IANA time zone zoneinfo knows (None when fine)."""
    if zone == "auto":
        return None
    zones = known_zones()
    if zone in zones:
        try:
            zoneinfo.ZoneInfo(zone)
            return None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    hint = suggest(zone, sorted(zones))
    if not hint:
        tail = [z for z in sorted(zones) if z.rsplit("/", 1)[-1].lower() == zone.lower()]
        hint = f" (did you mean {', '.join(repr(z) for z in tail[:3])}?)" if tail else ""
    return f"not an IANA time zone{hint}", (
        "use the study's zone as Area/City, e.g. 'Europe/Helsinki', 'Australia/Sydney', "
        "'America/New_York', or 'auto' (the zone at the study's coordinates)"
    )


def crs_problem(text: str) -> Problem | None:
    """Why ``text`` is neither ``auto`` nor a projected CRS in metres (None when fine)."""
    auto = (
        'use "auto" (the national grid, e.g. EPSG:3067 in Finland, else the local UTM zone) '
        "or a projected CRS in metres"
    )
    if text == "auto":
        return None
    if text.strip().lower() == "auto":
        return "not 'auto' as written", 'write "auto" in lower case'
    try:
        crs = CRS.from_user_input(text)
    except (ProjCRSError, ValueError, TypeError):
        return "not a CRS that PROJ knows", auto + ', e.g. "EPSG:3067"'
    if crs.is_compound:
        horizontal = crs.sub_crs_list[0].to_string() if crs.sub_crs_list else ""
        return "a compound CRS (with heights)", f"use its horizontal part {horizontal!r}"
    if crs.is_geographic:
        return "a geographic CRS in degrees; distances need metres", auto
    if not crs.is_projected:
        return f"not a projected CRS ({crs.type_name})", auto
    units = sorted({a.unit_name for a in crs.axis_info})
    if not set(units) <= {"metre", "meter"}:
        return f"in {', '.join(units)}, not metres", auto
    method = crs.coordinate_operation.method_name if crs.coordinate_operation else ""
    if "pseudo mercator" in method.lower():
        return (
            "Web Mercator: its metres are 1/cos(latitude) too long (twice at 60 degrees)",
            auto,
        )
    return None


GENERAL_RULES: Rules = {
    "name": Check(
        name_problem,
        f"a plain folder name: 1-{MAX_NAME} characters, no / \\ {NAME_FORBIDDEN} or control "
        "characters, not . or .., no leading or trailing space",
    ),
    "crs": Check(
        crs_problem,
        '"auto" or a projected CRS in metres that PROJ knows (not geographic, compound or '
        "Web Mercator)",
    ),
    "timezone": Check(
        timezone_problem, '"auto" (from the study\'s coordinates) or an IANA time zone'
    ),
    "seed": Number(0, 2**63 - 1),
    "preset": Check(
        lambda name: (
            None
            if not name or name in preset_names()
            else ("not a preset", f"use one of {', '.join(preset_names())}, or leave it empty")
        ),
        "empty, or a preset of safespaces/presets: " + ", ".join(preset_names()),
    ),
}

NETWORK_RULES: Rules = {
    "max_segment_m": Number(
        5,
        10_000,
        off=0,
        unit="m",
        why="shorter pieces describe no more than the 2 m light samples and multiply the "
        "segments and the memory",
    ),
}


def _tenure_codes(categories: Mapping[str, str]) -> Problem | None:
    for code in categories:
        problem = TENURE_CODE.problem(code)
        if problem is not None:
            return f"has the code {code!r}, {problem[0]}", problem[1]
    lower = [c.lower() for c in categories]
    return None if len(set(lower)) == len(lower) else ("repeats a code", "give each code once")


SOURCE_RULES: Rules = {
    "lamp_columns": (Keys(allowed=LAMP_FIELDS), Count(distinct=True)),
    "tenure_categories": (
        Count(1, 50),
        Check(_tenure_codes, f"codes: {TENURE_CODE.text}"),
    ),
    "tenure_codes": Note("values: codes of sources.tenure_categories"),
    "grid_size_m": Number(
        50, 10_000, unit="m", why="a finer grid makes millions of areas and discloses more"
    ),
}


def _url_problem(url: str) -> Problem | None:
    if not url or re.match(r"https?://[^\s]+$|/[^\s]*$", url):
        return None
    return "not an http(s) URL", "give a tile URL such as https://tiles.example.fi/{z}/{x}/{y}.png"


APP_RULES: Rules = {
    "basemap_url": Check(_url_problem, "empty, or an http(s):// or /path tile URL template"),
}


def validate_general(params: GeneralParams) -> None:
    """Check ``[general]``: name, CRS, time zone, seed."""
    check_section("general", params, GENERAL_RULES)


def validate_network(params: NetworkParams) -> None:
    """Check ``[network]``."""
    check_section("network", params, NETWORK_RULES)


def validate_sources(params: SourceParams) -> None:
    """Check ``[sources]``: column mappings, tenure taxonomy and codes, grid size."""
    check_section("sources", params, SOURCE_RULES)
    for name, code in params.tenure_codes.items():
        bare = code.removeprefix("tenure_")
        if bare not in params.tenure_categories:
            raise SettingError(
                f"sources.tenure_codes.{name}",
                code,
                "not a code of sources.tenure_categories"
                + suggest(bare, list(params.tenure_categories)),
                f"use one of {', '.join(repr(c) for c in params.tenure_categories)}",
                related=("sources.tenure_categories",),
            )


def validate_app(params: AppParams) -> None:
    """Check ``[app]``."""
    check_section("app", params, APP_RULES)
