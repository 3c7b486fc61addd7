"""The Map page in a real browser at 1400 x 900 (Debian Chromium + Playwright, offline).

- Stepping the hour with the keyboard redraws the map in the browser: no message to the
  server, zoom, pan and the selected feature kept, every street in the colour of its
  value at the new hour; the redraw time (input event to the next painted frame) is
  measured in the page.
- A weight change in the sidebar restyles the score in place (the map is not reloaded).
- One click on a dark path, a street segment or an area opens that feature's panel
  beside the map; the page does not scroll; the feature is highlighted.

The figures measured (redraw times, bytes per change) go to tests/artifacts/map_speed.json.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
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

from safespaces.catalogue import EYES_CLASSES, SCORE_CLASSES
from safespaces.indices import FAMILIES
from safespaces_app.webmap import class_colours

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "tests" / "artifacts"
VIEWPORT = {"width": 1400, "height": 900}
MEASURED: dict[str, Any] = {}
#: The map's zoom and centre.
VIEW = (
    "() => { const m = window.ssmap.map, c = m.getCenter(); return [m.getZoom(), c.lat, c.lng]; }"
)


class Traffic:
    """Websocket frames and HTTP requests of a page, counted from a mark."""

    def __init__(self) -> None:
        self.sent = self.received = self.bytes_sent = self.bytes_received = self.requests = 0
        self.external: list[str] = []

    def attach(self, page: Any) -> None:
        def on_ws(ws: Any) -> None:
            ws.on("framesent", self._sent)
            ws.on("framereceived", self._received)

        page.on("websocket", on_ws)
        page.on("request", self._request)

    def _sent(self, payload: str | bytes) -> None:
        self.sent += 1
        self.bytes_sent += len(payload)

    def _received(self, payload: str | bytes) -> None:
        self.received += 1
        self.bytes_received += len(payload)

    def _request(self, request: Any) -> None:
        self.requests += 1
        if not is_local(request.url):
            self.external.append(request.url)

    def mark(self) -> tuple[int, int, int, int, int]:
        return (self.sent, self.received, self.bytes_sent, self.bytes_received, self.requests)


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, str]]:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium, url
        chromium.close()
    (ARTIFACTS / "map_speed.json").write_text(json.dumps(MEASURED, indent=2))


@pytest.fixture
def page(browser: tuple[Any, str]) -> Iterator[tuple[Any, Any, Traffic]]:
    """A fresh tab at 1400 x 900 on the Map page, the map drawn: (page, frame, traffic)."""
    chromium, url = browser
    tab = chromium.new_page(viewport=VIEWPORT)
    traffic = Traffic()
    traffic.attach(tab)
    tab.goto(url)
    frame = map_frame(tab)
    wait_idle(tab)
    yield tab, frame, traffic
    assert not traffic.external, f"requests left localhost: {traffic.external[:5]}"
    text = tab.inner_text("body")
    for word in ("Traceback", "Exception", "Error:"):
        assert word not in text, f"{word!r} on the page"
    tab.close()


def document(frame: Any) -> dict[str, Any]:
    """The map's data as the frame holds it."""
    return dict(frame.evaluate("() => window.ssmap.doc()"))


def colours(frame: Any, kind: str, ids: list[int]) -> list[str]:
    return list(
        frame.evaluate("([k, ids]) => ids.map(id => window.ssmap.colourOf(k, id))", [kind, ids])
    )


def expected_eyes(doc: dict[str, Any], hour: int) -> list[str]:
    """The catalogue's colours of the eyes values at ``hour`` (as the document holds them)."""
    values = pd.Series([np.nan if v is None else v / 10 for v in doc["segments"]["eyes"][hour]])
    return list(class_colours(EYES_CLASSES, values))


def expected_score(doc: dict[str, Any], weights: dict[str, float]) -> list[str]:
    """The catalogue's colours of the composite (safespaces.indices.composite: the weighted
    mean of the family scores a segment has), rounded half up to 0.1 as the map shows it."""
    scores = doc["segments"]["scores"]
    total = np.zeros(len(doc["segments"]["ids"]))
    norm = np.zeros_like(total)
    for family in FAMILIES:
        w = float(weights.get(family, 0.0))
        values = np.array([np.nan if v is None else v / 10 for v in scores[family]])
        ok = ~np.isnan(values) & (w > 0)
        total[ok] += w * values[ok]
        norm[ok] += w
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(norm > 0, np.floor(total / norm * 10 + 0.5) / 10, np.nan)
    return list(class_colours(SCORE_CLASSES, pd.Series(score)))


def frame_box(page: Any) -> dict[str, float]:
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    return dict(box)


def click_feature(page: Any, frame: Any, kind: str, ids: list[int]) -> int:
    """One real mouse click on a feature where it is the topmost element; its id."""
    point = frame.evaluate(FIND_POINT, {"kind": kind, "ids": ids, "zoom": None})
    assert point, f"no {kind} reachable on the map"
    box = frame_box(page)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    return int(point["id"])


