"""Print one view of a run: :func:`map_layout`, :func:`print_map`, :func:`write_map`
(re-exported by :mod:`safespaces.printing`, which documents the layout)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from safespaces.errors import InputError, OutputError
from safespaces.io import atomic_path
from safespaces.printing.draw import render
from safespaces.printing.layout import MapLayout, MapSource, prepare
from safespaces.printing.plans import LampPlanLike

#: Output formats.
FORMATS: tuple[str, ...] = ("png", "pdf")
#: Resolutions a PNG may have (dots per inch).
DPI_RANGE = (50, 600)


def _check_output(fmt: str, dpi: int) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", fix=f"use one of {', '.join(FORMATS)}")
    if not isinstance(dpi, int | np.integer) or not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise InputError(
            f"{dpi!r} dots per inch is out of range",
            fix=f"give a resolution from {DPI_RANGE[0]} to {DPI_RANGE[1]}",
        )


def map_layout(
    source: MapSource | str | Path,
    *,
    layer: str | Sequence[str] = "eyes",
    hour: int | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    bounds_crs: str | None = "EPSG:4326",
    lang: str = "en",
    paper: str = "A4 landscape",
    title: str | None = None,
    weights: Mapping[str, float] | None = None,
    plan: LampPlanLike | None = None,
) -> MapLayout:
    """What :func:`print_map` would draw, as plain data (title, view, scale bar, legend ...).

    Takes the arguments of :func:`print_map` (less the output's ``fmt`` and ``dpi``).

    Examples
    --------
    >>> import types, geopandas as gpd, shapely
    >>> streets = gpd.GeoDataFrame(
    ...     {"light_class": ["P4", "unlit"]},
    ...     geometry=[shapely.LineString([(385_900, 6_672_000), (386_200, 6_672_000)]),
    ...               shapely.LineString([(386_050, 6_671_900), (386_050, 6_672_150)])],
    ...     crs="EPSG:3067")
    >>> run = types.SimpleNamespace(layers={"street_segments": streets}, metadata={})
    >>> layout = map_layout(run, layer="lighting", lang="fi")
    >>> layout.title, layout.scale_label, layout.watermark, layout.drawn
    ('Valaistusluokka', '50 m', None, {'lighting': 2})
    >>> layout.legend[0].rows[2][0]
    'P3 (keskim. ≥ 7,5 lx)'
    """
    return prepare(
        source,
        layer=layer,
        hour=hour,
        bounds=bounds,
        bounds_crs=bounds_crs,
        lang=lang,
        paper=paper,
        title=title,
        weights=weights,
        plan=plan,
    ).layout


def print_map(
    source: MapSource | str | Path,
    *,
    layer: str | Sequence[str] = "eyes",
    hour: int | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    bounds_crs: str | None = "EPSG:4326",
    lang: str = "en",
    fmt: str = "png",
    dpi: int = 150,
    paper: str = "A4 landscape",
    title: str | None = None,
    weights: Mapping[str, float] | None = None,
    plan: LampPlanLike | None = None,
) -> bytes:
    """A printable map of one view of a run, as PNG or PDF bytes.

    Parameters
    ----------
    source
        The run: its output folder (or its ``safespaces.gpkg``), a
        :class:`~safespaces.api.Results`, or any object with ``layers`` (the GeoPackage's
        tables by name, in the run's metric CRS) and ``metadata`` (``run_metadata``).
    layer
        A map layer, or several drawn together (areas below streets below dark paths), by
        the app's keys: ``eyes`` (eyes on the street in ``hour``), ``lighting``, ``score``,
        ``mix``, ``hotspots``, ``dark`` (:data:`LAYERS`); or a plan: ``plan_lamps``
        (the lamps of ``safespaces plan lamps``), ``plan_hours`` (the premises of
        ``safespaces plan hours``), numbered by rank over the street layer they were
        planned on (``lighting``, ``eyes``; before the plan) unless another street layer
        is given, with the plan's budget and its before/after figures in the title.
    hour
        The hour (0-23) of ``eyes``; default :data:`DEFAULT_HOUR`. Other layers ignore it.
    bounds
        The view ``(west, south, east, north)``, in longitude and latitude unless
        ``bounds_crs`` says otherwise (``None``: the run's CRS). It is widened to the map
        frame's proportions, never cut. Default: the whole study area.
    lang
        ``en``, ``fi`` or ``sv``: titles, legend, scale, sources and watermark.
    fmt, dpi
        ``png`` (at ``dpi`` dots per inch: an A4 page at 150 dpi is 1754 x 1240 pixels)
        or ``pdf`` (vector, the paper's size).
    paper
        ``A4 landscape`` (default), ``A4 portrait``, ``A3 landscape``, ``A3 portrait``.
    title
        Replaces the title (default: the layers' names, the hour of ``eyes``).
    weights
        Weights of the families in ``score`` (as the app's sliders); default: the run's.
    plan
        A lamp plan (:class:`~safespaces.plan.LampPlan`: ``lamps`` and ``summary``) drawn
        as ``plan_lamps`` instead of the run's layer (which it then need not have): the
        app's plan as edited. Adds ``plan_lamps`` to ``layer``.

    Returns
    -------
    bytes
        The PNG or PDF file.

    Raises
    ------
    InputError
        An unknown layer, paper, format or language, an hour outside 0-23, a view outside
        the study area, a layer the run did not make (a plan not made in the folder: the
        error says which command makes it), or matplotlib missing.

    Examples
    --------
    Any object with ``layers`` and ``metadata`` will do; here two streets in EPSG:3067:

    >>> import types, geopandas as gpd, shapely
    >>> streets = gpd.GeoDataFrame(
    ...     {"name": ["Esplanadi", "Mikonkatu"], "light_class": ["P4", "unlit"]},
    ...     geometry=[shapely.LineString([(385_900, 6_672_000), (386_200, 6_672_000)]),
    ...               shapely.LineString([(386_050, 6_671_900), (386_050, 6_672_150)])],
    ...     crs="EPSG:3067")
    >>> run = types.SimpleNamespace(layers={"street_segments": streets},
    ...                             metadata={"study_name": "demo"})
    >>> print_map(run, layer="lighting", fmt="pdf")[:5]
    b'%PDF-'

    A run's output folder, at 23:00, with its dark paths, in Finnish:
    ``print_map("layers/helsinki", layer=["eyes", "dark"], hour=23, lang="fi")``; the lamp
    plan made in it (``safespaces plan lamps --budget 10``), as PDF:
    ``print_map("layers/helsinki", layer="plan_lamps", fmt="pdf")``.
    """
    _check_output(fmt, dpi)
    prep = prepare(
        source,
        layer=layer,
        hour=hour,
        bounds=bounds,
        bounds_crs=bounds_crs,
        lang=lang,
        paper=paper,
        title=title,
        weights=weights,
        plan=plan,
    )
    return render(prep, fmt, int(dpi))


def write_map(path: str | Path, source: MapSource | str | Path, **options: Any) -> Path:
    """Write :func:`print_map` to ``path``, atomically (a failed write leaves the old file).

    The format is the file's suffix (``.png``, ``.pdf``) unless ``fmt`` is given; the other
    options are those of :func:`print_map`.

    Raises
    ------
    InputError
        A suffix that is not .png or .pdf (and no ``fmt``), or what :func:`print_map` raises.
    OutputError
        The file cannot be written.
    """
    path = Path(path)
    fmt = options.pop("fmt", None) or path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(
            "the output is neither .png nor .pdf",
            fix="give a path ending in .png or .pdf",
            path=path,
        )
    data = print_map(source, fmt=fmt, **options)
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write {path} ({exc.strerror or exc})") from exc
    return path
