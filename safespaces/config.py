"""One typed configuration for a run.

The configuration is a tree of frozen dataclasses with documented defaults. It
is set from a TOML file (``--config F``) whose tables mirror the sections
below, and from flags (``--set section.key=value``, the value in TOML syntax).
The configuration a run used is stored in its output (``run_metadata``).

Each analysis family keeps its own section in its package
(``safespaces/<family>/params.py``); this module composes them.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from safespaces.errors import ConfigError
from safespaces.eyes.params import EyesParams
from safespaces.incidents.params import IncidentParams
from safespaces.indices import IndexParams
from safespaces.lighting.params import LightingParams
from safespaces.mix.params import MixParams

T = TypeVar("T")

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
        Name of the study area; the default output folder is ``layers/<name>``.
    crs
        Metric CRS for all computation. ``"auto"`` picks EPSG:3067 in Finland and
        the local UTM zone elsewhere.
    timezone
        IANA zone for timestamps without an offset (incidents).
    seed
        Seed of every random step (synthetic data, permutations).
    """

    name: str = "helsinki"
    crs: str = "auto"
    timezone: str = "Europe/Helsinki"
    seed: int = 20261121


@dataclasses.dataclass(frozen=True)
class ResidentParams:
    """Estimate of residents per building where no population is given.

    residents = footprint_m2 x levels x residential_share / gfa_per_resident_m2

    Attributes
    ----------
    gfa_per_resident_m2
        Gross floor area per resident. Helsinki averages about 34 m2 of dwelling
        floor area per resident (Statistics Finland, dwellings and housing
        conditions 2019); gross floor area is about 1.3 x dwelling area (walls,
        stairs, common rooms), giving 45 m2.
    default_levels
        Levels assumed where ``building:levels`` and ``height`` are missing
        (central Helsinki blocks are typically 5-7 storeys; 5 is conservative).
    level_height_m
        Storey height used to turn a tagged ``height`` into levels.
    residential_share
        Share of floor area that is housing, per OSM ``building`` value. ``yes``
        is the untyped default; in central Helsinki most such buildings are mixed
        blocks with shops below and homes above, hence 0.5. Values not listed
        count as 0.
    """

    gfa_per_resident_m2: float = 45.0
    default_levels: float = 5.0
    level_height_m: float = 3.2
    residential_share: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "apartments": 1.0,
            "residential": 1.0,
            "house": 1.0,
            "detached": 1.0,
            "semidetached_house": 1.0,
            "terrace": 1.0,
            "dormitory": 1.0,
            "block": 0.7,
            "yes": 0.5,
        }
    )


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


@dataclasses.dataclass(frozen=True)
class Config:
    """The whole configuration of a run."""

    general: GeneralParams = dataclasses.field(default_factory=GeneralParams)
    residents: ResidentParams = dataclasses.field(default_factory=ResidentParams)
    sources: SourceParams = dataclasses.field(default_factory=SourceParams)
    network: NetworkParams = dataclasses.field(default_factory=NetworkParams)
    lighting: LightingParams = dataclasses.field(default_factory=LightingParams)
    eyes: EyesParams = dataclasses.field(default_factory=EyesParams)
    mix: MixParams = dataclasses.field(default_factory=MixParams)
    incidents: IncidentParams = dataclasses.field(default_factory=IncidentParams)
    indices: IndexParams = dataclasses.field(default_factory=IndexParams)
    app: AppParams = dataclasses.field(default_factory=AppParams)

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as plain JSON-compatible data."""
        return json.loads(json.dumps(dataclasses.asdict(self), default=_jsonable))

    def to_json(self) -> str:
        """Return the configuration as JSON text (stored in ``run_metadata``)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    def replace(self, **sections: Any) -> Config:
        """Return a copy with whole sections replaced."""
        return dataclasses.replace(self, **sections)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(type(value).__name__)


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read a configuration from a TOML file and ``section.key=value`` overrides.

    Parameters
    ----------
    path
        TOML file whose tables mirror :class:`Config`'s sections. ``None`` starts
        from the defaults.
    overrides
        Items ``section.key=value`` where the value is written in TOML syntax
        (``lighting.cutoff_m=40``, ``mix.target="am2023"``).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        Unknown section or key, wrong type, or unreadable TOML; the message names
        the file and the key.
    """
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: config file not found. Fix: give an existing TOML file.")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p.name}: not valid TOML ({exc}). Fix: check the syntax.") from exc
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) != 2 or not all(parts):
            raise ConfigError(
                f"--set {item!r}: expected section.key=value, for example lighting.cutoff_m=40"
            )
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()  # bare words are strings
        data.setdefault(parts[0], {})[parts[1]] = value
    return _build(Config, data, source, "")


def _build(cls: type[T], data: Mapping[str, Any], source: str, prefix: str) -> T:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: [{prefix.rstrip('.')}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{source}: unknown setting '{prefix}{key}'. Fix: use one of {known}")
        kwargs[key] = _coerce(hints[key], value, source, f"{prefix}{key}")
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, source: str, key: str) -> Any:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, source, key + ".")
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    bad = ConfigError(f"{source}: setting '{key}' = {value!r} is not a {_name(hint)}")
    if origin in (types.UnionType, typing.Union):
        for arg in args:
            try:
                return _coerce(arg, value, source, key)
            except ConfigError:
                continue
        raise bad
    if hint is type(None):
        if value is None:
            return None
        raise bad
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise bad
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise bad
    if hint is str:
        if isinstance(value, str):
            return value
        raise bad
    if origin in (tuple,):
        if not isinstance(value, (list, tuple)):
            raise bad
        inner = args[0] if args else Any
        return tuple(_coerce(inner, v, source, key) for v in value)
    if origin in (dict, Mapping, typing.Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise bad
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _coerce(vt, v, source, f"{key}.{k}") for k, v in value.items()}
    if hint is Any:
        return value
    raise bad  # pragma: no cover - every field type is listed above


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", str(hint))


def to_toml(config: Config) -> str:
    """Render the configuration as TOML (tables for sections and mappings)."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, Mapping):
            inner = ", ".join(
                f"{json.dumps(str(k), ensure_ascii=False)} = {value(x)}" for k, x in v.items()
            )
            return "{ " + inner + " }" if inner else "{}"
        raise TypeError(type(v).__name__)

    for section, fields in config.to_dict().items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value(v)}" for key, v in fields.items())
        lines.append("")
    return "\n".join(lines)