def open_layers(frame: Any) -> None:
    """Unfold the map's layer panel (folded on a narrow map)."""
    toggle = frame.locator(".ss-layers .ss-toggle")
    if toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def heading_shown(page: Any, text: str) -> None:
    page.wait_for_function(
        "t => [...document.querySelectorAll('h3')].some(h => h.innerText.startsWith(t))",
        arg=text,
        timeout=60_000,
    )


@pytest.mark.parametrize("kind", ["dark", "segment", "area"])
def test_first_click_opens_the_right_panel(page: tuple[Any, Any, Traffic], kind: str) -> None:
    tab, frame, _ = page
    doc = document(frame)
    if kind == "area":  # show the areas (the map's own layer panel)
        open_layers(frame)
        frame.locator("label[for='ss-area-mix']").click()
        frame.wait_for_function("() => document.body.dataset.restyles > 1", polling=100)
    before = frame_box(tab)
    if kind == "dark":
        ids = doc["dark"]["ids"]
    elif kind == "segment":  # segments that are no dark path (those open as dark paths)
        dark = set(doc["dark"]["segment"])
        ids = [i for i in doc["segments"]["ids"] if i not in dark][::25]
    else:
        ids = doc["areas"]["ids"]
    fid = click_feature(tab, frame, kind, ids)
    if kind == "dark":
        segment = doc["dark"]["segment"][doc["dark"]["ids"].index(fid)]
        heading_shown(tab, f"Street segment {segment}")
        tab.get_by_text(f"Dark path no. {fid} (1 = darkest)").wait_for(timeout=10_000)
    elif kind == "segment":
        heading_shown(tab, f"Street segment {fid}")
    else:
        heading_shown(tab, f"Area {fid}")
    wait_idle(tab)
    assert frame_box(tab) == before, "the page moved under the click"
    # highlighted on the map, and the map kept (the same frame, not reloaded)
    assert frame.evaluate("() => document.body.dataset.selected") == f"{kind}:{fid}"
    assert frame.locator(".ss-selected, .leaflet-ss-selection-pane path").count() >= 1
    # the panel is beside the map, not below it
    panel = tab.get_by_role("heading", name="Score breakdown")
    if panel.count():
        assert panel.first.bounding_box()["x"] > before["x"] + before["width"] - 5
    heading = tab.locator("h3").filter(has_text="Street segment" if kind != "area" else "Area")
    hbox = heading.first.bounding_box()
    assert hbox and hbox["x"] > before["x"] + before["width"] - 5 and hbox["y"] < VIEWPORT["height"]
    tab.screenshot(path=str(ARTIFACTS / f"app_map_click_{kind}.png"))


def test_hour_keys_redraw_in_the_browser(page: tuple[Any, Any, Traffic]) -> None:
    """Hour steps: no server round trip, zoom, pan and selection kept, the right colours,
    redrawn in <= 0.5 s (median, measured in the page from the key's input event to the
    next painted frame); the settled view is reported once, after the steps."""
    tab, frame, traffic = page
    doc = document(frame)
    # zoom in on a street and select it, as a planner watching one street through the night
    dark = set(doc["dark"]["segment"])
    ids = [i for i in doc["segments"]["ids"] if i not in dark][::40]
    frame.evaluate("() => window.ssmap.map.setZoom(window.ssmap.map.getZoom() + 1.5)")
    fid = click_feature(tab, frame, "segment", ids)
    heading_shown(tab, f"Street segment {fid}")
    wait_idle(tab)
    before_view = frame.evaluate(VIEW)
    frame.locator("#ss-hour").focus()
    start = traffic.mark()
    walls = []
    steps = 12
    for i in range(1, steps + 1):  # 22:00 -> 10:00
        t0 = time.perf_counter()
        tab.keyboard.press("ArrowLeft")
        frame.wait_for_function(
            "h => document.body.dataset.drawnHour === String(h)", arg=22 - i, polling=10
        )
        walls.append(time.perf_counter() - t0)
    end = traffic.mark()  # the steps are drawn: nothing may have gone to the server
    tab.wait_for_timeout(2500)  # the settled view is reported once (for the URL)
    settled = traffic.mark()
    timings = frame.evaluate("n => window.ssmap.timings.slice(-n)", steps)
    assert len(timings) == steps
    sent, received = end[0] - start[0], end[1] - start[1]
    MEASURED["hour_step"] = {
        "steps": steps,
        "redraw_ms_median": round(statistics.median(timings), 1),
        "redraw_ms_max": round(max(timings), 1),
        "key_to_drawn_ms_median_playwright": round(1000 * statistics.median(walls), 1),
        "websocket_frames_sent": sent,
        "websocket_frames_received": received,
        "websocket_bytes_sent": end[2] - start[2],
        "websocket_bytes_received": end[3] - start[3],
        "http_requests": end[4] - start[4],
    }
    assert sent == 0 and received == 0, "an hour step talked to the server"
    assert end[4] == start[4], "an hour step made a request"
    # once the hour settled the map reports its view once (the page puts it in the URL)
    assert settled[0] - end[0] == 1, "the settled view was not reported exactly once"
    assert frame.evaluate(VIEW) == before_view, "zoom or pan changed"
    assert frame.evaluate("() => document.body.dataset.selected") == f"segment:{fid}"
    assert frame.locator(".ss-selected").count() == 1
    assert tab.locator("h3").filter(has_text=f"Street segment {fid}").count() == 1
    assert frame.locator("#ss-hour").input_value() == "10"
    legend = frame.locator(".ss-legend .ss-legend-block").first.inner_text()
    assert legend.startswith("Eyes on the street at 10:00")
    all_ids = doc["segments"]["ids"]
    assert colours(frame, "segment", all_ids) == expected_eyes(doc, 10)
    assert statistics.median(timings) <= 500, MEASURED["hour_step"]
    tab.screenshot(path=str(ARTIFACTS / "app_map_hour_10.png"))


