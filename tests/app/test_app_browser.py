"""The app in a real browser: Debian Chromium driven by Playwright, fully offline.

Opens the app, waits for the map's vector layer, clicks a feature, visits every page,
switches to the Export page and downloads the GeoPackage. Fails on any request that
leaves localhost and on any exception text on the page. The map's hour, layers and clicks
are tested in test_app_map_browser.py. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
)
from conftest import require

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "tests" / "artifacts"
SQLITE_HEADER = b"SQLite format 3\x00"


@pytest.fixture(scope="module")
def browser_page() -> Iterator[tuple[Any, str, list[str]]]:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
        page.goto(url)
        yield page, url, external
        browser.close()


def stroke_colours(page: Any) -> list[str]:
    paths = page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive")
    return list(paths.evaluate_all("els => els.map(e => e.getAttribute('stroke'))"))


def assert_clean(page: Any, external: list[str]) -> None:
    assert not external, f"requests left localhost: {external[:5]}"
    text = page.inner_text("body")
    for word in ("Traceback", "Exception", "Error:"):
        assert word not in text, f"{word!r} on the page"


def wait_for_map(page: Any) -> None:
    map_frame(page)
    page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").first.wait_for(timeout=60_000)


def test_map_opens_offline(browser_page: tuple[Any, str, list[str]]) -> None:
    page, _, external = browser_page
    wait_for_map(page)
    assert len(stroke_colours(page)) > 1000
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "app_map.png"))
    assert_clean(page, external)


def test_click_shows_the_numbers_and_why(browser_page: tuple[Any, str, list[str]]) -> None:
    page, _, external = browser_page
    wait_for_map(page)
    frame = map_frame(page)
    ids = frame.evaluate("() => window.ssmap.doc().segments.ids.filter((_, i) => i % 50 === 0)")
    point = frame.evaluate(FIND_POINT, {"kind": "segment", "ids": ids, "zoom": None})
    assert point, "no street segment reachable on the map"
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])  # a real click
    page.get_by_text("Score breakdown").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name=re.compile("Street segment|Area")).count()
    page.get_by_text("Score breakdown").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # the tables draw on a canvas
    page.screenshot(path=str(ARTIFACTS / "app_click.png"))
    assert_clean(page, external)


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
def test_every_page_renders_cleanly(
    browser_page: tuple[Any, str, list[str]], link: str, heading: str
) -> None:
    page, _, external = browser_page
    page.get_by_role("link", name=link, exact=True).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # let the tables and charts draw
    page.screenshot(path=str(ARTIFACTS / f"app_{link.lower().replace(' ', '_')}.png"))
    assert_clean(page, external)


def test_export_downloads_the_geopackage(
    browser_page: tuple[Any, str, list[str]], tmp_path: Path
) -> None:
    page, _, external = browser_page
    page.get_by_role("link", name="Export").click()
    button = page.get_by_role("button", name="Download the GeoPackage")
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    target = tmp_path / "safespaces.gpkg"
    info.value.save_as(target)
    assert target.read_bytes()[:16] == SQLITE_HEADER
    page.screenshot(path=str(ARTIFACTS / "app_export.png"))
    assert_clean(page, external)
