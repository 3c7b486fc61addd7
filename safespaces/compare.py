"""Several cities, each run with its own settings, and one table of their measures side by side.

``safespaces compare`` (:mod:`safespaces.commands.compare`) names the cities by
their OpenStreetMap extracts or in a TOML file (:func:`read_cities`). Each city is
loaded by :func:`safespaces.study.load_study` and run by
:func:`safespaces.pipeline.run_stages` into ``DIR/<name>/`` through the atomic
output folder (:func:`safespaces.output.output_folder`), exactly as ``run`` would
run it alone. :func:`city_row` takes the absolute-scale measures from each run's
summary; a city that fails gets a row with its error and the others go on.
:func:`write_comparison` writes the table as ``city_comparison.csv`` and as the
attribute table ``city_comparison`` of ``city_comparison.gpkg``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safespaces.config import load_config
from safespaces.errors import InputError, SafespacesError, report_internal_error
from safespaces.eyes.vocabulary import WINDOWS, window_column
from safespaces.io import atomic_path, write_layers
from safespaces.lighting.vocabulary import LIT_NOT_MAPPED, share_p6_or_better
from safespaces.output import output_folder
from safespaces.pipeline import run_stages
from safespaces.sections import name_problem
from safespaces.study import FILE_INPUTS, Inputs, Study, load_study
from safespaces.timing import Progress

#: The table's name: ``<DIR>/city_comparison.csv`` and the GeoPackage attribute table.
TABLE = "city_comparison"
#: Inputs a city of a cities file can name: every field of :class:`~safespaces.study.Inputs`
#: (as for ``run``); those that are files are read relative to the cities file.
CITY_INPUTS = tuple(f.name for f in dataclasses.fields(Inputs))
CITY_FILES = FILE_INPUTS
#: Every key a ``[[city]]`` table may hold.
CITY_KEYS = ("name", *CITY_INPUTS, "config", "set")
#: File-name endings dropped from an extract's name to make the city's default name.
_EXTRACT_SUFFIXES = (".osm.pbf", ".osm.bz2", ".osm.gz", ".pbf", ".osm")
#: The lighting summary's share of walking length whose lamp data is missing (lamp-data coverage).
NO_LAMP_DATA_SHARE = "no_lamp_data_share_of_walking_length"
#: The measure columns, in table order (besides ``city``, ``status`` ... ``out``).
MEASURES = (
    "timezone",
    "crs",
    "walking_km",
    "residents_est",
    "lamps",
    "light_share_p6",
    "light_share_lit_not_mapped",
    "light_share_no_lamp_data",
    *(window_column(w) for w in WINDOWS),
    "mix_entropy",
    "score_mean",
)
#: Every column of the table, in order.
COLUMNS = ("city", "status", *MEASURES, "unknown", "error", "out")


@dataclasses.dataclass(frozen=True)
class City:
    """One city of a comparison.

    Attributes
    ----------
    name
        The study name: the output folder ``DIR/<name>`` and ``general.name``.
    inputs
        Its input files, as for ``run``.
    config
        Its own configuration file, instead of the command's ``--config``.
    sets
        ``--set`` overrides of its own, after the command's.
    """

    name: str
    inputs: Inputs
    config: Path | None = None
    sets: tuple[str, ...] = ()


def city_name(path: str | Path) -> str:
    """The default name of a city: its extract's file name without ``.osm.pbf`` and the
    like, lower-cased, other characters than letters, digits, ``-`` and ``_`` as ``-``."""
    name = Path(path).name
    cut = next((s for s in _EXTRACT_SUFFIXES if name.lower().endswith(s)), Path(name).suffix)
    stem = name[: len(name) - len(cut)] if cut else name
    return re.sub(r"[^\w-]+", "-", stem.lower()).strip("-._") or "city"


def cities_from_files(paths: Sequence[Path]) -> list[City]:
    """One city per OpenStreetMap extract, named after the file (:func:`city_name`)."""
    return check_cities([City(city_name(p), Inputs(osm=Path(p))) for p in paths])


def read_cities(path: Path) -> list[City]:
    """The cities a TOML file lists, one ``[[city]]`` table each.

    A table holds ``osm`` (required) and optionally ``name``, ``lamps``,
    ``tenure``, ``incidents``, ``areas``, ``crs`` (of x/y columns, as ``--crs``),
    ``config`` (a configuration file, e.g. a country preset) and ``set`` (a list
    of ``K=V`` overrides). Relative paths are read from the TOML file's folder.

    Raises
    ------
    InputError
        The file cannot be read, lists no city, or a city's entry is wrong (the
        message names the city's position and key).
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the cities file: {exc}", path=path) from None
    entries = data.get("city")
    if not isinstance(entries, list) or not entries:
        raise InputError(
            "lists no city", path=path, fix='add one [[city]] table per city with osm = "FILE"'
        )
    cities = [_city(entry, n, Path(path)) for n, entry in enumerate(entries, start=1)]
    return check_cities(cities, path)


