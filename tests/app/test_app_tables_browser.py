"""Tables and languages in a real browser (Debian Chromium driven by Playwright).

What AppTest cannot see: a click on a header sorts the numbers as numbers, and after a
language switch the choice widgets show their chosen option in the new language.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from app_server import CHROMIUM, CHROMIUM_ARGS, have_browser, is_local, streamlit_server, wait_idle
from conftest import require

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, str, list[str]]]:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    with streamlit_server() as url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
        yield page, url, external
        chromium.close()


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def test_a_click_on_a_header_sorts_numbers_as_numbers(browser: tuple[Any, str, list[str]]) -> None:
    """Dwellings of the Social mix table sort 10 < 42 < ... < 1,027 < 1,053 (as text they
    sorted "1,027" < "1,053" < "10" < "110")."""
    page, url, external = browser
    page.goto(url + "/mix")
    page.get_by_role("heading", name="Social mix", exact=True).wait_for(timeout=180_000)
    wait_idle(page)
    page.wait_for_timeout(1500)  # the table draws on a canvas
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None

    def dwellings() -> list[float]:
        # the grid's accessible rows (the rows in view) hold the cells' data
        cells = grid.locator('td[aria-colindex="2"]').all_inner_texts()
        return [v for v in map(_number, cells) if v is not None]

    before = dwellings()
    assert before != sorted(before)  # area order
    for dx in (160, 140, 180, 200):  # the Dwellings header, right of the area names
        page.mouse.click(box["x"] + dx, box["y"] + 17)
        page.wait_for_timeout(1000)
        after = dwellings()
        if after == sorted(after) and after != before:
            break
    assert after == sorted(after) and after[0] < 100, after  # ascending: 10, 42, 52 ...
    page.mouse.click(box["x"] + dx, box["y"] + 17)  # again: descending
    page.wait_for_timeout(1000)
    down = dwellings()
    # 1,061 > 1,053 > 1,027 > 902 ...: numbers, not text
    assert down == sorted(down, reverse=True) and len(down) >= 5 and down[0] > 1000, down
    assert not external


def test_language_switch_relabels_the_choices(browser: tuple[Any, str, list[str]]) -> None:
    page, url, _ = browser
    page.goto(url + "/districts")
    page.get_by_role("heading", name="Districts", exact=True).wait_for(timeout=180_000)
    wait_idle(page)
    switch = page.locator('[data-testid="stSelectbox"]').filter(has_text="Language / Kieli")
    switch.locator('[role="combobox"], input').first.click()
    page.get_by_role("option", name="suomi").click()
    wait_idle(page)
    page.get_by_role("heading", name="Alueet", exact=True).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    shown = page.locator('[data-testid="stSelectbox"]').evaluate_all(
        "els => els.map(e => e.querySelector('input') ? e.querySelector('input').value : '')"
    )
    # the preset and the ranking show their option in Finnish right after the switch
    assert "Tasapainoinen" in shown and "Turvallisuuspisteet" in shown, shown
    assert "Balanced" not in shown and "Safe-space score" not in shown
