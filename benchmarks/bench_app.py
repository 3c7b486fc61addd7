"""Benchmark: the app on the embedded Helsinki default, in Debian Chromium.

Reports the time from launching ``safespaces app`` (the README's command: the server
starts the first analysis as it starts, :mod:`safespaces_app.warmup`) to the first map
drawn in the browser (the browser is already open, as a planner's is; the clock starts
when the server is launched): cold (the default's run kept on disk is removed first, so
it includes the analysis) and after a restart (the run read back from disk); the first
map of a second visit (a second tab); an hour change (key press on the slider to new
colours on the map, median of several); the map document's size (raw and gzipped) and
the bytes the browser received over the websocket for the first map and an hour change.

Run: python3 benchmarks/bench_app.py [--changes 5] [--peer 3] [--open DIR]
(``--peer N``: the default analysis against the peer pipeline in the same run,
:func:`bench_pipeline.compare`)
Writes benchmarks/out/app.json and prints a Markdown table.

With ``--open DIR`` (a finished output folder, e.g. of the tiled 10 x 10 city) it measures
the app on that folder instead (``safespaces app`` on it, as ``--open DIR`` does; nothing is
recomputed):
reading the GeoPackage back and writing the map's tiled documents (in this process), then in
the browser the first map cold (a fresh app cache: the documents are written by the server)
and warm (a restart with the documents on disk), a second visit, zooming in to the tiles
(time until the tiles in view are drawn, bytes per tile), the hour change on the tiles and on
the overview (median of ``--changes``, timed in the page), a pan to the next view, and the
frame's JavaScript heap. Writes benchmarks/out/app_open.json.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
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

#: The README's command (tools/app.sh runs it): the server warms up as it starts
#: (:mod:`safespaces_app.warmup`), as a planner's server does.
APP = [sys.executable, "-m", "safespaces", "app"]


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
    """The map's frame once its features are drawn (attached: on a whole city the first
    path may be a street too short to count as visible)."""
    frame = map_frame(page, timeout_ms=300_000)
    page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").first.wait_for(
        state="attached", timeout=300_000
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


#: The browser's window: a planner's desktop.
VIEWPORT: Any = {"width": 1400, "height": 1000}  # playwright's ViewportSize


@dataclasses.dataclass
class Launch:
    """The app launched and its first map drawn in a page of an open browser."""

    url: str
    browser: Any
    page: Any
    frame: Any
    healthy_s: float
    first_map_s: float


@contextlib.contextmanager
def launched(
    env: dict[str, str] | None = None, watch: Callable[[Any], None] | None = None
) -> Iterator[Launch]:
    """Debian Chromium already open (as a planner's browser is), then the clock starts:
    ``safespaces app`` launched, its health awaited, the page opened and its map drawn.
    ``watch(page)`` is called before the page opens."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        if watch is not None:
            watch(page)
        start = time.perf_counter()
        with streamlit_server(timeout=300, env=env, command=APP) as url:
            healthy = time.perf_counter() - start
            page.goto(url)
            frame = wait_for_map(page)
            first = time.perf_counter() - start
            try:
                yield Launch(url, browser, page, frame, healthy, first)
            finally:
                browser.close()


def second_visit(launch: Launch) -> float:
    """Seconds from opening the app in a second tab to its map drawn (the server warm)."""
    page = launch.browser.new_page(viewport=VIEWPORT)
    t0 = time.perf_counter()
    page.goto(launch.url)
    wait_for_map(page)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


def restart_timing() -> float:
    """Launch to first map when the default's run is on disk (a server restart)."""
    with launched() as launch:
        return launch.first_map_s


def browser_timings(changes: int) -> dict[str, Any]:
    received = {"bytes": 0}
    external: list[str] = []

    def watch(ws: Any) -> None:
        ws.on(
            "framereceived",
            lambda payload: received.__setitem__("bytes", received["bytes"] + len(payload)),
        )

    def listen(page: Any) -> None:
        page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
        page.on("websocket", watch)

    with launched(watch=listen) as launch:
        page, frame = launch.page, launch.frame
        startup = frame.evaluate("() => window.ssmap.startup")
        first_bytes = received["bytes"]
        cached_map = second_visit(launch)

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
    return {
        "server_healthy_s": round(launch.healthy_s, 2),
        "launch_to_first_map_s": round(launch.first_map_s, 2),
        "map_code_to_drawn_s": round((startup["drawn"] - startup["code"]) / 1000, 2),
        "second_visit_first_map_s": round(cached_map, 2),
        "hour_change_s_median": round(statistics.median(times), 3),
        "hour_change_s_all": [round(x, 3) for x in times],
        "hour_change_key_to_drawn_s_median": round(statistics.median(walls), 3),
        "websocket_bytes_first_map": first_bytes,
        "websocket_bytes_hour_change_median": int(statistics.median(change_bytes)),
        "requests_leaving_localhost": len(external),
    }


# --- an opened output folder (a whole city) ---------------------------------------------------

#: True once the map shows tiles and none is loading.
TILES_DRAWN = (
    "() => document.body.dataset.tilesActive === '1' && document.body.dataset.tilesPending === '0'"
    " && Number(document.body.dataset.tilesShown) > 0"
)


def open_folder_server_side(folder: Path) -> dict[str, Any]:
    """Reading the folder back and writing its map documents, timed in this process."""
    import resource
    import tempfile

    from safespaces_app import maptiles
    from safespaces_app.results import read_run

    t0 = time.perf_counter()
    data = read_run(folder, k_min=5)
    read_s = time.perf_counter() - t0
    rss_read = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        root, name = maptiles.write_client(Path(tmp), data.layers)
        write_s = time.perf_counter() - t0
        overview = json.loads((root / name).read_text("utf-8"))
        tiles = overview.get("tiles", {}).get("index", [])
        sizes = sorted(int(t["bytes"]) for t in tiles)
        segs = sorted(int(t["segments"]) for t in tiles)
        overview_bytes = (root / name).stat().st_size
        search = overview.get("tiles", {}).get("search")
        search_bytes = (root / search["file"]).stat().st_size if search else 0
    return {
        "segments": len(data.layers["street_segments"]),
        "read_run_s": round(read_s, 1),
        "read_run_peak_gb": round(rss_read, 2),
        "write_map_documents_s": round(write_s, 1),
        "peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "tiled": bool(tiles),
        "tiles": len(tiles),
        "overview_segments": len(overview["segments"]["ids"]),
        "overview_bytes": overview_bytes,
        "tile_bytes_median": sizes[len(sizes) // 2] if sizes else 0,
        "tile_bytes_total": sum(sizes),
        "tile_segments_median": segs[len(segs) // 2] if segs else 0,
        "search_streets": search["streets"] if search else 0,
        "search_file_bytes": search_bytes,
    }


def _hour_changes(page: Any, frame: Any, changes: int) -> tuple[list[float], list[float]]:
    """In-page redraw times and Playwright's key-to-drawn times of ``changes`` hour steps."""
    frame.locator("#ss-hour").focus()
    hour = int(frame.evaluate("() => window.ssmap.state.hour"))
    walls = []
    for i in range(changes):
        key, step = ("ArrowLeft", -1) if i % 2 == 0 else ("ArrowRight", 1)
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
        page.wait_for_timeout(300)
    times = [t / 1000 for t in frame.evaluate("n => window.ssmap.timings.slice(-n)", changes)]
    return times, walls


def open_folder_browser(folder: Path, changes: int) -> dict[str, Any]:
    """The opened folder in Debian Chromium: cold and warm first map, tiles, hour changes."""
    import tempfile

    out: dict[str, Any] = {}
    external: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-open-") as tmp:
        env = {"SAFESPACES_APP_OPEN": str(folder.resolve()), "TMPDIR": tmp}

        def listen(page: Any) -> None:
            page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))

        for label in ("cold", "warm"):  # warm: a restart, the map's documents on disk
            with launched(env, listen) as launch:
                page, frame = launch.page, launch.frame
                out[f"launch_to_first_map_{label}_s"] = round(launch.first_map_s, 1)
                startup = frame.evaluate("() => window.ssmap.startup")
                out[f"map_code_to_drawn_{label}_s"] = round(
                    (startup["drawn"] - startup["code"]) / 1000, 2
                )
                if label == "warm":
                    continue
                overview = frame.evaluate(
                    "() => performance.getEntriesByType('resource')"
                    ".filter(e => /data-[0-9a-f]+[.]json/.test(e.name))"
                    ".map(e => [e.transferSize, e.decodedBodySize])[0]"
                )
                out["overview_bytes_transferred"], out["overview_bytes_decoded"] = overview
                out["second_visit_first_map_s"] = round(second_visit(launch), 1)
                # the search: its file of every street, fetched when the box is first used
                t0 = time.perf_counter()
                frame.locator("#ss-search").focus()
                frame.wait_for_function(
                    "() => document.body.dataset.streetSearch === 'ready'", polling=20
                )
                out["search_file_ready_s"] = round(time.perf_counter() - t0, 2)
                frame.locator("#ss-search").blur()
                # the overview: hour changes on the main streets
                times, _ = _hour_changes(page, frame, changes)
                out["hour_change_overview_s_median"] = round(statistics.median(times), 3)
                # zoom in at the centre to the tiles' zoom
                zoom = float(frame.evaluate("() => window.ssmap.doc().tiles.min_zoom")) + 0.5
                t0 = time.perf_counter()
                frame.evaluate("z => { window.ssmap.map.setZoom(z, {animate: false}); }", zoom)
                frame.wait_for_function(TILES_DRAWN, timeout=300_000, polling=20)
                out["zoom_in_to_tiles_drawn_s"] = round(time.perf_counter() - t0, 2)
                report = frame.evaluate("() => window.ssmap.tiles()")
                loaded = report["loaded"]
                transfer = sorted(int(t["bytes"]["transfer"]) for t in loaded if t["bytes"])
                decoded = sorted(int(t["bytes"]["decoded"]) for t in loaded if t["bytes"])
                out["tiles_in_view"] = len(report["shown"])
                out["segments_drawn"] = int(report["segments_loaded"])
                out["tile_bytes_transferred_median"] = transfer[len(transfer) // 2]
                out["tile_bytes_decoded_median"] = decoded[len(decoded) // 2]
                out["tiles_bytes_transferred_total"] = sum(transfer)
                out["tile_fetch_to_drawn_ms_median"] = statistics.median(
                    int(t["ms"]) for t in loaded
                )
                times, walls = _hour_changes(page, frame, changes)
                out["hour_change_tiles_s_median"] = round(statistics.median(times), 3)
                out["hour_change_tiles_s_all"] = [round(x, 3) for x in times]
                out["hour_change_tiles_key_to_drawn_s_median"] = round(statistics.median(walls), 3)
                # a pan by one view width: the next tiles
                t0 = time.perf_counter()
                frame.evaluate(  # (a block: returning the map would serialise all of it)
                    "() => { window.ssmap.map.panBy([window.ssmap.map.getSize().x, 0],"
                    " {animate: false}); }"
                )
                page.wait_for_timeout(100)
                frame.wait_for_function(TILES_DRAWN, timeout=300_000, polling=20)
                out["pan_to_tiles_drawn_s"] = round(time.perf_counter() - t0, 2)
                heap = frame.evaluate(
                    "() => performance.memory ? performance.memory.usedJSHeapSize : null"
                )
                out["frame_js_heap_mb"] = round(heap / 2**20, 1) if heap else None
                out["tiles_loaded_after_pan"] = len(
                    frame.evaluate("() => window.ssmap.tiles().loaded")
                )
                page.screenshot(path=str(REPO / "benchmarks" / "out" / "app_open_tiles.png"))
    out["requests_leaving_localhost"] = len(external)
    return out


def main_open(folder: Path, changes: int) -> None:
    out_dir = REPO / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {"folder": str(folder), **open_folder_server_side(folder)}
    result.update(open_folder_browser(folder, changes))
    (out_dir / "app_open.json").write_text(json.dumps(result, indent=2) + "\n")
    kb = 1024
    rows = [
        ("street segments", f"{result['segments']:,}"),
        ("read the GeoPackage back (read_run)", f"{result['read_run_s']} s"),
        ("write the map's documents (once per folder)", f"{result['write_map_documents_s']} s"),
        ("tiles; overview main streets", f"{result['tiles']}; {result['overview_segments']:,}"),
        ("launch to first map, cold", f"{result['launch_to_first_map_cold_s']} s"),
        (
            "launch to first map, warm (documents on disk)",
            f"{result['launch_to_first_map_warm_s']} s",
        ),
        ("second visit to first map", f"{result['second_visit_first_map_s']} s"),
        (
            "overview sent (gzipped / raw)",
            f"{result['overview_bytes_transferred'] / kb:.0f} / "
            f"{result['overview_bytes_decoded'] / kb:.0f} KiB",
        ),
        ("hour change on the overview (median)", f"{result['hour_change_overview_s_median']} s"),
        (
            "search: every named street, file (raw); focus to ready",
            f"{result['search_streets']:,} streets, {result['search_file_bytes'] / kb:.0f} KiB; "
            f"{result['search_file_ready_s']} s",
        ),
        ("zoom in to the tiles drawn", f"{result['zoom_in_to_tiles_drawn_s']} s"),
        (
            "tiles in view; segments drawn",
            f"{result['tiles_in_view']}; {result['segments_drawn']:,}",
        ),
        (
            "per tile (gzipped / raw, median)",
            f"{result['tile_bytes_transferred_median'] / kb:.0f} / "
            f"{result['tile_bytes_decoded_median'] / kb:.0f} KiB",
        ),
        ("hour change on the tiles (median)", f"{result['hour_change_tiles_s_median']} s"),
        ("pan one view to the next tiles drawn", f"{result['pan_to_tiles_drawn_s']} s"),
        ("map frame's JavaScript heap", f"{result['frame_js_heap_mb']} MB"),
        ("requests leaving localhost", str(result["requests_leaving_localhost"])),
    ]
    print("| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--open", type=Path, help="a finished output folder to open instead")
    parser.add_argument(
        "--peer",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also time the default analysis against the peer pipeline in this run "
        "(bench_pipeline.compare, ROUNDS alternated rounds)",
    )
    args = parser.parse_args()
    if not have_browser():
        raise SystemExit(f"needs playwright and Debian Chromium at {CHROMIUM}")
    if args.open is not None:
        main_open(args.open, args.changes)
        return
    clear_default_runs()
    result: dict[str, Any] = browser_timings(args.changes)
    result["restart_to_first_map_s"] = round(restart_timing(), 2)
    result["map_document_bytes"] = map_document_bytes()
    if args.peer:
        from bench_pipeline import compare, markdown

        result["analysis_against_peer"] = compare(args.peer)
        print(markdown(result["analysis_against_peer"]))
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
