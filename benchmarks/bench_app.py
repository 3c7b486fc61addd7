"""Benchmark: the app on the embedded Helsinki default, in Debian Chromium.

Reports the time from launching ``streamlit run app.py`` to the first map (the
vector layer drawn in the browser; it includes the one analysis run: the run of the
default kept on disk is removed first), the same after a restart (the default's run
read back from disk), the time
to the first map of a second visit (analysis cached), the time for an hour
change (key press on the slider to new colours on the map, median of several),
and the map payload: the folium HTML of the default map and the bytes the
browser received over the websocket for the first map and for an hour change.

Run: python3 benchmarks/bench_app.py [--changes 5]
Writes benchmarks/out/app.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "app")]

from app_server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    have_browser,
    is_local,
    map_frame,
    streamlit_server,
)


def map_document_bytes() -> dict[str, int]:
    """Size of the map document of the default (raw and gzipped, as the server sends it)."""
    import gzip
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from safespaces.config import Config
    from safespaces.study import Inputs
    from safespaces_app import mapdata, runs

    config = Config()
    data = runs.analysis(Inputs(), config.to_json(), config)
    body = mapdata.dumps(mapdata.build(data.layers))
    return {"raw": len(body), "gzip": len(gzip.compress(body))}


def wait_for_map(page: Any) -> Any:
    frame = map_frame(page, timeout_ms=300_000)
    page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").first.wait_for(
        timeout=300_000
    )
    return frame


def clear_default_runs() -> int:
    """Remove the default's runs the app keeps on disk (a cold start); return how many."""
    import shutil

    from safespaces_app.diskcache import RUNS_DIR

    found = list(RUNS_DIR.glob("default-*")) if RUNS_DIR.is_dir() else []
    for folder in found:
        shutil.rmtree(folder, ignore_errors=True)
    return len(found)


def restart_timing() -> float:
    """Launch to first map when the default's run is on disk (a server restart)."""
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    with streamlit_server(timeout=300) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        wait_for_map(page)
        elapsed = time.perf_counter() - start
        browser.close()
    return elapsed


def browser_timings(changes: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    received = {"bytes": 0}
    external: list[str] = []

    def watch(ws: Any) -> None:
        ws.on(
            "framereceived",
            lambda payload: received.__setitem__("bytes", received["bytes"] + len(payload)),
        )

    start = time.perf_counter()
    with streamlit_server(timeout=300) as url, sync_playwright() as p:
        healthy = time.perf_counter() - start
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
        page.on("websocket", watch)
        page.goto(url)
        frame = wait_for_map(page)
        first_map = time.perf_counter() - start
        startup = frame.evaluate("() => window.ssmap.startup")
        first_bytes = received["bytes"]

        page2 = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page2.goto(url)
        wait_for_map(page2)
        cached_map = time.perf_counter() - t0
        page2.close()

        frame.locator("#ss-hour").focus()
        walls, change_bytes = [], []
        hour = 22
        for i in range(changes):
            key, step = ("ArrowLeft", -1) if i % 2 == 0 else ("ArrowRight", 1)
            received["bytes"] = 0
            t0 = time.perf_counter()
            page.keyboard.press(key)
            hour += step
            frame.wait_for_function(
                "h => document.body.dataset.drawnHour === String(h)",
                arg=hour,
                timeout=60_000,
                polling=10,
            )
            walls.append(time.perf_counter() - t0)
            page.wait_for_timeout(500)
            change_bytes.append(received["bytes"])
        times = [t / 1000 for t in frame.evaluate("n => window.ssmap.timings.slice(-n)", changes)]
        browser.close()
    return {
        "server_healthy_s": round(healthy, 2),
        "launch_to_first_map_s": round(first_map, 2),
        "map_code_to_drawn_s": round((startup["drawn"] - startup["code"]) / 1000, 2),
        "second_visit_first_map_s": round(cached_map, 2),
        "hour_change_s_median": round(statistics.median(times), 3),
        "hour_change_s_all": [round(x, 3) for x in times],
        "hour_change_key_to_drawn_s_median": round(statistics.median(walls), 3),
        "websocket_bytes_first_map": first_bytes,
        "websocket_bytes_hour_change_median": int(statistics.median(change_bytes)),
        "requests_leaving_localhost": len(external),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5)
    args = parser.parse_args()
    if not have_browser():
        raise SystemExit(f"needs playwright and Debian Chromium at {CHROMIUM}")
    clear_default_runs()
    result: dict[str, Any] = browser_timings(args.changes)
    result["restart_to_first_map_s"] = round(restart_timing(), 2)
    result["map_document_bytes"] = map_document_bytes()
    out = REPO / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "app.json").write_text(json.dumps(result, indent=2) + "\n")
    kb = 1024
    rows = [
        ("launch to first map (incl. the analysis)", f"{result['launch_to_first_map_s']} s"),
        ("  of which server start to healthy", f"{result['server_healthy_s']} s"),
        ("  of which the map's code to the map drawn", f"{result['map_code_to_drawn_s']} s"),
        ("restart to first map (run on disk)", f"{result['restart_to_first_map_s']} s"),
        ("second visit to first map (cached)", f"{result['second_visit_first_map_s']} s"),
        ("hour change to new colours (median)", f"{result['hour_change_s_median']} s"),
        (
            "  key press to drawn, from Playwright",
            f"{result['hour_change_key_to_drawn_s_median']} s",
        ),
        ("map document, raw (once)", f"{result['map_document_bytes']['raw'] / kb:.0f} KiB"),
        ("map document, gzipped", f"{result['map_document_bytes']['gzip'] / kb:.0f} KiB"),
        ("websocket bytes, first map", f"{result['websocket_bytes_first_map'] / kb:.0f} KiB"),
        (
            "websocket bytes, hour change (median)",
            f"{result['websocket_bytes_hour_change_median'] / kb:.0f} KiB",
        ),
        ("requests leaving localhost", str(result["requests_leaving_localhost"])),
    ]
    print("| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
