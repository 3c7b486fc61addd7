"""The Plan page in a real browser (Debian Chromium + Playwright, offline): the proposed
lamps are drawn on the app's own map as numbered points, with no request leaving localhost."""

from __future__ import annotations

from typing import Any

import pytest
from app_server import CHROMIUM, CHROMIUM_ARGS, have_browser, is_local, map_frame, streamlit_server
from conftest import require

pytestmark = pytest.mark.browser


def test_the_proposed_lamps_on_the_map() -> None:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    with streamlit_server() as url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = chromium.new_page(viewport={"width": 1400, "height": 900})
            tab.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
            tab.goto(f"{url}/plan", timeout=180_000)
            tab.get_by_role("button", name="Propose").click(timeout=180_000)
            frame = map_frame(tab, timeout_ms=240_000)
            frame.wait_for_selector("path.ss-point", state="attached", timeout=60_000)
            labels: list[Any] = frame.eval_on_selector_all(
                ".ss-point-label", "els => els.map(e => e.textContent)"
            )
            points = frame.eval_on_selector_all("path.ss-point", "els => els.length")
            street = frame.evaluate("() => window.ssmap.state.street")
            text = tab.inner_text("body")
        finally:
            chromium.close()
    assert points == 10
    assert sorted(int(x) for x in labels) == list(range(1, 11))
    assert street == "lighting"
    assert not external, external[:5]
    for word in ("Traceback", "Exception", "Error:"):
        assert word not in text
