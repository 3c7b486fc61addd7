"""A plan on paper (``safespaces print --layer plan_lamps|plan_hours``): the numbered
points beside their places, the plan's figures in the title, the legend, and the error of a
folder without a plan.

The plan folder is the default run's GeoPackage with a plan written into it as the planner
writes it (layer ``plan_lamps`` and the summary in the run's metadata), at hand-picked
places on unlit segments: two of them 5 m from another lamp, as the planner proposes pairs
(its candidates stand 12 m apart). The figures of the summary are those of
``safespaces plan lamps --budget 10`` on the default; the expected texts are written out
by hand from them. The planner's own output is printed in tests/app/test_app_plan.py.
"""

from __future__ import annotations

import io
import itertools
import shutil
import types
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from PIL import Image
from printcheck import pdf_texts, plan_numbers

from safespaces.catalogue import CATALOGUE, Layer
from safespaces.cli import main
from safespaces.errors import InputError
from safespaces.io import GPKG_NAME, write_layers
from safespaces.printing import map_layout, print_map
from safespaces.printing.view import PT_PER_MM

#: The summary of ``safespaces plan lamps --budget 10`` on the default (README), budget 12.
LAMPS_SUMMARY = {
    "budget": 12,
    "proposed": 12,
    "objective": "length",
    "walking_length_m": 89943.3,
    "p6_length_before_m": 22180.6,
    "p6_length_after_m": 24638.2,
    "gain_m": 2457.6,
    "p6_share_before": 0.2466,
    "p6_share_after": 0.2739,
}
HOURS_SUMMARY = {
    "budget": 6,
    "until_hour": 23,
    "need_weighted_dark_eyes_before": 7.6712,
    "need_weighted_dark_eyes_after": 7.7201,
    "gain": 0.0489,
}


def _points(folder: Path) -> gpd.GeoSeries:
    """Ten midpoints of unlit segments spread over the study, and two lamps 5 m east of
    the first two."""
    segs = pyogrio.read_dataframe(
        folder / GPKG_NAME, layer="street_segments", columns=["light_class"]
    )
    unlit = segs[segs["light_class"] == "unlit"].geometry.to_numpy()
    mids = shapely.line_interpolate_point(unlit, 0.5, normalized=True)
    chosen = mids[np.linspace(0, len(mids) - 1, 10).astype(int)]
    pairs = shapely.transform(chosen[:2], lambda xy: xy + np.array([5.0, 0.0]))
    return gpd.GeoSeries(np.concatenate([chosen, pairs]), crs=segs.crs)