def _city(entry: Any, n: int, path: Path) -> City:
    """The city of the ``n``-th ``[[city]]`` table of the cities file ``path``."""

    def wrong(what: str, fix: str) -> InputError:
        return InputError(f"[[city]] number {n} {what}", path=path, fix=fix)

    if not isinstance(entry, dict):
        raise wrong("is not a table", "write each city as a [[city]] table")
    unknown = sorted(set(entry) - set(CITY_KEYS))
    if unknown:
        raise wrong(f"has the unknown key {unknown[0]!r}", f"use only {', '.join(CITY_KEYS)}")
    if "osm" not in entry:
        raise wrong("names no extract", 'add osm = "FILE"')
    bad = next((k for k, v in entry.items() if k != "set" and not (isinstance(v, str) and v)), None)
    if bad:
        raise wrong(f"has {bad!r} that is not a text", "write paths and names in quotes")
    sets = entry.get("set", [])
    if not isinstance(sets, list) or not all(isinstance(s, str) for s in sets):
        raise wrong("has 'set' that is not a list of texts", 'write set = ["section.key=value"]')
    base = path.parent
    given = {k: base / v if k in CITY_FILES else v for k, v in entry.items()}
    inputs = Inputs(**{k: v for k, v in given.items() if k in CITY_INPUTS})
    return City(
        name=entry.get("name") or city_name(given["osm"]),
        inputs=inputs,
        config=base / entry["config"] if "config" in entry else None,
        sets=tuple(sets),
    )


def check_cities(cities: list[City], path: Path | None = None) -> list[City]:
    """Refuse names that cannot be a folder, and two cities of one name, before any run.

    ``path`` is the cities file they come from (None: extracts named on the command line).
    """
    seen: set[str] = set()
    for n, city in enumerate(cities, start=1):
        where = path or city.inputs.osm
        also = "" if path else " (rename the file, or name the city in a --cities file)"
        problem = name_problem(city.name)
        if problem is not None:
            raise InputError(
                f"city number {n}: the name {city.name!r}: {problem[0]}",
                path=where,
                fix=problem[1] + also,
            )
        if city.name.lower() in seen:
            raise InputError(
                f"city number {n}: another city is named {city.name!r} "
                "(each city writes the folder DIR/<name>)",
                path=where,
                fix="give each city a name of its own" + also,
            )
        seen.add(city.name.lower())
    return cities


