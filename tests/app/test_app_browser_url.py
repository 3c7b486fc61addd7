"""Share a view by its link, and label an uploaded lamp register: Debian Chromium driven by
Playwright against a real Streamlit server (issue 20).

- A link with hour, layers, preset, language, centre and zoom opens that view in a new
  browser session (a colleague's): the slider, the checkboxes and the Leaflet map's own
  centre and zoom. A pan and zoom in the map goes into the address bar, stays when the
  next hour redraws the map and on a page change, and the copied address opens the same
  view again.
- A lamp register with its own ``lamp_id`` column uploads on the Data page and "Inputs in
  use" labels it uploaded, with its file name.

Fails on any request that leaves localhost and on any exception text on the page.
Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    REPO,
    have_browser,
    is_local,
    streamlit_server,
    wait_idle,
)
from conftest import require

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "tests" / "artifacts"
REAL = REPO / "tests" / "data" / "real"
#: The Leaflet map of the component's frame, its centre and zoom.
MAP_VIEW = """() => {
  const s = window.ssmap;
  if (!s) return null;
  const c = s.map.getCenter();
  return {lat: c.lat, lng: c.lng, zoom: s.map.getZoom(), hour: s.state.hour,
          street: s.state.street, dark: s.state.dark};
}"""
#: Pan and zoom the map as a user would end up (one moveend).
SET_VIEW = """([lat, lng, zoom]) => {
  window.ssmap.map.setView([lat, lng], zoom, {animate: false});
}"""


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Any, str, list[str]]]:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser, url, external
        browser.close()


def new_page(browser: Any, external: list[str]) -> Any:
    """A page of a new browser context: a new Streamlit session (a colleague's browser)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
    return page


def assert_clean(page: Any, external: list[str]) -> None:
    assert not external, f"requests left localhost: {external[:5]}"
    text = page.inner_text("body")
    for word in ("Traceback", "Exception", "Error:"):
        assert word not in text, f"{word!r} on the page"


def map_view(page: Any, timeout_s: float = 180.0) -> dict[str, Any]:
    """The Leaflet map's centre and zoom, once it is drawn."""
    page.wait_for_selector(MAP_FRAME, state="attached", timeout=timeout_s * 1000)
    page.frame_locator(MAP_FRAME).locator("body[data-ready='1']").wait_for(
        state="attached", timeout=timeout_s * 1000
    )
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    view = frame.evaluate(MAP_VIEW)
    assert view, "no Leaflet map in the component's frame"
    return dict(view)


def wait_for_view(page: Any, lat: float, lng: float, zoom: float) -> dict[str, Any]:
    """The map's view once it is ``(lat, lng, zoom)`` (the component sets it after drawing)."""
    deadline = time.monotonic() + 60
    view: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            view = map_view(page)
        except Exception:  # the frame is being replaced by a rerun
            page.wait_for_timeout(250)
            continue
        if view["zoom"] == zoom and abs(view["lat"] - lat) < 1e-4 and abs(view["lng"] - lng) < 1e-4:
            return view
        page.wait_for_timeout(250)
    raise AssertionError(f"the map shows {view}, not {(lat, lng, zoom)}")


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def wait_for_query(page: Any, **wanted: str) -> dict[str, list[str]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = query(page)
        if all(found.get(k) == [v] for k, v in wanted.items()):
            return found
        page.wait_for_timeout(250)
    raise AssertionError(f"the address {page.url} lacks {wanted}")


def test_a_shared_link_restores_the_view(server: tuple[Any, str, list[str]]) -> None:
    browser, url, external = server
    link = (
        f"{url}/?hour=3&layer=score&layer=dark&preset=night+walk&lang=en"
        "&lat=60.17000&lon=24.94500&zoom=17"
    )
    page = new_page(browser, external)
    page.goto(link)
    view = wait_for_view(page, 60.17, 24.945, 17)
    wait_idle(page)
    assert (view["hour"], view["street"], view["dark"]) == (3, "score", True)
    sidebar = page.locator('[data-testid="stSidebar"]')
    preset = sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Preset")
    assert "Night walk" in preset.inner_html()  # the chosen option (an input's value)
    page.screenshot(path=str(ARTIFACTS / "app_shared_link.png"))

    # the user pans and zooms: the address follows once the map has settled
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    frame.evaluate(SET_VIEW, [60.1725, 24.9405, 16])
    wait_for_query(page, lat="60.17250", lon="24.94050", zoom="16")
    wait_idle(page)
    page.wait_for_timeout(1000)  # the map stays where the user left it
    assert wait_for_view(page, 60.1725, 24.9405, 16)
    # the next hour, with the map's own slider: the address follows, the map stays
    page.frame_locator(MAP_FRAME).locator("#ss-hour").focus()
    page.keyboard.press("ArrowRight")
    wait_for_query(page, hour="4")
    wait_idle(page)
    assert wait_for_view(page, 60.1725, 24.9405, 16)["hour"] == 4
    # other pages (one without the weights, one with them) and back: the address and the
    # settings stay
    for link, path in (("Lighting", "/lighting"), ("Districts", "/districts")):
        page.get_by_role("link", name=link, exact=True).click()
        page.get_by_role("heading", name=link, exact=True).wait_for(timeout=60_000)
        shared = wait_for_query(page, hour="4", zoom="16", preset="night walk")
        assert urlparse(page.url).path.endswith(path)
        assert shared["layer"] == ["score", "dark"]
        wait_idle(page)
    page.get_by_role("link", name="Map", exact=True).click()
    view = wait_for_view(page, 60.1725, 24.9405, 16)
    wait_idle(page)
    assert (view["hour"], view["street"]) == (4, "score")
    assert "Night walk" in preset.inner_html()
    assert wait_for_query(page, hour="4", zoom="16", preset="night walk")["layer"] == [
        "score",
        "dark",
    ]
    assert_clean(page, external)
    copied = page.url

    # the copied address in a colleague's browser: the same view
    other = new_page(browser, external)
    other.goto(copied)
    assert wait_for_view(other, 60.1725, 24.9405, 16)["hour"] == 4
    wait_idle(other)
    assert query(other) == query(page)
    picker = other.locator('[data-testid="stSelectbox"]').filter(has_text="District")
    assert "Whole study area" in picker.inner_html()  # no district in the link
    other.screenshot(path=str(ARTIFACTS / "app_shared_link_copied.png"))
    assert_clean(other, external)
    # a link to another page opens that page with the view
    third = new_page(browser, external)
    third.goto(copied.replace("/?", "/districts?", 1))
    third.get_by_role("heading", name="Districts", exact=True).wait_for(timeout=120_000)
    wait_idle(third)
    assert query(third)["hour"] == ["4"]
    assert_clean(third, external)


def upload(page: Any, label: str, path: Any) -> None:
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
    raise AssertionError(f"the uploader {label!r} never showed {path.name}")


def test_an_uploaded_lamp_register_is_labelled_uploaded(
    server: tuple[Any, str, list[str]],
) -> None:
    browser, url, external = server
    register = REAL / "lamps_own_lamp_id.csv"
    assert "lamp_id" in register.read_text(encoding="utf-8").splitlines()[0]
    page = new_page(browser, external)
    page.goto(f"{url}/data")
    page.get_by_text("Layers and where their values come from").wait_for(timeout=180_000)
    upload(page, "Lamp register", register)
    page.get_by_role("button", name="Check and use these files").click()
    outcome = page.locator(
        '[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]'
    )
    outcome.first.wait_for(timeout=240_000)
    assert "The files are valid" in outcome.first.inner_text(), outcome.all_inner_texts()
    wait_idle(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.locator("td").first.wait_for(state="attached", timeout=60_000)
    rows = [
        [c.strip() for c in row.locator("td").all_inner_texts()]
        for row in table.locator("tr").all()
    ]
    shown = {}  # input -> the other cells of its row (source and file)
    for cells in rows:
        for name in ("OpenStreetMap extract", "lamp register"):
            if name in cells:
                shown[name] = {c for c in cells if c != name}
    assert shown["lamp register"] == {"lamps_own_lamp_id.csv", "uploaded"}, rows
    assert shown["OpenStreetMap extract"] == {"helsinki.osm.pbf", "embedded Helsinki default"}, rows
    page.screenshot(path=str(ARTIFACTS / "app_lamps_uploaded.png"), full_page=True)
    assert_clean(page, external)


def test_the_print_of_the_view_has_the_legend_and_the_watermark(
    server: tuple[Any, str, list[str]],
) -> None:
    """The Map page's print: a PDF of the map's current view (a link's centre and zoom, the
    eyes at 23:00 and the dark paths) with the legend's classes and, as the default's
    tenure and incidents are synthetic, the SYNTHETIC watermark; a PNG of the same."""
    import io

    from PIL import Image
    from pypdf import PdfReader

    browser, url, external = server
    page = new_page(browser, external)
    page.goto(f"{url}/?hour=23&layer=eyes&layer=dark&lat=60.16900&lon=24.94500&zoom=16")
    wait_for_view(page, 60.169, 24.945, 16)
    wait_idle(page)
    page.wait_for_timeout(1500)  # the map reports its settled view (with its bounds)
    wait_idle(page)
    page.get_by_text("Print or image of this view").click()
    files = {}
    for fmt in ("PDF", "PNG"):
        page.get_by_text(fmt, exact=True).click()
        wait_idle(page)
        page.get_by_role("button", name="Make the page").click()
        button = page.get_by_role("button", name=f"Download the {fmt}")
        button.wait_for(timeout=120_000)
        with page.expect_download() as download:
            button.click()
        files[fmt] = download.value.path().read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(files["PDF"])).pages)
    assert "SYNTHETIC" in text
    assert "Eyes on the street" in text and "23:00" in text
    assert "no data" in text  # the legend is complete
    assert "dark (mapped lamps)" in text  # the dark paths' legend
    assert "OpenStreetMap" in text
    with Image.open(io.BytesIO(files["PNG"])) as image:
        assert image.size == (1754, 1240)  # A4 landscape at 150 dpi
    assert_clean(page, external)
