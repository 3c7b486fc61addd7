"""The user's columns are theirs: one naming rule shared by every loader.

A loader adds columns of its own (``lamp_id``, ``source``, ``area_id`` ...)
beside the columns of the user's file, and later stages add more (``mix_*``,
``incidents_*`` on the areas). A user's column must never be overwritten or
clash with one of ours, in any case spelling: GeoPackage field names are
case-insensitive, so ``NAME`` and ``name`` cannot both be written. The rule,
applied by :func:`own_columns` in every loader (lamps, incidents, tenure, areas
and their attributes):

1. A column named like a *shared* column (one we read with its meaning:
   ``height_m`` of a lamp, ``name`` of an area, ``osm_building_id`` of tenure)
   keeps its role; a different case spelling (``NAME``) takes our spelling.
2. A user's *id* column (``lamp_id``, ``incident_id``, ``area_id`` in any
   spelling) that is unique and has no missing value is kept as the id: under
   the loader's id name (areas: ``area_id``) or its reference column
   (``lamp_ref``, ``incident_ref``, as text) when our own integer id must stay
   unique across several sources. Otherwise it is kept as ``user_<name>``.
3. Any other column whose name is one of ours, starts with a prefix of ours
   (``mix_`` on the areas), is a name GeoPackage reserves (``fid``, ``geom``,
   ``geometry``), or repeats an earlier column up to case, is kept under
   ``user_<name>`` (``user_<name>_2`` ... when that is taken, compared without case).

Every rename is recorded in ``frame.attrs["renamed_columns"]`` (old name ->
new name) so that the run summary and ``run_metadata`` can show it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import pandas as pd

#: Field names a GeoPackage layer reserves (the feature id and the geometry column).
GPKG_RESERVED: tuple[str, ...] = ("fid", "geom", "geometry")

#: Prefix of a user's column that had to make way for one of ours.
USER_PREFIX = "user_"

#: ``attrs`` key of the recorded renames.
RENAMED = "renamed_columns"


@dataclasses.dataclass(frozen=True)
class ColumnRule:
    """The names a loader owns.

    Attributes
    ----------
    ours
        Columns the loader (or a later stage on the same layer) adds.
    shared
        Columns read with our meaning: kept (a case variant takes our spelling).
    prefixes
        Prefixes of columns later stages add (``mix_`` on the areas).
    id_column
        The loader's id name as users spell it (``lamp_id``), or ``""``.
    id_target
        Where a unique user id goes: ``id_column`` itself (areas) or a text
        reference column (``lamp_ref``).
    """

    ours: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    id_column: str = ""
    id_target: str = ""


def renamed_columns(frame: pd.DataFrame) -> dict[str, str]:
    """The renames recorded on ``frame`` (old name -> new name)."""
    return dict(frame.attrs.get(RENAMED, {}))


def record(frame: pd.DataFrame, renames: Mapping[str, str]) -> pd.DataFrame:
    """Add ``renames`` to the ones recorded on ``frame`` (in place); return ``frame``."""
    if renames:
        frame.attrs[RENAMED] = {**renamed_columns(frame), **dict(renames)}
    return frame


def is_unique_id(values: pd.Series) -> bool:
    """True when ``values`` has no missing or blank value and no repeated one."""
    text = values.astype("string").str.strip()
    return bool(text.notna().all() and (text != "").all() and not text.duplicated().any())


def own_columns(frame: pd.DataFrame, rule: ColumnRule, *, keep: Iterable[str] = ()) -> pd.DataFrame:
    """Rename the user's columns of ``frame`` so that none clashes with ours.

    Parameters
    ----------
    frame
        The user's table (a GeoDataFrame's active geometry column is left alone).
    rule
        The loader's names (:class:`ColumnRule`).
    keep
        Columns to leave as they are (the coordinate or time columns a loader
        reads and drops itself).

    Returns
    -------
    pandas.DataFrame
        ``frame`` with columns renamed (a new frame when any is); the renames
        are added to ``attrs["renamed_columns"]``. A user id kept in a reference
        column (``rule.id_target`` other than ``rule.id_column``) becomes text.
    """
    geometry = getattr(frame, "_geometry_column_name", None)
    skip = {str(c) for c in keep} | ({geometry} if geometry else set())
    shared = {s.casefold(): s for s in rule.shared}
    ours = {o.casefold() for o in rule.ours} | {g.casefold() for g in GPKG_RESERVED}
    if rule.id_target:
        ours.add(rule.id_target.casefold())
    prefixes = tuple(p.casefold() for p in rule.prefixes)
    id_key = rule.id_column.casefold()
    columns = [str(c) for c in frame.columns]
    # Who gets a contested name first: columns kept by the loader, then exact spellings
    # of our shared and id names, then the rest in file order.
    exact = set(rule.shared) | ({rule.id_column} if rule.id_column else set())
    order = sorted(columns, key=lambda c: (c not in skip, c not in exact))
    taken: set[str] = set()
    target: dict[str, str | None] = {}
    adopted_id: str | None = None
    for column in order:
        key = column.casefold()
        if column in skip:
            target[column] = column
        elif key in taken:
            target[column] = None
        elif rule.id_column and key == id_key:
            if is_unique_id(frame[column]):
                target[column] = rule.id_target or rule.id_column
                adopted_id = column
            else:
                target[column] = None
        elif key in shared:
            target[column] = shared[key]
        elif key in ours or key.startswith(prefixes):
            target[column] = None
        else:
            target[column] = column
        name = target[column]
        if name is not None:
            taken.add(name.casefold())
    renames: dict[str, str] = {}
    for column in columns:
        name = target[column]
        if name is None:
            name = _free(USER_PREFIX + column, taken | ours, prefixes)
            taken.add(name.casefold())
        if name != column:
            renames[column] = name
    if not renames:
        return frame
    out = frame.rename(columns=renames)
    if adopted_id is not None and rule.id_target and rule.id_target != rule.id_column:
        out[rule.id_target] = out[rule.id_target].astype("string").str.strip()
    out.attrs = dict(frame.attrs)
    return record(out, renames)


def _free(name: str, taken: set[str], prefixes: tuple[str, ...]) -> str:
    """``name``, or ``name_2``, ``name_3`` ..., not yet taken (compared without case)."""
    candidate, n = name, 1
    while candidate.casefold() in taken or candidate.casefold().startswith(prefixes):
        n += 1
        candidate = f"{name}_{n}"
    return candidate
