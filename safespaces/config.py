"""One typed configuration for a run.

The configuration is a tree of frozen dataclasses with documented defaults. It
is set from a TOML file (``--config F``) whose tables mirror the sections
below, and from flags (``--set section.key=value``, the value in TOML syntax).
The configuration a run used is stored in its output (``run_metadata``).

Each analysis family keeps its own section in its package
(``safespaces/<family>/params.py``), the resident estimate in
:mod:`safespaces.population` and the other sections in :mod:`safespaces.sections`;
this module composes them, reads them from TOML and writes them back.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import math
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pyproj import CRS

from safespaces.errors import ConfigError, SettingError, show_value
from safespaces.eyes.params import RULES as EYES_RULES
from safespaces.eyes.params import EyesParams
from safespaces.eyes.params import validate as validate_eyes
from safespaces.incidents.params import RULES as INCIDENT_RULES
from safespaces.incidents.params import IncidentParams
from safespaces.incidents.params import validate as validate_incidents
from safespaces.indices import RULES as INDEX_RULES
from safespaces.indices import IndexParams
from safespaces.indices import validate as validate_indices
from safespaces.lighting.params import RULES as LIGHTING_RULES
from safespaces.lighting.params import LightingParams
from safespaces.lighting.params import validate as validate_lighting
from safespaces.mix.params import RULES as MIX_RULES
from safespaces.mix.params import MixParams
from safespaces.mix.params import validate as validate_mix
from safespaces.population import RESIDENT_RULES, ResidentParams, validate_residents
from safespaces.presets import read_preset
from safespaces.sections import (
    APP_RULES,
    GENERAL_RULES,
    NETWORK_RULES,
    SOURCE_RULES,
    AppParams,
    GeneralParams,
    NetworkParams,
    SourceParams,
    validate_app,
    validate_general,
    validate_network,
    validate_sources,
)
from safespaces.survey.params import RULES as SURVEY_RULES
from safespaces.survey.params import SurveyParams
from safespaces.survey.params import validate as validate_survey
from safespaces.validation import (
    MAX_TEXT,
    Rules,
    kind_of,
    settings_table,
    suggest,
)

T = TypeVar("T")

#: Degrees a study may lie outside its CRS's declared area of use.
CRS_AREA_MARGIN_DEG = 1.0


def check_crs_area(config: Config, box: tuple[float, float, float, float]) -> None:
    """Refuse a chosen ``general.crs`` whose area of use is far from the study.

    A CRS of another part of the world projects the study with distorted
    distances (Helsinki in an Australian MGA zone); ``"auto"`` always fits.
    Called once the study's place is known (after reading OSM), before any
    analysis; the message names the file or flag that set the CRS.

    Parameters
    ----------
    config
        The configuration (``general.crs``).
    box
        The study's bounds in lon/lat (west, south, east, north).

    Raises
    ------
    SettingError
        The study's centre lies more than :data:`CRS_AREA_MARGIN_DEG` outside
        the CRS's area of use (CRSs without a declared area are not checked).
    """
    crs_text = config.general.crs
    if crs_text == "auto":
        return
    area = CRS.from_user_input(crs_text).area_of_use
    if area is None:
        return
    lon, lat = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    m = CRS_AREA_MARGIN_DEG
    width = (area.east - area.west) % 360 or 360.0  # areas may cross the antimeridian
    past_west = (lon - area.west) % 360 if math.isfinite(lon) else math.nan
    inside_lon = past_west <= width + m or past_west >= 360 - m
    if math.isfinite(lat) and inside_lon and area.south - m <= lat <= area.north + m:
        return
    raise SettingError(
        "general.crs",
        crs_text,
        f"made for {area.name.rstrip('.')} (lon {area.west:g} to {area.east:g}, lat "
        f"{area.south:g} to {area.north:g}), but the study lies at lon {lon:.2f}, lat {lat:.2f}",
        'use "auto" (EPSG:3067 in Finland, else the local UTM zone) or a CRS made for the study\'s '
        "area",
        source=source_of(config, "general.crs"),
    )


@dataclasses.dataclass(frozen=True)
class Config:
    """The whole configuration of a run.

    Examples
    --------
    The defaults, one section per family; :func:`load_config` reads a TOML file and
    checks every setting:

    >>> config = Config()
    >>> config.lighting.cutoff_m, config.eyes.weekday, config.general.crs
    (50.0, 'Fr', 'auto')
    >>> load_config(settings={"lighting": {"cutoff_m": 40}}).lighting.cutoff_m
    40.0
    """

    general: GeneralParams = dataclasses.field(default_factory=GeneralParams)
    residents: ResidentParams = dataclasses.field(default_factory=ResidentParams)
    sources: SourceParams = dataclasses.field(default_factory=SourceParams)
    network: NetworkParams = dataclasses.field(default_factory=NetworkParams)
    lighting: LightingParams = dataclasses.field(default_factory=LightingParams)
    eyes: EyesParams = dataclasses.field(default_factory=EyesParams)
    mix: MixParams = dataclasses.field(default_factory=MixParams)
    incidents: IncidentParams = dataclasses.field(default_factory=IncidentParams)
    indices: IndexParams = dataclasses.field(default_factory=IndexParams)
    survey: SurveyParams = dataclasses.field(default_factory=SurveyParams)
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

    def validate(self) -> Config:
        """Check every setting (see :func:`validate_config`); return the configuration.

        Messages name the file or flag a setting came from when the configuration
        was read by :func:`load_config`, else ``configuration``.
        """
        return validate_config(self, origin=origin_of(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(type(value).__name__)


#: Largest configuration file read (a full configuration is about 6 kB).
MAX_CONFIG_BYTES = 1_000_000
#: Longest ``--set`` item (longer values belong in a --config file, and are refused there too).
MAX_SET_CHARS = MAX_TEXT + 200

#: The check of each section, composed by :func:`validate_config`.
SECTION_CHECKS: dict[str, Callable[[Any], None]] = {
    "general": validate_general,
    "residents": validate_residents,
    "sources": validate_sources,
    "network": validate_network,
    "lighting": validate_lighting,
    "eyes": validate_eyes,
    "mix": validate_mix,
    "incidents": validate_incidents,
    "indices": validate_indices,
    "survey": validate_survey,
    "app": validate_app,
}

#: Declared rules of each section (:func:`settings_markdown`, docs/config.md).
SECTION_RULES: dict[str, Rules] = {
    "general": GENERAL_RULES,
    "residents": RESIDENT_RULES,
    "sources": SOURCE_RULES,
    "network": NETWORK_RULES,
    "lighting": LIGHTING_RULES,
    "eyes": EYES_RULES,
    "mix": MIX_RULES,
    "incidents": INCIDENT_RULES,
    "indices": INDEX_RULES,
    "survey": SURVEY_RULES,
    "app": APP_RULES,
}


def settings_markdown() -> str:
    """The table of every setting, its type, default and allowed values (docs/config.md)."""
    lines = ["| setting | type | default | allowed |", "| --- | --- | --- | --- |"]
    for field in dataclasses.fields(Config):
        cls = typing.get_type_hints(Config)[field.name]
        lines.extend(settings_table(field.name, cls, SECTION_RULES[field.name]))
    return "\n".join(lines) + "\n"


def validate_config(
    config: Config, *, origin: Mapping[str, str] | None = None, source: str = "configuration"
) -> Config:
    """Check every setting of ``config`` before any work starts.

    Types, finite numbers, clean text (:mod:`safespaces.validation`), each
    setting's declared range (docs/config.md), and the rules each family
    declares in its ``validate`` (``safespaces/<family>/params.py``).

    Parameters
    ----------
    config
        The configuration.
    origin
        Where each ``section.key`` was set (a file's name or ``--set``); the
        message names it.
    source
        Named for settings not in ``origin``.

    Returns
    -------
    Config
        ``config`` itself.

    Raises
    ------
    SettingError
        ``<source>: setting 'section.key' = value: problem. Fix: ...``.
    """
    origin = origin or {}
    for field in dataclasses.fields(config):
        try:
            SECTION_CHECKS[field.name](getattr(config, field.name))
        except SettingError as exc:
            keys = [exc.key, *exc.related]
            named = [origin[k] for k in map(_field_key, keys) if k in origin]
            raise exc.at(named[0] if named else source) from None
    return config


def origin_of(config: Config) -> dict[str, str]:
    """Where each ``section.key`` of ``config`` was set (by :func:`load_config`)."""
    return dict(getattr(config, "_origin", {}))


def with_origin(config: Config, origin: Mapping[str, str]) -> Config:
    """``config`` remembering where its settings came from (for messages at run time)."""
    object.__setattr__(config, "_origin", dict(origin))  # not a field: no effect on ==, to_dict
    return config


def source_of(config: Config, key: str) -> str:
    """The file or flag that set ``key`` (``section.key``), else ``configuration``."""
    return origin_of(config).get(key, "configuration")


def _field_key(key: str) -> str:
    """``section.field`` of a setting's key (``eyes.weights.doors`` -> ``eyes.weights``)."""
    return ".".join(re.split(r"[.\[]", key)[:2])


def read_toml(path: str | Path) -> dict[str, Any]:
    """The tables of a TOML configuration file.

    A UTF-8 byte-order mark at the start is accepted (Windows editors write one).

    Raises
    ------
    ConfigError
        Missing, unreadable, too large, not UTF-8, or not valid TOML; the message
        names the file, the line and the fix.
    """
    p = Path(path)
    name = p.name or str(p)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found. Fix: give an existing TOML file.")
    try:
        size = p.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{name}: the config file is {size:,} bytes; a configuration is a few kB "
                f"(at most {MAX_CONFIG_BYTES:,} bytes). Fix: give the TOML configuration file "
                "(safespaces config > mycity.toml writes one)"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"{name}: cannot read the config file ({exc.strerror or exc}). "
            "Fix: check that the file exists and is readable"
        ) from exc
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ConfigError(f"{name}: the file is UTF-16 text. Fix: save it as UTF-8")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}). "
            "Fix: save the file as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{name}: not valid TOML ({exc}). Fix: check the syntax there; text values need "
            'quotes (name = "espoo"), tables a [section] line'
        ) from None


