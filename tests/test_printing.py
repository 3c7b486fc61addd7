"""Printed maps (safespaces.printing, ``safespaces print``) on real runs of the default.

The synthetic run is the CLI's (``default_output``: tenure and incidents are SYNTHETIC);
the real one gives the embedded OpenStreetMap extract as a file, so no synthetic input
comes with it. PDFs are read back with pypdf; PNGs with Pillow.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from PIL import Image
from pypdf import PdfReader

import safespaces
from safespaces.catalogue import CATALOGUE, Layer
from safespaces.cli import main
from safespaces.errors import InputError
from safespaces.printing import LAYERS, map_layout, print_map, write_map
from safespaces.printing import texts as words
from safespaces.synthetic import DEFAULT_OSM

SCREENSHOT = REPO / "docs" / "img" / "print-layout.png"
#: A few blocks of central Helsinki around the Esplanadi (longitude, latitude).
ESPLANADI = (24.946, 60.1665, 24.950, 60.1680)
#: The README's view: Kluuvi, Kaisaniemi and the Esplanadi.
README_VIEW = (24.938, 60.1655, 24.953, 60.1735)


@pytest.fixture(scope="module")
def real_run() -> safespaces.Results:
    """Lighting and eyes on the street of the embedded extract given as a file: no input
    of this run is synthetic."""
    results = safespaces.analyse(safespaces.load(osm=DEFAULT_OSM), ["lighting", "eyes"])
    assert results.metadata["synthetic_inputs"] == []
    return results


def pdf_text(data: bytes) -> str:
    """The PDF's text, whitespace collapsed (wrapped lines joined by one space)."""
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def catalogue_labels(key: str) -> list[str]:
    entry = CATALOGUE[LAYERS[key][1]]
    assert isinstance(entry, Layer) and entry.style is not None
    return [c.label for c in entry.style.classes if c.value is not None]


def test_png_has_the_paper_size_at_the_dpi(default_output: Path) -> None:
    png = print_map(default_output, layer="eyes", hour=23)
    image = Image.open(io.BytesIO(png))
    # A4 = 297 x 210 mm; 297 / 25.4 * 150 = 1753.9, 210 / 25.4 * 150 = 1240.2
    assert (image.format, image.size) == ("PNG", (1754, 1240))
    assert image.info["dpi"] == pytest.approx((150, 150), abs=0.1)
    portrait = Image.open(io.BytesIO(print_map(default_output, paper="A4 portrait", dpi=100)))
    assert portrait.size == (827, 1169)  # 210 / 25.4 * 100 = 826.8, 297 / 25.4 * 100 = 1169.3


def test_pdf_has_the_legend_the_sources_and_the_synthetic_watermark(default_output: Path) -> None:
    pdf = print_map(default_output, layer=["eyes", "dark"], hour=23, fmt="pdf")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert float(page.mediabox.width) == pytest.approx(297 / 25.4 * 72, abs=0.05)
    assert float(page.mediabox.height) == pytest.approx(210 / 25.4 * 72, abs=0.05)
    text = pdf_text(pdf)
    assert "Eyes on the street at 23:00 · Dark paths" in text
    for label in [*catalogue_labels("eyes"), *catalogue_labels("dark")]:
        assert words.legend_label(label) in text, label
    assert "no data" in text
    assert "SYNTHETIC demo data: tenure, incidents" in text
    assert text.count("SYNTHETIC") >= 4  # watermark, note, and the two inputs' marks
    assert "© OpenStreetMap contributors, ODbL 1.0" in text
    assert "helsinki.osm.pbf, embedded Helsinki default" in text
    assert "Study helsinki" in text and "(Europe/Helsinki)" in text


def test_no_watermark_when_no_input_is_synthetic(real_run: safespaces.Results) -> None:
    layout = map_layout(real_run, layer="lighting")
    assert layout.watermark is None and layout.synthetic == ()
    text = pdf_text(print_map(real_run, layer="lighting", fmt="pdf"))
    assert "synthetic" not in text.lower()
    for label in catalogue_labels("lighting"):
        assert words.legend_label(label) in text, label


def test_the_watermark_speaks_the_maps_language(default_output: Path) -> None:
    text = pdf_text(print_map(default_output, layer="mix", fmt="pdf", lang="fi"))
    assert "SYNTEETTINEN" in text and "Sosiaalinen sekoitus (alueet)" in text
    assert "salattu (alle 10 asuntoa)" in text  # mix.min_dwellings of the default