@pytest.fixture(scope="module")
def planned(default_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default run's GeoPackage with a lamp plan (12 lamps) and an opening-hours plan
    (6 premises) in it."""
    folder = tmp_path_factory.mktemp("planned") / "out"
    folder.mkdir()
    shutil.copy2(default_output / GPKG_NAME, folder / GPKG_NAME)
    points = _points(folder)
    lamps = gpd.GeoDataFrame(
        {"rank": np.arange(1, 13), "gain_m": np.full(12, 200.0)}, geometry=points
    )
    hours = gpd.GeoDataFrame(
        {"rank": np.arange(1, 7)},
        geometry=points.iloc[2:8].translate(0, 30).to_numpy(),
        crs=points.crs,
    )
    write_layers(
        folder,
        {"plan_lamps": lamps, "plan_hours": hours},
        {"plan_lamps_summary": LAMPS_SUMMARY, "plan_hours": HOURS_SUMMARY},
    )
    return folder


def _on_paper(layout, points: gpd.GeoSeries) -> np.ndarray:
    x0, y0, x1, _ = layout.extent
    fx, fy, fw, _ = layout.frame_mm
    per_mm = (x1 - x0) / fw
    xy = shapely.get_coordinates(points.to_numpy())
    return np.column_stack([fx + (xy[:, 0] - x0) / per_mm, fy + (xy[:, 1] - y0) / per_mm])


def test_a_lamp_plan_numbers_its_lamps_beside_them(planned: Path) -> None:
    pdf = print_map(planned, layer="plan_lamps", fmt="pdf")
    text = " ".join(t for t, *_ in pdf_texts(pdf))
    # the title: budget and lamps; the figures: 22180.6 m = 22.18 km, 0.2466 = 24.7 %, ...
    assert "Lamp plan, budget 12: 12 new lamps" in text
    assert (
        "Walking length at P6 or better: 22.18 km (24.7 %) before, 24.64 km (27.4 %) after "
        "the plan (+2,458 m)" in text
    )
    assert "Lighting class, before the plan" in text  # the base: the lighting before it
    assert "Proposed lamps" in text and "new lamp, numbered by rank" in text  # the legend
    assert "Map data © OpenStreetMap contributors" in text  # the sources, as every layout
    numbers = plan_numbers(pdf)
    assert sorted(n for n, _, _ in numbers) == sorted(str(r) for r in range(1, 13))
    layout = map_layout(planned, layer="plan_lamps")
    assert layout.drawn == {"lighting": layout.drawn["lighting"], "plan_lamps": 12}
    points = _on_paper(layout, gpd.read_file(planned / GPKG_NAME, layer="plan_lamps").geometry)
    size = 7.0 / PT_PER_MM  # mm
    boxes = {}
    for label, x, y in numbers:
        w, h = 0.66 * size * len(label), 0.76 * size
        boxes[label] = (x, y, x + w, y + h)
        # beside its point: the box's nearest side within 4 mm of the point's centre
        px, py = points[int(label) - 1]
        gap = np.hypot(max(x - px, 0, px - x - w), max(y - py, 0, py - y - h))
        assert gap < 4.0, (label, gap)
    for (a, p), (b, q) in itertools.combinations(boxes.items(), 2):  # no two overlap
        overlap_w = min(p[2], q[2]) - max(p[0], q[0])
        overlap_h = min(p[3], q[3]) - max(p[1], q[1])
        assert overlap_w <= 0.05 or overlap_h <= 0.05, (a, b, p, q)
    # the lamps 5 m apart (0.3 mm on paper) have their numbers apart
    assert np.hypot(*(points[0] - points[10])) < 1.0


def test_a_lamp_plan_as_png_from_the_cli(planned: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "plan.png"
    argv = ["print", str(planned), "--layer", "plan_lamps", "--dpi", "60", "--out", str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    with Image.open(out) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    assert rgb.shape[:2] == (496, 702)  # A4 at 60 dpi
    entry = CATALOGUE["plan_lamps"]
    assert isinstance(entry, Layer) and entry.style is not None
    lamp = np.array([int(entry.style.classes[0].colour[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(rgb - lamp).sum(axis=2) < 20).sum() > 12 * 4  # twelve yellow discs


def test_a_folder_without_a_plan_says_to_plan_first(default_output: Path, capsys) -> None:
    with pytest.raises(InputError, match="no plan_lamps layer here") as caught:
        print_map(default_output, layer="plan_lamps")
    assert caught.value.path == default_output
    assert "run 'safespaces plan lamps --budget K --out DIR' first" in str(caught.value)
    assert main(["print", str(default_output), "--layer", "plan_hours"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"safespaces print: error: {default_output.name}: no plan_hours layer")
    assert "run 'safespaces plan hours --budget K --out DIR' first" in err


def test_a_plan_given_in_code_over_another_street_layer(
    default_output: Path, planned: Path
) -> None:
    """The app's edited plan: a LampPlan (lamps, summary) printed over a run without one,
    here over eyes on the street; a plan without a budget states its lamps only."""
    lamps = gpd.read_file(planned / GPKG_NAME, layer="plan_lamps").iloc[[0, 3, 5]]
    summary = {k: v for k, v in LAMPS_SUMMARY.items() if k != "budget"}
    plan = types.SimpleNamespace(lamps=lamps.to_crs(4326), summary=summary)
    layout = map_layout(default_output, layer="eyes", hour=23, plan=plan, lang="fi")
    assert layout.drawn["plan_lamps"] == 3 and "eyes" in layout.drawn
    assert "lighting" not in layout.drawn  # the street layer given is the base
    assert layout.title == "Valaistussuunnitelma: 3 uutta valaisinta"
    assert layout.figures.startswith("Kävelyverkko P6-luokassa tai paremmassa: 22,18 km (24,7 %)")
    assert layout.figures.endswith("(+2\u00a0458 m)")  # Finnish thousands: a no-break space
    assert [b.title for b in layout.legend] == [
        "Katujen silmät klo 23, ennen suunnitelmaa",
        "Ehdotetut valaisimet",
    ]
    # every lamp dropped (the app allows it): an empty plan still prints
    empty = types.SimpleNamespace(lamps=lamps.iloc[:0], summary=summary)
    assert map_layout(default_output, layer="plan_lamps", plan=empty).title == (
        "Lamp plan: 0 new lamps"
    )
    assert print_map(default_output, layer="plan_lamps", plan=empty, dpi=50)[:4] == b"\x89PNG"


def test_an_opening_hours_plan(planned: Path) -> None:
    layout = map_layout(planned, layer="plan_hours", lang="fi")
    assert layout.title == "Aukioloaikasuunnitelma: 6 toimipaikkaa auki klo 23 asti"
    # 7.6712 -> 7,67; 7.7201 -> 7,72; 0.0489 -> 0,05
    assert layout.figures == (
        "Tarpeella painotetut katujen silmät pimeinä tunteina: 7,67 ennen, 7,72 "
        "suunnitelman jälkeen (+0,05 indeksipistettä)"
    )
    assert [b.title for b in layout.legend] == [
        "Katujen silmät klo 22, ennen suunnitelmaa",  # the default hour, before the plan
        "Myöhempään auki pidettävät toimipaikat",
    ]
    block = layout.legend[1]
    entry = CATALOGUE["plan_hours"]
    assert isinstance(entry, Layer) and entry.style is not None
    assert block.geometry == "point" and block.outline == entry.style.outline
    assert [c for _, c in block.rows] == [c.colour for c in entry.style.classes]
    assert [r for r, _ in block.rows] == [
        "sijat 1-5 (1 = lisää eniten silmiä)",
        "sijat 6-10",
        "sijat 11-25",
        "sijat 26-50",
        "sijat 51 tai enemmän",
    ]
    numbers = plan_numbers(print_map(planned, layer="plan_hours", fmt="pdf"))
    assert sorted(n for n, _, _ in numbers) == [str(r) for r in range(1, 7)]
    png = print_map(planned, layer="plan_hours", dpi=50)
    assert Image.open(io.BytesIO(png)).size == (585, 413)
