"""Text from the data stays inert in the real browser (Debian Chromium + Playwright).

The inputs carry script in every text field the app shows: street names of the OSM
extract (the embedded Helsinki extract with three streets renamed), area names, and
incident categories. They go in the way a user's files do: uploaded on the Data page
(``set_input_files`` on Streamlit's file uploader). Then the test hovers and clicks the
renamed features on the map (tooltip and the click panel) and opens the Districts, Social
mix, Lighting and Incidents tables, and checks in the page and inside the map's iframe that

- no payload ran (``window.__xss`` is undefined),
- no ``<img src="x">`` element and no injected ``<script>`` exists,
- the names appear as literal text (escaped, not dropped),
- no request left localhost (a Markdown image in a name would fetch from 198.51.100.7),
- no exception text is on the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIND_POINT,
    MAP_FRAME,
    REPO,
    have_browser,
    is_local,
    map_frame,
    streamlit_server,
    wait_idle,
)
from conftest import require

from safespaces.config import Config
from safespaces.study import Inputs, load_study
from safespaces.synthetic import DEFAULT_OSM, INCIDENT_FILE, TENURE_FILE

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "tests" / "artifacts"
IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
MARKDOWN = "![x](http://198.51.100.7/x.png)"
#: street -> payload (every way of that name is renamed)
STREETS = {"Aleksanterinkatu": IMG, "Pohjoisesplanadi": SCRIPT, "Fabianinkatu": MARKDOWN}

#: Everything a payload could have left behind, per frame.
PROBE = """() => ({
  xss: typeof window.__xss !== 'undefined',
  img: document.querySelectorAll('img[src="x"]').length,
  script: [...document.scripts].filter(s => s.textContent.trim() === 'window.__xss=1').length,
  remote_img: [...document.images].filter(i => i.src.includes('198.51.100.7')).length,
})"""


def evil_inputs(folder: Path) -> dict[str, Path]:
    """The embedded default's files with script in their names and categories."""
    import osmium

    osm = folder / "helsinki_evil.osm.pbf"

    class Rename(osmium.SimpleHandler):
        def __init__(self, writer: Any) -> None:
            super().__init__()
            self.writer = writer

        def node(self, n: Any) -> None:
            self.writer.add_node(n)

        def way(self, w: Any) -> None:
            name = w.tags.get("name")
            if "highway" in w.tags and name in STREETS:
                tags = {tag.k: tag.v for tag in w.tags}
                tags["name"] = STREETS[name]
                w = w.replace(tags=tags)
            self.writer.add_way(w)

        def relation(self, r: Any) -> None:
            self.writer.add_relation(r)

    writer = osmium.SimpleWriter(str(osm))
    Rename(writer).apply_file(str(DEFAULT_OSM))
    writer.close()

    areas = load_study(Inputs(), Config()).areas[["area_id", "name", "geometry"]]
    areas = areas.to_crs("EPSG:4326")
    for i, payload in enumerate((IMG, SCRIPT, MARKDOWN)):
        areas.loc[areas.index[i], "name"] = payload
    areas_path = folder / "areas_evil.geojson"
    areas.to_file(areas_path, driver="GeoJSON")

    incidents = pd.read_csv(INCIDENT_FILE)
    incidents["category"] = [(IMG, SCRIPT, "theft")[i % 3] for i in range(len(incidents))]
    incidents_path = folder / "incidents_evil.csv"
    incidents.to_csv(incidents_path, index=False)
    return {"osm": osm, "tenure": TENURE_FILE, "incidents": incidents_path, "areas": areas_path}


LABELS = {
    "osm": "OpenStreetMap extract",
    "tenure": "Tenure",
    "incidents": "Incidents",
    "areas": "Areas",
}