def test_legends_are_complete_with_no_data_and_suppressed(default_output: Path) -> None:
    blocks = {
        key: map_layout(default_output, layer=key).legend[0]
        for key in ("lighting", "mix", "hotspots", "eyes")
    }
    lighting = CATALOGUE["street_lighting"]
    assert isinstance(lighting, Layer) and lighting.style is not None
    assert [(label, colour) for label, colour in blocks["lighting"].rows] == [
        (c.label, c.colour) for c in lighting.style.classes
    ]
    mix = [label for label, _ in blocks["mix"].rows]
    assert mix[-2:] == ["suppressed (fewer than 10 dwellings)", "no data"]
    assert blocks["hotspots"].rows[-1][0] == "suppressed (fewer than 5 incidents) or no data"
    eyes = [label for label, _ in blocks["eyes"].rows]
    assert eyes[-1] == "no data" and len(eyes) == len(catalogue_labels("eyes")) + 1
    assert blocks["mix"].geometry == "polygon" and blocks["eyes"].geometry == "line"


def test_finnish_and_swedish_leave_no_english_in_the_legend(default_output: Path) -> None:
    english = map_layout(default_output, layer="lighting")
    for lang in ("fi", "sv"):
        layout = map_layout(default_output, layer="lighting", lang=lang)
        assert layout.title != english.title
        pairs = zip(layout.legend[0].rows, english.legend[0].rows, strict=True)
        assert all(ours[0] != theirs[0] for ours, theirs in pairs)
    assert map_layout(default_output, layer="lighting", lang="fi").legend[0].rows[2][0] == (
        "P3 (keskim. ≥ 7,5 lx)"
    )


def test_the_scale_bar_is_a_hand_checked_length(default_output: Path) -> None:
    """A view 1,600 m wide (and 100 m high, so the width decides): a quarter is 400 m, and
    the longest 1-2-5 length below that is 200 m. Its black half (100 m) measures
    100 / 1600 of the map frame's width on paper, times the CRS's scale factor (TM35FIN
    at 24.94 E: 0.9996 x (1 + (2.06 deg in radians x cos 60.17)^2 / 2) = 0.99976)."""
    x0, y0, x1, y1 = map_layout(default_output).extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    view = (cx - 800, cy - 50, cx + 800, cy + 50)
    layout = map_layout(default_output, bounds=view, bounds_crs="EPSG:3067")
    assert layout.extent[2] - layout.extent[0] == pytest.approx(1600)
    assert (layout.scale_bar_m, layout.scale_label) == (200, "200 m")
    assert layout.scale_factor == pytest.approx(0.99976, abs=2e-5)
    assert abs(layout.north_deg) < 3  # meridian convergence 2.06 deg x sin 60.17 = 1.8 deg
    dpi = 150
    png = print_map(default_output, bounds=view, bounds_crs="EPSG:3067", dpi=dpi)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    fx, fy, fw, _ = layout.frame_mm
    per_mm = dpi / 25.4
    row = round((layout.size_mm[1] - (fy + 6 + 0.7)) * per_mm)  # the bar's middle
    start = round((fx + 5) * per_mm) - 4
    black: np.ndarray = np.asarray((pixels[row, start : start + 400] < 60).all(axis=1))
    first = int(np.argmax(black))
    run = int(np.argmin(black[first:]))
    expected = 100 * layout.scale_factor / 1600 * fw * per_mm  # ~82 px, plus the outline
    assert abs(run - expected) <= 2.5, (run, expected)
    wide = map_layout(default_output, bounds=(cx - 4000, cy, cx + 4000, cy + 10), bounds_crs=None)
    assert (wide.scale_bar_m, wide.scale_label) == (2000, "2 km")
    assert "200 m" in pdf_text(
        print_map(default_output, bounds=view, bounds_crs="EPSG:3067", fmt="pdf")
    )


def test_a_view_of_a_few_streets_draws_only_them(default_output: Path) -> None:
    whole = map_layout(default_output, layer=["eyes", "dark"])
    assert (whole.drawn["eyes"], whole.drawn["dark"]) == (5074, 192)  # all of the default
    layout = map_layout(default_output, layer=["eyes", "dark"], bounds=ESPLANADI)
    assert 20 < layout.drawn["eyes"] < 0.1 * whole.drawn["eyes"]
    assert layout.drawn["dark"] < 0.2 * whole.drawn["dark"]
    x0, y0, x1, y1 = layout.extent
    assert x1 - x0 < 600  # 0.004 degrees of longitude at 60.17 N: 222 m, widened to the frame
    pdf_small = print_map(default_output, layer="eyes", bounds=ESPLANADI, fmt="pdf")
    pdf_whole = print_map(default_output, layer="eyes", fmt="pdf")
    assert len(pdf_small) < len(pdf_whole) / 2  # clipped, not merely hidden


def test_the_score_follows_the_weights(real_run: safespaces.Results) -> None:
    layout = map_layout(real_run, layer="score", weights={"light": 1, "eyes": 0})
    assert layout.sources[-2] == (
        "Weights: Light 1.0 · Eyes on the street 0.0 · Social mix 0.0 · Incidents 0.0"
    )
    with pytest.raises(InputError, match="all weights .* are 0"):
        map_layout(real_run, layer="score", weights={"light": 0, "eyes": 0})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"layer": "roads"}, "unknown map layer 'roads'"),
        ({"hour": 24}, "hour 24 is not an hour of the day"),
        ({"bounds": (10.0, 50.0, 11.0, 51.0)}, "lies outside the study area"),
        ({"bounds": (24.95, 60.17, 24.94, 60.18)}, "is empty"),
        ({"lang": "de"}, "unknown language 'de'"),
        ({"paper": "A5"}, "unknown paper 'A5'"),
        ({"fmt": "svg"}, "unknown format 'svg'"),
        ({"dpi": 5000}, "out of range"),
    ],
)
def test_bad_arguments_say_what_to_do(real_run: safespaces.Results, options, message) -> None:
    with pytest.raises(InputError, match=message) as caught:
        print_map(real_run, **options)
    assert "Fix:" in str(caught.value)