def _number(value: Any, digits: int = 2) -> float:
    """A rounded float, NaN where the summary has none (a missing measure is unknown, not 0)."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return round(float(value), digits)
    except (TypeError, ValueError):
        return math.nan


def city_row(name: str, study: Study, summary: Mapping[str, Any], out: Path) -> dict[str, Any]:
    """The table's row of one city's run: measures from its ``run`` summary.

    Shares are fractions 0..1 of walking length, eyes and score 0..100 length-weighted
    means, ``mix_entropy`` the multigroup entropy of tenure (NaN without tenure).
    ``unknown`` names each measure left empty and why.
    """
    light = summary.get("lighting", {})
    shares = light.get("light_class_share_of_walking_length", {})
    eyes = summary.get("eyes", {}).get("length_weighted_mean", {})
    mix, score = summary.get("mix", {}), summary.get("score", {})
    row: dict[str, Any] = {
        "city": name,
        "status": "ok",
        "timezone": study.config.general.timezone,
        "crs": study.crs.to_string(),
        "walking_km": _number(summary.get("walking length km"), 1),
        "residents_est": _number(study.areas["residents_est"].sum(), 0),
        "lamps": _number(summary.get("lamps"), 0),
        "light_share_p6": _number(share_p6_or_better(shares), 4) if shares else math.nan,
        "light_share_lit_not_mapped": _number(shares.get(LIT_NOT_MAPPED), 4),
        "light_share_no_lamp_data": _number(light.get(NO_LAMP_DATA_SHARE), 4),
        **{window_column(w): _number(eyes.get(window_column(w))) for w in WINDOWS},
        "mix_entropy": _number(mix.get("multigroup_entropy"), 4),
        "score_mean": _number(score.get("length_weighted_mean")),
    }
    why = {
        "light_share_no_lamp_data": "no lamp-data coverage in the lighting summary",
        "mix_entropy": "no tenure input" if study.tenure is None else "undefined",
    }
    unknown = [f"{k}: {why.get(k, 'not measured')}" for k in MEASURES if _empty(row[k])]
    unknown += [f"score {f}: {reason}" for f, reason in score.get("unknown", {}).items()]
    return {**row, "unknown": "; ".join(unknown), "error": "", "out": str(out)}


def _empty(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def failed_row(name: str, error: str) -> dict[str, Any]:
    """The row of a city whose run failed: its error and no measure."""
    return {"city": name, "status": "failed", "error": error}


def run_city(
    city: City,
    out_root: Path,
    *,
    config: Path | None = None,
    sets: Sequence[str] = (),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run one city as ``run`` does, into ``out_root/<name>`` (whole or not at all); its row.

    The configuration is the city's own file (else ``config``), then ``sets``, the
    city's own overrides and ``general.name = <name>``.

    Raises
    ------
    SafespacesError
        Bad input or settings of this city; its folder is left as it was.
    """
    overrides = [*sets, *city.sets, f"general.name={json.dumps(city.name)}"]
    settings = load_config(city.config or config, overrides)
    timings: dict[str, float] = {}
    with output_folder(out_root / city.name) as folder:
        study = load_study(city.inputs, settings, progress=progress, timings=timings)
        result = run_stages(study, folder.path, progress=progress, timings=timings).moved(folder)
    return city_row(city.name, study, result.summary, folder.target)


def compare_cities(
    cities: Sequence[City],
    out_root: Path,
    *,
    config: Path | None = None,
    sets: Sequence[str] = (),
    progress: Progress | None = None,
    failed: Callable[[str, str], None] | None = None,
) -> pd.DataFrame:
    """Run every city (:func:`run_city`) and return the table, one row per city in order.

    A city that fails (bad input, or a bug, logged as ``run`` would log it) gets a row
    with ``status`` ``failed`` and its error; ``failed(name, message)`` is called
    for it, and the next city runs.
    """
    rows = []
    for city in cities:

        def tell(message: str, name: str = city.name) -> None:
            if progress:
                progress(f"{name}: {message}")

        try:
            rows.append(run_city(city, out_root, config=config, sets=sets, progress=tell))
        except SafespacesError as exc:
            rows.append(failed_row(city.name, str(exc)))
        except Exception as exc:  # a bug in one city must not cost the others their run
            rows.append(failed_row(city.name, report_internal_error(exc, f"city {city.name}")))
        if failed and rows[-1]["status"] == "failed":
            failed(city.name, rows[-1]["error"])
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.astype({"residents_est": "Int64", "lamps": "Int64"})


def write_comparison(table: pd.DataFrame, out_root: Path) -> list[Path]:
    """Write ``city_comparison.csv`` and ``city_comparison.gpkg`` (attribute table
    ``city_comparison``) into ``out_root``; each file whole or not at all."""
    csv = out_root / f"{TABLE}.csv"
    with atomic_path(csv) as tmp:
        table.to_csv(tmp, index=False)
    gpkg = write_layers(out_root, {TABLE: table}, filename=f"{TABLE}.gpkg", keep_other_layers=False)
    return [csv, gpkg]


def format_table(table: pd.DataFrame) -> str:
    """The table turned for reading: a Markdown table, one column per city, one row per
    measure; shares in %, empty measures ``unknown``."""
    names = [str(n) for n in table["city"]]
    lines = ["| measure | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for column in ("status", *MEASURES):
        cells = [_cell(column, v) for v in table[column]]
        lines.append(f"| {column} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(column: str, value: Any) -> str:
    if value is None or value is pd.NA or _empty(value):
        return "unknown"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float):
        share = column.startswith("light_share")
        return f"{value:.1%}" if share else f"{value:g}"
    return str(value)