def upload(page: Any, label: str, path: Path) -> None:
    """Put ``path`` into the uploader labelled ``label``; again if a rerun swallowed it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    chip = uploader.locator(f'[data-testid="stFileChipName"][title="{path.name}"]')
    for _ in range(4):
        wait_idle(page)
        uploader.locator('input[type="file"]').set_input_files(str(path))
        try:
            chip.wait_for(timeout=10_000)
            wait_idle(page)
            return
        except PlaywrightTimeout:
            continue
    page.screenshot(path=str(ARTIFACTS / "app_security_upload_failed.png"), full_page=True)
    shown = uploader.all_inner_texts()
    raise AssertionError(f"the uploader {label!r} never showed {path.name}: {shown}")


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[str]]]:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    files = evil_inputs(tmp_path_factory.mktemp("evil"))
    external: list[str] = []
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
        page.goto(f"{url}/data")
        # the page's last part appears once the default analysis is done (no more reruns)
        page.get_by_text("Layers and where their values come from").wait_for(timeout=180_000)
        for kind, path in files.items():
            upload(page, LABELS[kind], path)
        page.get_by_role("button", name="Check and use these files").click()
        outcome = page.locator(
            '[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]'
        )
        try:
            outcome.first.wait_for(timeout=240_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "app_security_upload.png"))
        assert "The files are valid" in outcome.first.inner_text(), outcome.all_inner_texts()
        yield page, external
        browser.close()


def probe_all(page: Any) -> list[dict[str, Any]]:
    """The PROBE in the page and in every frame (the map is an iframe)."""
    found = []
    for frame in page.frames:
        try:
            found.append({"url": frame.url, **frame.evaluate(PROBE)})
        except Exception:  # a frame being replaced
            continue
    return found


def assert_inert(page: Any, external: list[str], where: str) -> None:
    page.wait_for_timeout(500)
    for result in probe_all(page):
        assert not result["xss"], f"{where}: a payload ran in {result['url']}"
        assert result["img"] == 0, f"{where}: an <img src=x> element in {result['url']}"
        assert result["script"] == 0, f"{where}: an injected <script> in {result['url']}"
        assert result["remote_img"] == 0, f"{where}: a remote image in {result['url']}"
    assert not external, f"{where}: requests left localhost: {external[:5]}"
    text = page.inner_text("body")
    for word in ("Traceback", "Exception", "Error:"):
        assert word not in text, f"{where}: {word!r} on the page"


#: Ids of the street segments whose name holds ``needle`` (from the map's own data).
NAMED = """(needle) => {
  const doc = window.ssmap.doc(), seg = doc.segments;
  return seg.ids.filter((id, i) => seg.name[i] !== null && doc.names[seg.name[i]].includes(needle));
}"""


def test_map_tooltips_and_click_panel_keep_the_names_inert(session: tuple[Any, list[str]]) -> None:
    page, external = session
    page.get_by_role("link", name="Map", exact=True).click()
    page.get_by_role("heading", name="Map", exact=True).wait_for(timeout=60_000)
    for street, payload in STREETS.items():
        inner = map_frame(page)  # a click reruns the page; the frame stays
        needle = {IMG: "onerror", SCRIPT: "script", MARKDOWN: "198.51.100.7"}[payload]
        ids = inner.evaluate(NAMED, needle)
        point = inner.evaluate(FIND_POINT, {"kind": "segment", "ids": ids, "zoom": 18})
        assert point, f"no feature named like {street}'s payload, or none reachable"
        box = page.locator(MAP_FRAME).bounding_box()
        x, y = box["x"] + point["x"], box["y"] + point["y"]
        page.mouse.move(x, y)  # a real hover: Leaflet opens the tooltip
        tooltip = page.frame_locator(MAP_FRAME).locator(".leaflet-tooltip")
        tooltip.first.wait_for(timeout=10_000)
        assert payload in tooltip.first.inner_text(), "the name is not shown as text"
        assert_inert(page, external, f"tooltip of {street}")
        page.mouse.click(x, y)
        try:
            page.wait_for_function(
                "p => [...document.querySelectorAll('h3')].some(h => h.innerText.includes(p))",
                arg=payload,
                timeout=60_000,
            )
        except Exception as exc:
            page.screenshot(path=str(ARTIFACTS / "app_security_click_failed.png"), full_page=True)
            headings = page.locator("h3").all_inner_texts()
            raise AssertionError(f"{street}: no heading shows the name: {headings}") from exc
        assert_inert(page, external, f"click panel of {street}")
    page.screenshot(path=str(ARTIFACTS / "app_security_map.png"))


@pytest.mark.parametrize(
    ("link", "heading"),
    [
        ("Districts", "Districts"),
        ("Social mix", "Social mix"),
        ("Lighting", "Lighting"),
        ("Incidents", "Incidents"),
        ("Data", "Data"),
    ],
)
def test_tables_keep_the_names_inert(
    session: tuple[Any, list[str]], link: str, heading: str
) -> None:
    page, external = session
    page.get_by_role("link", name=link, exact=True).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
    page.wait_for_timeout(2000)  # the tables draw on a canvas
    page.screenshot(path=str(ARTIFACTS / f"app_security_{link.lower().replace(' ', '_')}.png"))
    assert_inert(page, external, link)


def test_district_picker_shows_the_names_as_text(session: tuple[Any, list[str]]) -> None:
    page, external = session
    page.get_by_role("link", name="Map", exact=True).click()
    page.get_by_role("heading", name="Map", exact=True).wait_for(timeout=60_000)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="District")
    picker.locator('[role="combobox"], input').first.click(timeout=30_000)
    options = page.get_by_role("option")
    options.first.wait_for(timeout=30_000)
    texts = options.all_inner_texts()
    page.keyboard.press("Escape")
    for payload in (IMG, SCRIPT, MARKDOWN):
        assert payload in texts, f"{payload!r} not among the districts {texts[:6]}"
    assert_inert(page, external, "district picker")