def test_a_layer_the_run_did_not_make_is_named(real_run: safespaces.Results) -> None:
    with pytest.raises(InputError, match=r"no mix layer \(areas.mix_entropy\)"):
        print_map(real_run, layer="mix")


def test_the_texts_are_the_apps() -> None:
    """The printed words equal the app's (safespaces_app.i18n) for every legend label,
    layer title, input and family name, in every language."""
    from safespaces_app.i18n import legend_label, t

    for lang in words.LANGUAGES:
        for key in LAYERS:
            entry = CATALOGUE[LAYERS[key][1]]
            assert isinstance(entry, Layer) and entry.style is not None
            for c in entry.style.classes:
                assert words.legend_label(c.label, lang) == legend_label(c.label, lang)
            assert words.text(f"layer.{key}", lang, hour="23") == t(f"layer.{key}", lang, hour="23")
        for name in ("osm", "lamps", "tenure", "incidents", "areas"):
            assert words.text(f"input.{name}", lang) == t(f"input.{name}", lang)
        for family in ("light", "eyes", "mix", "incidents"):
            assert words.text(f"family.{family}", lang) == t(f"family.{family}", lang)
    assert all(set(texts) == set(words.LANGUAGES) for texts in words.TEXTS.values())


def test_the_cli_writes_the_file_atomically(default_output: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "map.pdf"
    argv = ["print", str(default_output), "--layer", "eyes,dark", "--hour", "23"]
    assert main([*argv, "--format", "pdf", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    before = out.read_bytes()
    assert before[:5] == b"%PDF-" and "Eyes on the street at 23:00" in pdf_text(before)
    assert main(["print", str(default_output), "--layer", "roads", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("safespaces print: error: unknown map layer 'roads'")
    assert "Traceback" not in err and err.count("\n") == 1
    assert out.read_bytes() == before  # a failed print leaves the earlier file as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.pdf"]  # no temporary left
    assert main(["print", str(tmp_path / "missing"), "--out", str(tmp_path / "m.png")]) == 2
    assert "missing: no such output folder" in capsys.readouterr().err
    assert main([*argv, "--format", "pdf", "--out", str(tmp_path / "m.png")]) == 2
    assert "is not a .pdf file" in capsys.readouterr().err


def test_write_map_takes_the_format_from_the_suffix(real_run: safespaces.Results, tmp_path):
    path = write_map(tmp_path / "lit.png", real_run, layer="lighting", dpi=60)
    with Image.open(path) as image:  # 297 / 25.4 * 60 = 701.6, 210 / 25.4 * 60 = 496.1
        assert image.size == (702, 496)
    with pytest.raises(InputError, match="neither .png nor .pdf"):
        write_map(tmp_path / "lit.svg", real_run)


def test_readme_screenshot_of_a_print_layout(default_output: Path, tmp_path: Path) -> None:
    """The README's print layout: eyes on the street at 23:00 and the dark paths of central
    Helsinki. Written to docs/img/print-layout.png when that file is absent or
    SAFESPACES_SCREENSHOTS=1; otherwise only made and checked."""
    png = print_map(default_output, layer=["eyes", "dark"], hour=23, bounds=README_VIEW, dpi=110)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1286, 909)  # A4 at 110 dpi
    colours = {tuple(int(v) for v in c) for c in np.asarray(image)[::7, ::7].reshape(-1, 3)}
    assert len(colours) > 200  # a drawn map, not a blank page
    if not SCREENSHOT.exists() or os.environ.get("SAFESPACES_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        # 256 colours: a third of the bytes, no visible change
        image.quantize(colors=256, dither=Image.Dither.NONE).save(SCREENSHOT, optimize=True)


def test_the_apps_run_prints_as_its_folder_does(default_output: Path) -> None:
    """The app's run (``safespaces_app.results.Analysis``: ``layers`` and ``metadata``) is
    a map source as it is: the Map page's print button hands it over with its view."""
    from safespaces_app.results import read_run

    analysis = read_run(default_output, k_min=5)
    ours = map_layout(analysis, layer=["hotspots", "eyes"], hour=3, bounds=ESPLANADI)
    folder = map_layout(default_output, layer=["hotspots", "eyes"], hour=3, bounds=ESPLANADI)
    assert ours == folder
    assert ours.title == "Incident hot spots · Eyes on the street at 03:00"
