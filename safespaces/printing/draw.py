"""Drawing a printed map with matplotlib's object API (``matplotlib.figure.Figure``, never
pyplot's global state, so it is safe in a server's threads): the map with its basemap,
scale bar, north arrow and watermark, then the title, legend and footer on the paper.
matplotlib is imported when a map is drawn."""

from __future__ import annotations

import io
import math
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from safespaces.catalogue import CATALOGUE, Layer
from safespaces.errors import InputError
from safespaces.printing import texts as words
from safespaces.printing.layout import MapLayout, Prepared
from safespaces.printing.legend import LAYERS, LegendBlock
from safespaces.printing.plans import LABEL_PT
from safespaces.printing.view import FOOTER_H, MARGIN, MM_PER_INCH, PT_PER_MM, STREET_LABEL_PT
from safespaces.version import __version__

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The basemap's colours (the app's): paper, parks and squares, buildings and their outline.
LAND, GREEN, BUILDING, BUILDING_EDGE = "#f4f3ef", "#cfe5c4", "#dedad3", "#c9c5bd"
#: The SYNTHETIC watermark and note (ColorBrewer RdBu's darkest red).
WATERMARK_COLOUR = "#b2182b"


def _polygon_paths(geoms: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """One matplotlib path per feature (every ring, holes included), and the feature index
    of each path (features left empty by clipping have none)."""
    from matplotlib.path import Path as MplPath

    parts, owner = shapely.get_parts(geoms, return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygon], owner[polygon]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, which = shapely.get_coordinates(rings, return_index=True)
    cuts = np.searchsorted(which, np.arange(1, len(rings)))
    per_feature: dict[int, list[np.ndarray]] = {}
    for ring, part in zip(np.split(coords, cuts), ring_part, strict=True):
        if len(ring) >= 4:
            per_feature.setdefault(int(owner[part]), []).append(ring)
    paths, index = [], []
    for feature, ring_list in per_feature.items():
        codes = [
            np.r_[MplPath.MOVETO, np.full(len(r) - 2, MplPath.LINETO), MplPath.CLOSEPOLY]
            for r in ring_list
        ]
        paths.append(MplPath(np.concatenate(ring_list), np.concatenate(codes).astype(np.uint8)))
        index.append(feature)
    return paths, np.asarray(index, dtype=np.int64)


def _line_parts(geoms: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The vertices of every line part, and the feature index of each."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    line = np.isin(shapely.get_type_id(parts), (1, 2))
    parts, owner = parts[line], owner[line]
    coords, which = shapely.get_coordinates(parts, return_index=True)
    cuts = np.searchsorted(which, np.arange(1, len(parts)))
    return np.split(coords, cuts) if len(parts) else [], owner


def _draw_map(ax: Axes, prep: Prepared) -> None:
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.patheffects import withStroke

    lay = prep.layout
    for name, face, edge in (
        ("public_spaces", GREEN, "none"),
        ("buildings", BUILDING, BUILDING_EDGE),
    ):
        if name in prep.basemap:
            paths, _ = _polygon_paths(prep.basemap[name].geometry.to_numpy())
            ax.add_collection(
                PathCollection(paths, facecolors=face, edgecolors=edge, linewidths=0.25, zorder=1)
            )
    for z, (key, (frame, colours)) in enumerate(prep.features.items(), start=2):
        geoms = frame.geometry.to_numpy()
        entry = CATALOGUE[LAYERS[key][1]]
        opacity = entry.style.opacity if isinstance(entry, Layer) and entry.style else 1.0
        if LAYERS[key][2] == "point":  # a plan's points, over the street names
            _draw_points(ax, prep, key, colours)
            continue
        if LAYERS[key][2] == "polygon":
            paths, index = _polygon_paths(geoms)
            ax.add_collection(
                PathCollection(
                    paths,
                    facecolors=list(colours[index]),
                    edgecolors="#ffffff",
                    linewidths=0.5,
                    alpha=opacity,
                    zorder=z,
                )
            )
            continue
        lines, owner = _line_parts(geoms)
        width = prep.widths[key] * PT_PER_MM
        if key == "dark":  # a white casing, as the app draws the dark paths
            ax.add_collection(
                LineCollection(lines, colors="#ffffff", linewidths=width + 1.2, zorder=z)
            )
        ax.add_collection(
            LineCollection(
                lines, colors=list(colours[owner]), linewidths=width, capstyle="round", zorder=z
            )
        )
    halo = [withStroke(linewidth=1.6, foreground="#ffffff")]
    for x, y, angle, name in prep.labels:
        ax.text(
            x,
            y,
            name,
            rotation=angle,
            rotation_mode="anchor",
            ha="center",
            va="center",
            fontsize=STREET_LABEL_PT,
            color="#3c3c3c",
            path_effects=halo,
            clip_on=True,
            zorder=20,
        )
    x0, y0, x1, y1 = lay.extent
    mm = (x1 - x0) / lay.frame_mm[2]  # map metres per millimetre of paper
    _scale_bar(ax, lay, x0 + 5 * mm, y0 + 6 * mm, mm)
    _north_arrow(ax, lay.north_deg, x1 - 9 * mm, y1 - 15 * mm, mm, lay)
    if lay.watermark:
        w, h = lay.frame_mm[2], lay.frame_mm[3]
        size = 0.62 * math.hypot(w, h) / (0.75 * len(lay.watermark)) * PT_PER_MM
        ax.text(
            0.5,
            0.5,
            lay.watermark,
            transform=ax.transAxes,
            rotation=math.degrees(math.atan2(h, w)),
            rotation_mode="anchor",
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
            color=WATERMARK_COLOUR,
            alpha=0.3,
            zorder=30,
        )


def _draw_points(ax: Axes, prep: Prepared, key: str, colours: np.ndarray) -> None:
    """A plan's points (the best rank drawn last, on top) and their numbers, with a white
    halo and, for a number moved away from a crowd, a leader line back to its point."""
    from matplotlib.collections import LineCollection
    from matplotlib.patheffects import Stroke

    frame = prep.features[key][0]
    entry = CATALOGUE[LAYERS[key][1]]
    outline = entry.style.outline if isinstance(entry, Layer) and entry.style else None
    rank = pd.to_numeric(frame["rank"], errors="coerce").to_numpy(dtype=float)
    order = np.argsort(-np.nan_to_num(rank, nan=np.inf), kind="stable")
    xy = shapely.get_coordinates(shapely.centroid(frame.geometry.to_numpy()))[order]
    diameter = prep.widths[key]
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=(diameter * PT_PER_MM) ** 2,
        c=list(colours[order]),
        edgecolors=outline or "none",
        linewidths=0.6,
        zorder=21,
    )
    lay = prep.layout
    mm = (lay.extent[2] - lay.extent[0]) / lay.frame_mm[2]  # map units per mm of paper
    numbers = prep.numbers.get(key, [])
    leaders = []  # from the point's edge to its number
    for x, y, dx, dy, *_, leader in numbers:
        if leader:
            edge = diameter / 2 / max(math.hypot(dx, dy), 1e-9)
            leaders.append([(x + dx * edge * mm, y + dy * edge * mm), (x + dx * mm, y + dy * mm)])
    if leaders:
        ax.add_collection(LineCollection(leaders, colors="#252525", linewidths=0.4, zorder=21))
    halo = [Stroke(linewidth=2.2, foreground="#ffffff")]
    for x, y, dx, dy, text, ha, va, _ in numbers:
        style: dict[str, Any] = {"ha": ha, "va": va, "fontsize": LABEL_PT, "fontweight": "bold"}
        at = (x + dx * mm, y + dy * mm)
        # the halo is drawn as outlines, the number itself as text (searchable in a PDF)
        ax.text(*at, text, color="#ffffff", path_effects=halo, clip_on=True, zorder=22, **style)
        ax.text(*at, text, color="#111111", clip_on=True, zorder=23, **style)


def _scale_bar(ax: Axes, lay: MapLayout, x: float, y: float, mm: float) -> None:
    from matplotlib.patches import Rectangle

    length = lay.scale_bar_m * lay.scale_factor  # on the map
    label_mm = 2.0 * len(lay.scale_label)
    ax.add_patch(
        Rectangle(
            (x - 2.5 * mm, y - 5 * mm),
            length + label_mm * mm / 2 + 5 * mm,
            8.5 * mm,
            facecolor="#ffffff",
            edgecolor="none",
            alpha=0.85,
            zorder=25,
        )
    )
    for i, colour in enumerate(("#000000", "#ffffff")):
        ax.add_patch(
            Rectangle(
                (x + i * length / 2, y),
                length / 2,
                1.4 * mm,
                facecolor=colour,
                edgecolor="#000000",
                linewidth=0.5,
                zorder=26,
            )
        )
    for at, text in ((x, "0"), (x + length, lay.scale_label)):
        ax.text(at, y - 0.8 * mm, text, ha="center", va="top", fontsize=6.5, zorder=27)


def _north_arrow(ax: Axes, deg: float, x: float, y: float, mm: float, lay: MapLayout) -> None:
    from matplotlib.patches import Circle, Polygon

    d = np.array([math.sin(math.radians(deg)), math.cos(math.radians(deg))])
    n = np.array([d[1], -d[0]])
    r = 4.5 * mm
    ax.add_patch(
        Circle(
            (x, y),
            6.5 * mm,
            facecolor="#ffffff",
            edgecolor="#4d4d4d",
            linewidth=0.5,
            alpha=0.9,
            zorder=25,
        )
    )
    tip, tail, c = np.array([x, y]) + r * d, np.array([x, y]) - r * d, np.array([x, y])
    for side, colour in ((n, "#000000"), (-n, "#ffffff")):
        ax.add_patch(
            Polygon(
                [tip, c + 0.42 * r * side - 0.25 * r * d, tail],
                closed=True,
                facecolor=colour,
                edgecolor="#000000",
                linewidth=0.5,
                zorder=26,
            )
        )
    label = np.array([x, y]) + 9.2 * mm * d
    ax.text(
        label[0],
        label[1],
        words.text("north", lay.lang),
        ha="center",
        va="center",
        fontsize=8,
        fontweight="bold",
        zorder=27,
    )


#: Average width of a character, in font sizes (DejaVu Sans), to wrap texts.
_CHAR_EM = 0.56


def _wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    chars = max(10, int(width_mm * PT_PER_MM / (size_pt * _CHAR_EM)))
    return textwrap.wrap(text, chars, break_long_words=False) or [""]


Placed = list[tuple[LegendBlock, list[tuple[list[str], str]], float, float]]


def _pack(lay: MapLayout, f: float, *, strict: bool = True) -> Placed | None:
    """Legend blocks at scale ``f`` placed top to bottom in columns (a block is never split):
    ``(block, wrapped rows, left, top)`` in mm, or None when they do not fit (``strict``)."""
    x, y, w, h = lay.legend_mm
    col_w = w / max(1, int(w // 60))
    top, left = y + h - 7 * f, x
    placed: Placed = []
    for block in lay.legend:
        rows = [(_wrap(label, col_w - 12 * f, 7 * f), colour) for label, colour in block.rows]
        height = 5.5 * f + sum(len(lines) * 3.3 * f + f for lines, _ in rows)
        if top - height < y and placed:
            top, left = y + h - 7 * f, left + col_w
        if strict and (top - height < y or left + col_w > x + w + 0.01):
            return None
        placed.append((block, rows, left, top))
        top -= height
    return placed


def _draw_legend(paper: Axes, lay: MapLayout) -> None:
    """The legend: its heading, then each block's title and rows, shrunk until they fit."""
    from matplotlib.patches import Circle, Rectangle

    f = 1.0
    while (placed := _pack(lay, f)) is None and f > 0.4:
        f *= 0.92
    x, y, _, h = lay.legend_mm
    bold: dict[str, Any] = {"ha": "left", "va": "top", "fontweight": "bold"}
    paper.text(x, y + h, words.text("legend", lay.lang), fontsize=9 * f, **bold)
    for block, rows, left, start in placed or _pack(lay, f, strict=False) or []:
        paper.text(left, start, block.title, fontsize=7.5 * f, **bold)
        top = start - 5.0 * f
        for lines, colour in rows:
            line_h = 3.3 * f
            mid = top - line_h / 2
            swatch = (
                Circle(
                    (left + 4 * f, mid),
                    1.2 * f,
                    facecolor=colour,
                    edgecolor=block.outline or "none",
                    linewidth=0.6,
                )
                if block.geometry == "point"
                else Rectangle(
                    (left, mid - 1.5 * f),
                    8 * f,
                    3 * f,
                    facecolor=colour,
                    alpha=block.opacity,
                    edgecolor="#7f7f7f",
                    linewidth=0.4,
                )
                if block.geometry == "polygon"
                else Rectangle(
                    (left, mid - 0.7 * f), 8 * f, 1.4 * f, facecolor=colour, edgecolor="none"
                )
            )
            paper.add_patch(swatch)
            paper.text(
                left + 10 * f,
                top,
                "\n".join(lines),
                ha="left",
                va="top",
                fontsize=7 * f,
                linespacing=1.15,
            )
            top -= len(lines) * line_h + f


def _draw_paper(paper: Axes, lay: MapLayout) -> None:
    w, h = lay.size_mm
    fit = (w - 2 * MARGIN) * PT_PER_MM / (0.66 * max(len(lay.title), 1))  # bold, on one line
    paper.text(
        MARGIN, h - MARGIN, lay.title, ha="left", va="top", fontsize=min(15, fit), fontweight="bold"
    )
    heads = [(lay.figures, "#1a1a1a"), (lay.subtitle, "#404040")] if lay.figures else []
    for i, (text, colour) in enumerate(heads or [(lay.subtitle, "#404040")]):
        fit = (w - 2 * MARGIN) * PT_PER_MM / (_CHAR_EM * max(len(text), 1))
        paper.text(
            MARGIN,
            h - MARGIN - (7.2 + 3.6 * i if heads else 8.5),
            text,
            ha="left",
            va="top",
            fontsize=min(7.8 if heads else 8.5, fit),
            color=colour,
        )
    _draw_legend(paper, lay)
    size = 6.3
    lines = [
        (part, bool(lay.synthetic) and i == 1)
        for i, text in enumerate(lay.sources)
        for part in _wrap(text, w - 2 * MARGIN, size)
    ]
    step = min(2.9, (FOOTER_H - 3) / max(len(lines), 1))
    for i, (text, warn) in enumerate(lines):
        paper.text(
            MARGIN,
            MARGIN + FOOTER_H - 3 - i * step,
            text,
            ha="left",
            va="top",
            fontsize=size * step / 2.9,
            color=WATERMARK_COLOUR if warn else "#262626",
            fontweight="bold" if warn else "normal",
        )


def render(prep: Prepared, fmt: str, dpi: int) -> bytes:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise InputError(
            "printing a map needs matplotlib", fix="pip install 'safespaces[print]'"
        ) from exc
    lay = prep.layout
    w, h = lay.size_mm
    if fmt == "png":  # Agg truncates the pixel size: half a pixel more keeps the rounded one
        size = (
            (round(w / MM_PER_INCH * dpi) + 0.5) / dpi,
            (round(h / MM_PER_INCH * dpi) + 0.5) / dpi,
        )
    else:
        size = (w / MM_PER_INCH, h / MM_PER_INCH)
    fig = Figure(figsize=size, dpi=dpi, facecolor="#ffffff")
    paper = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    paper.set_xlim(0, w)
    paper.set_ylim(0, h)
    paper.set_axis_off()
    fx, fy, fw, fh = lay.frame_mm
    ax = fig.add_axes((fx / w, fy / h, fw / w, fh / h), facecolor=LAND)
    ax.set_xlim(lay.extent[0], lay.extent[2])
    ax.set_ylim(lay.extent[1], lay.extent[3])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    _draw_map(ax, prep)
    _draw_paper(paper, lay)
    buffer = io.BytesIO()
    creator = f"safespaces {__version__}"
    metadata = (
        {"Title": lay.title, "Creator": creator, "CreationDate": None}
        if fmt == "pdf"
        else {"Title": lay.title, "Software": creator}
    )
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()
