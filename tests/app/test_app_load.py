"""Load: 10 concurrent browser sessions cycle through every page for 2 minutes.

One Streamlit server on a free loopback port, one Debian Chromium with 10 contexts (each a
separate Streamlit session), driven by Playwright's async API. Each session opens the app
and then clicks through the pages in turn, starting at a different page, until the time is
up (``SAFESPACES_LOAD_SECONDS``, 120 by default; at most ``MAX_VISITS`` visits a session).
A visit is timed from the click on the page's link to its heading (and for the Map page to
the map's vector layer in the iframe).

Fails on: any exception or connection-error text on a page, an HTTP response >= 500, a
failed request (other than one the browser aborted because the page moved on), a
websocket error or a websocket closed while the session was running, a request that left
127.0.0.1, a visit that did not render within ``VISIT_TIMEOUT_S``, or a page no session
rendered. Writes tests/artifacts/load_report.json with per-page median and p95 times.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import defaultdict
from typing import Any

import pytest
from app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE_JS,
    MAP_FRAME,
    REPO,
    have_browser,
    streamlit_server,
)
from conftest import require

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "tests" / "artifacts"
SESSIONS = 10
SECONDS = float(os.environ.get("SAFESPACES_LOAD_SECONDS", "120"))
MAX_VISITS = 60
VISIT_TIMEOUT_S = 120.0
#: (link text, heading) of every page.
PAGES = [
    ("Map", "Map"),
    ("Districts", "Districts"),
    ("Social mix", "Social mix"),
    ("Lighting", "Lighting"),
    ("Incidents", "Incidents"),
    ("Data", "Data"),
    ("Export", "Export"),
]
BAD_TEXT = ("Traceback", "Exception", "Error:", "Connection error")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Recorder:
    """Problems and timings of all sessions."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.problems: list[str] = []
        self.aborted = 0
        self.running = True

    def watch(self, page: Any, who: str) -> None:
        def on_response(response: Any) -> None:
            if response.status >= 500:
                self.problems.append(f"{who}: HTTP {response.status} {response.url}")

        def on_failed(request: Any) -> None:
            error = request.failure or ""
            if "ERR_ABORTED" in error:  # the page moved on (e.g. a rerun replaced the map)
                self.aborted += 1
            else:
                self.problems.append(f"{who}: request failed {request.url}: {error}")

        def on_request(request: Any) -> None:
            host = request.url.split("/")[2] if "://" in request.url else ""
            if request.url.startswith(("http://", "https://", "ws://")) and not host.startswith(
                "127.0.0.1"
            ):
                self.problems.append(f"{who}: request left 127.0.0.1: {request.url}")

        def on_websocket(ws: Any) -> None:
            ws.on("socketerror", lambda e: self.problems.append(f"{who}: websocket error {e}"))
            ws.on(
                "close",
                lambda _: (
                    self.problems.append(f"{who}: websocket closed while running")
                    if self.running
                    else None
                ),
            )

        page.on("response", on_response)
        page.on("requestfailed", on_failed)
        page.on("request", on_request)
        page.on("websocket", on_websocket)


async def wait_rendered(page: Any, heading: str) -> None:
    """The page's heading, the map's vector layer on the Map page, and the script done."""
    await page.get_by_role("heading", name=heading, exact=True).wait_for(
        timeout=VISIT_TIMEOUT_S * 1000
    )
    await page.wait_for_function(IDLE_JS, timeout=VISIT_TIMEOUT_S * 1000)
    if heading == "Map":
        await page.wait_for_selector(MAP_FRAME, state="attached", timeout=VISIT_TIMEOUT_S * 1000)
        await (
            page.frame_locator(MAP_FRAME)
            .locator("path.leaflet-interactive")
            .first.wait_for(state="attached", timeout=VISIT_TIMEOUT_S * 1000)
        )


async def check_text(page: Any, who: str, where: str, rec: Recorder) -> None:
    text = await page.inner_text("body")
    for word in BAD_TEXT:
        if word in text:
            rec.problems.append(f"{who} on {where}: {word!r} on the page")


async def session(browser: Any, url: str, index: int, deadline: float, rec: Recorder) -> None:
    who = f"session {index}"
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    rec.watch(page, who)
    try:
        await asyncio.sleep(0.5 * index)  # sessions arrive over 5 s, not in the same instant
        t0 = time.perf_counter()
        await page.goto(url, timeout=VISIT_TIMEOUT_S * 1000)
        await wait_rendered(page, "Map")
        rec.times["first load (Map)"].append(time.perf_counter() - t0)
        order = PAGES[index % len(PAGES) :] + PAGES[: index % len(PAGES)]
        visits = 0
        while time.perf_counter() < deadline and visits < MAX_VISITS:
            link, heading = order[visits % len(order)]
            visits += 1
            t0 = time.perf_counter()
            try:
                await page.get_by_role("link", name=link, exact=True).click()
                await wait_rendered(page, heading)
            except Exception as exc:
                rec.problems.append(f"{who}: {link} did not render: {type(exc).__name__}")
                continue
            rec.times[link].append(time.perf_counter() - t0)
            await check_text(page, who, link, rec)
    finally:
        await context.close()


async def load(url: str) -> Recorder:
    from playwright.async_api import async_playwright

    rec = Recorder()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        deadline = time.perf_counter() + SECONDS
        tasks = [session(browser, url, i, deadline, rec) for i in range(SESSIONS)]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=SECONDS + 4 * VISIT_TIMEOUT_S)
        rec.running = False
        await browser.close()
    return rec


async def warm(url: str) -> None:
    """One session first: the analysis runs once before the load starts."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(url)
        await wait_rendered(page, "Map")
        await browser.close()


def test_ten_sessions_for_two_minutes() -> None:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url:
        asyncio.run(warm(url))
        started = time.perf_counter()
        rec = asyncio.run(load(url))
        elapsed = time.perf_counter() - started
    report: dict[str, Any] = {
        "sessions": SESSIONS,
        "seconds": round(elapsed, 1),
        "visits": sum(len(v) for k, v in rec.times.items() if k in dict(PAGES)),
        "aborted_requests": rec.aborted,
        "problems": rec.problems,
        "pages": {
            name: {
                "visits": len(values),
                "median_s": round(statistics.median(values), 2),
                "p95_s": round(p95(values), 2),
                "max_s": round(max(values), 2),
            }
            for name, values in sorted(rec.times.items())
        },
    }
    (ARTIFACTS / "load_report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{SESSIONS} sessions, {report['seconds']} s, {report['visits']} page visits")
    print("| page | visits | median s | p95 s | max s |\n| --- | --- | --- | --- | --- |")
    for name, row in report["pages"].items():
        print(f"| {name} | {row['visits']} | {row['median_s']} | {row['p95_s']} | {row['max_s']} |")
    assert not rec.problems, "\n".join(rec.problems[:20])
    missing = [link for link, _ in PAGES if not rec.times.get(link)]
    assert not missing, f"pages no session rendered: {missing}"