def parse_override(item: str) -> tuple[str, str, Any]:
    """``section``, ``key`` and the value of one ``--set section.key=value`` item.

    The value is read as TOML; a value that is not TOML is taken as text
    (``--set general.crs=EPSG:3067``).

    Raises
    ------
    ConfigError
        No ``section.key=`` part, or an item longer than :data:`MAX_SET_CHARS`.
    """
    if len(item) > MAX_SET_CHARS:
        raise ConfigError(
            f"--set: an item of {len(item):,} characters (at most {MAX_SET_CHARS:,}). "
            "Fix: give shorter values"
        )
    key, sep, raw = item.partition("=")
    parts = key.strip().split(".")
    if not sep or len(parts) != 2 or not all(parts):
        raise ConfigError(
            f"--set {show_value(item)}: expected section.key=value. "
            "Fix: write it like lighting.cutoff_m=40"
        )
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # bare words are strings
    return parts[0], parts[1], value


def load_config(
    path: str | Path | Config | None = None,
    overrides: list[str] | None = None,
    *,
    preset: str | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> Config:
    """Read a configuration from a TOML file and ``section.key=value`` overrides, and check it.

    Every entry point (the CLI, the app, Python) reads its configuration here,
    so every setting is checked (:func:`validate_config`) before any work starts.
    Settings come from, lowest first: the defaults, the country preset
    (``preset``, else ``general.preset`` of the file or ``--set``; see
    :mod:`safespaces.presets`), the file, then the overrides; each key of a
    higher layer replaces the same key of a lower one.

    Parameters
    ----------
    path
        TOML file whose tables mirror :class:`Config`'s sections, or a
        :class:`Config` built in code (its every setting is kept). ``None`` starts
        from the defaults.
    overrides
        Items ``section.key=value`` where the value is written in TOML syntax
        (``lighting.cutoff_m=40``, ``mix.target="am2023"``).
    preset
        A preset's name (``--preset``); it replaces ``general.preset`` of the file.
    settings
        Settings given in Python, by section: ``{"lighting": {"cutoff_m": 40}}``
        (:func:`safespaces.load`'s keyword options); they replace the file's and
        the overrides' and are named ``keyword`` in messages.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        Unreadable TOML, an unknown section or key, a value of the wrong type or
        outside its range; the message names the file (or ``--set``), the key
        and the fix.
    """
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    source = "defaults"
    if isinstance(path, Config):
        data = path.to_dict()
        origin = origin_of(path)
        source = "configuration"
    elif path is not None:
        data = read_toml(path)
        source = Path(path).name or str(path)
        for section, table in data.items():
            keys = table if isinstance(table, Mapping) else {}
            origin[section] = source
            origin.update({f"{section}.{key}": source for key in keys})
    items = [(*parse_override(item), "--set") for item in overrides or []]
    for section, values in (settings or {}).items():
        if not isinstance(values, Mapping):
            raise ConfigError(
                f"keyword: '{section}' = {show_value(values)} is not a table of settings. "
                f"Fix: give a dict, e.g. {section}={{'key': value}}"
            )
        items += [(section, str(key), value, "keyword") for key, value in values.items()]
    for section, key, value, where in items:
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            table = data[section] = {}
        table[key] = value
        origin[section] = origin.get(section, where)
        origin[f"{section}.{key}"] = where
    _with_preset(data, origin, preset)
    config = _build(Config, data, origin, "")
    return with_origin(validate_config(config, origin=origin, source=source), origin)


def _with_preset(data: dict[str, Any], origin: dict[str, str], preset: str | None) -> None:
    """Add the preset's settings under those of ``data`` (in place), with their origin.

    The preset is ``preset`` (``--preset``), else ``general.preset`` of ``data``.
    A key ``data`` sets is kept; the preset fills the others.

    Raises
    ------
    ConfigError
        No preset of that name (:func:`safespaces.presets.preset_text`).
    """
    general = data.get("general")
    if preset:
        if not isinstance(general, dict):
            general = data["general"] = {}
        general["preset"] = preset
        origin["general.preset"] = "--preset"
        origin.setdefault("general", "--preset")
    name = general.get("preset") if isinstance(general, Mapping) else None
    if not isinstance(name, str) or not name:
        return  # none, or not text (the type check of general.preset names it)
    try:
        tables = read_preset(name)
    except ConfigError as exc:
        raise ConfigError(f"{origin.get('general.preset', 'configuration')}: {exc}") from None
    where = f"preset {name}"
    for section, table in tables.items():
        mine = data.setdefault(section, {})
        if not isinstance(mine, dict) or not isinstance(table, Mapping):
            continue  # a non-table section of the user's is reported by _build
        origin.setdefault(section, where)
        for key, value in table.items():
            if key not in mine:
                mine[key] = value
                origin[f"{section}.{key}"] = where


def _build(cls: type[T], data: Any, origin: Mapping[str, str], prefix: str) -> T:
    section = prefix.rstrip(".")
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{origin.get(section, 'configuration')}: [{section}] is {show_value(data)}, not a "
            f"table. Fix: write it as a [{section}] section with key = value lines"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        where = origin.get(full, origin.get(section, "configuration"))
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(
                f"{where}: unknown setting {show_value(full)}{suggest(key, sorted(fields))}. "
                f"Fix: use one of {known}"
            )
        field = fields[key]
        if dataclasses.is_dataclass(hints[key]):
            kwargs[key] = _build(hints[key], value, origin, full + ".")
            continue
        default = (
            field.default_factory()
            if field.default_factory is not dataclasses.MISSING
            else field.default
        )
        kwargs[key] = _coerce(hints[key], value, full, where, default)
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, key: str, where: str, example: Any = None) -> Any:
    """``value`` as the type ``hint`` (TOML integers become floats where floats are due)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)

    def bad(what: str | None = None) -> SettingError:
        shown = "" if example is None else _toml_value(example)
        like = f", e.g. {shown}" if shown and len(shown) <= 60 else ""
        kind = kind_of(hint)
        wanted = "text in quotes" if kind == "text" else f"a {kind}"
        problem = what or f"not {wanted}"
        return SettingError(key, value, problem, f"write {wanted}{like}", source=where)

    if origin in (types.UnionType, typing.Union):
        for arg in args:
            try:
                return _coerce(arg, value, key, where)
            except SettingError:
                continue
        raise bad()
    if hint is type(None):
        if value is None:
            return None
        raise bad()
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise bad("not true or false")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float):
            raise SettingError(
                key,
                value,
                "not an integer (a decimal point or exponent makes a decimal number)",
                "write a whole number without a decimal point or exponent"
                + (f", e.g. {int(value)}" if value == value and abs(value) != float("inf") else ""),
                source=where,
            )
        raise bad("not an integer")
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise bad("not a number")
    if hint is str:
        if isinstance(value, str):
            return value
        raise bad("not text")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise bad("not a list")
        inner = args[0] if args else Any
        return tuple(_coerce(inner, v, f"{key}[{i}]", where) for i, v in enumerate(value))
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise bad("not a table")
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _coerce(vt, v, f"{key}.{k}", where) for k, v in value.items()}
    if hint is Any:
        return value
    raise bad()  # pragma: no cover - every field type is listed above


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        inner = ", ".join(
            f"{json.dumps(str(k), ensure_ascii=False)} = {_toml_value(x)}" for k, x in v.items()
        )
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(type(v).__name__)


def to_toml(config: Config) -> str:
    """Render the configuration as TOML (tables for sections and mappings)."""
    lines: list[str] = []
    for section, fields in config.to_dict().items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {_toml_value(v)}" for key, v in fields.items())
        lines.append("")
    return "\n".join(lines)