def test_layers_and_weights_restyle_in_place(page: tuple[Any, Any, Traffic]) -> None:
    tab, frame, traffic = page
    doc = document(frame)
    ids = doc["segments"]["ids"]
    frame.evaluate("() => window.ssmap.map.setZoom(window.ssmap.map.getZoom() + 1)")
    before_view = frame.evaluate(VIEW)
    start = traffic.mark()
    open_layers(frame)
    frame.locator("label[for='ss-street-score']").click()
    frame.wait_for_function("() => document.body.dataset.street === 'score'", polling=100)
    balanced = dict.fromkeys(FAMILIES, 1.0)
    assert colours(frame, "segment", ids) == expected_score(doc, balanced)
    assert traffic.mark()[0] == start[0], "a layer change talked to the server"
    # a weight in the sidebar: small reruns, the map restyled in place
    mark = traffic.mark()
    slider = tab.get_by_role("slider", name="Social mix")
    slider.focus()
    for _ in range(4):  # 1.0 -> 0.0 in steps of 0.25, at a person's pace (see below)
        tab.keyboard.press("ArrowLeft")
        wait_idle(tab)
    frame.wait_for_function(
        "() => window.ssmap.args().weights.mix === 0 && window.ssmap.counters.restyles > 0",
        timeout=60_000,
        polling=100,
    )
    wait_idle(tab)
    end = traffic.mark()
    MEASURED["weight_change"] = {
        "websocket_bytes_received": end[3] - mark[3],
        "websocket_frames_sent": end[0] - mark[0],
        "http_requests": end[4] - mark[4],
    }
    weights = {**balanced, "mix": 0.0}
    assert colours(frame, "segment", ids) == expected_score(doc, weights)
    assert frame.evaluate(VIEW) == before_view, "zoom or pan changed"
    assert frame.evaluate("() => document.body.dataset.street") == "score"  # the same frame
    assert end[3] - mark[3] < 200_000, "a weight change sent the map again"
    # all weights 0: the map says so (keys faster than the server: test_app_a11y_browser.py)
    for family in ("Light", "Eyes on the street", "Incidents"):
        s = tab.get_by_role("slider", name=family)
        s.focus()
        for _ in range(4):
            tab.keyboard.press("ArrowLeft")
            wait_idle(tab)
    frame.locator(".ss-notice:not([hidden])").wait_for(timeout=30_000)
    assert "All weights are 0" in frame.locator(".ss-notice").inner_text()


def test_play_animates_the_night_and_the_watermark_is_on_the_map(
    page: tuple[Any, Any, Traffic],
) -> None:
    tab, frame, _ = page
    assert frame.locator(".ss-watermark").inner_text() == "SYNTHETIC"
    assert "tenure" in frame.locator(".ss-badge").inner_text()
    frame.get_by_role("button", name="Play the day").click()
    frame.wait_for_function(
        "() => document.body.dataset.drawnHour === '0'", timeout=10_000, polling=100
    )
    frame.get_by_role("button", name="Pause").click()
    hour = frame.evaluate("() => document.body.dataset.drawnHour")
    tab.wait_for_timeout(1500)
    assert frame.evaluate("() => document.body.dataset.drawnHour") == hour
    # street names at close zoom (the study's own OSM), and a picture at 23:00
    frame.evaluate("() => window.ssmap.setHour(23)")
    frame.evaluate("() => window.ssmap.map.setZoom(17)")
    frame.locator(".ss-label-text").first.wait_for(timeout=10_000)
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(ARTIFACTS / "app_map_2300.png"))
