"""A whole city's map in a real browser (issue 20): levels of detail (Debian Chromium).

The folder of one ``safespaces run`` of the default is opened as the analyst's output
(``SAFESPACES_APP_OPEN``); its map is tiled with the threshold lowered: the tiled
documents are written beforehand, where the server looks for that folder's map (the app's
cache under the server's own ``TMPDIR``), and the server reuses them as it does across
restarts. Zoomed out the map shows the overview's main streets; zoomed in it fetches the
tiles in view, restyles them with the hour and opens a tiled feature's panel on a click.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIND_POINT,
    MAP_FRAME,
    have_browser,
    is_local,
    map_frame,
    streamlit_server,
    wait_idle,
)
from conftest import require

from safespaces.catalogue import EYES_CLASSES
from safespaces.commands.app import OPEN_ENV
from safespaces_app import maptiles, mapwidget
from safespaces_app.results import read_run
from safespaces_app.webmap import class_colours

pytestmark = pytest.mark.browser
#: True once the map shows tiles and none is loading.
TILES_DRAWN = (
    "() => document.body.dataset.tilesActive === '1' && document.body.dataset.tilesPending === '0'"
    " && Number(document.body.dataset.tilesShown) > 0"
)


@pytest.fixture(scope="module")
def server(
    default_output: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, str, Path]]:
    """The app opened on the default's output folder, its map tiled (threshold 1,000)."""
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("tiles-app")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(maptiles, "TILE_THRESHOLD", 1000)
        mp.setattr(mapwidget, "OPENED_MAPS", tmp / "safespaces-app" / "maps")
        target, key = mapwidget.map_folder(default_output)
        root, _ = maptiles.write_client(target, read_run(default_output, k_min=5).layers, key=key)
    env = {OPEN_ENV: str(default_output), "TMPDIR": str(tmp)}
    with streamlit_server(env=env) as url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium, url, root
        chromium.close()


def expected_eyes(tile: dict[str, Any], hour: int) -> list[str]:
    values = pd.Series([np.nan if v is None else v / 10 for v in tile["segments"]["eyes"][hour]])
    return list(class_colours(EYES_CLASSES, values))


def colours(frame: Any, ids: list[int]) -> list[str]:
    return list(frame.evaluate("ids => ids.map(id => window.ssmap.colourOf('segment', id))", ids))


def test_tiles_load_restyle_and_open_the_panel(server: tuple[Any, str, Path]) -> None:
    chromium, url, root = server
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    external: list[str] = []
    page.on("request", lambda r: None if is_local(r.url) else external.append(r.url))
    page.goto(url)
    frame = map_frame(page)
    wait_idle(page)
    doc = frame.evaluate("() => window.ssmap.doc()")
    assert frame.evaluate("() => document.body.dataset.tiled") == "1"
    # zoomed out: the overview (the main streets), no tile fetched
    assert frame.evaluate("() => window.ssmap.map.getZoom()") < doc["tiles"]["min_zoom"]
    report = frame.evaluate("() => window.ssmap.tiles()")
    assert not report["active"] and report["loaded"] == [] and report["stats"]["fetched"] == 0
    main = doc["segments"]["ids"]
    assert 0 < len(main) < doc["tiles"]["segments"]
    assert all(frame.evaluate("ids => ids.map(id => !!window.ssmap.layerOf('segment', id))", main))

    # zoomed in: the tiles in view are fetched and drawn
    frame.evaluate("z => { window.ssmap.map.setZoom(z); }", doc["tiles"]["min_zoom"] + 1)
    frame.wait_for_function(TILES_DRAWN, timeout=120_000, polling=100)
    report = frame.evaluate("() => window.ssmap.tiles()")
    assert report["active"] and report["shown"] and report["stats"]["failed"] == 0
    index = {e["key"]: e for e in doc["tiles"]["index"]}
    assert set(report["shown"]) <= set(index)
    key = max(report["shown"], key=lambda k: index[k]["segments"])
    tile = frame.evaluate("k => window.ssmap.tileDoc(k)", key)
    ids = tile["segments"]["ids"]
    assert len(ids) == index[key]["segments"] > 0
    assert colours(frame, ids) == expected_eyes(tile, 22)

    # hour steps restyle the tiles on the map (no request to the server)
    frame.locator("#ss-hour").focus()
    for hour in (21, 20):
        page.keyboard.press("ArrowLeft")
        frame.wait_for_function(
            "h => document.body.dataset.drawnHour === String(h)", arg=hour, polling=50
        )
    assert colours(frame, ids) == expected_eyes(tile, 20)

    # a click on a tiled segment (no dark path) opens its panel; it is highlighted
    dark = set(tile.get("dark", {}).get("segment", []))
    candidates = [i for i in ids if i not in dark][::7]
    point = frame.evaluate(FIND_POINT, {"kind": "segment", "ids": candidates, "zoom": None})
    assert point, "no tiled segment reachable on the map"
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    fid = int(point["id"])
    page.wait_for_function(
        "t => [...document.querySelectorAll('h3')].some(h => h.innerText.startsWith(t))",
        arg=f"Street segment {fid}",
        timeout=60_000,
    )
    assert frame.evaluate("() => document.body.dataset.selected") == f"segment:{fid}"
    assert frame.locator(".ss-selected").count() == 1

    # zoomed out again: the tiles leave the map, the overview is back in the new hour's colours
    frame.evaluate("z => { window.ssmap.map.setZoom(z); }", doc["tiles"]["min_zoom"] - 1)
    frame.wait_for_function(
        "() => document.body.dataset.tilesActive === '0'"
        " && document.body.dataset.tilesShown === '0'",
        polling=100,
    )
    assert colours(frame, main) == expected_eyes(doc, 20)
    assert not external, external[:5]
    text = page.inner_text("body")
    for word in ("Traceback", "Exception", "Error:"):
        assert word not in text
    page.close()


def test_search_finds_a_street_that_is_only_in_the_tiles(server: tuple[Any, str, Path]) -> None:
    """The overview holds the main streets only; the search file holds every named street:
    a side street is found by keyboard, the map zooms to its tiles, highlights it and opens
    its longest segment's panel."""
    chromium, url, root = server
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    frame = map_frame(page)
    wait_idle(page)
    doc = frame.evaluate("() => window.ssmap.doc()")
    search = doc["tiles"]["search"]
    streets = json.loads((root / search["file"]).read_text("utf-8"))
    assert search["streets"] == len(streets["id"]) > 0
    overview = {doc["names"][r] for r in doc["segments"]["name"] if r is not None}
    side = [
        k
        for k, ref in enumerate(streets["name"])
        if streets["names"][ref] not in overview and streets["n"][k] >= 2
    ]
    assert side, "every named street is a main street"
    k = side[0]
    name, where = streets["names"][streets["name"][k]], streets["names"][streets["district"][k]]
    assert frame.evaluate("() => document.body.dataset.streetSearch") is None  # not fetched yet

    box = frame.locator("#ss-search")
    box.focus()  # the search file is fetched when the search is first used
    frame.wait_for_function("() => document.body.dataset.streetSearch === 'ready'", polling=50)
    page.keyboard.type(name)
    option = frame.locator("#ss-search-list [role='option']").first
    option.wait_for(timeout=10_000)
    assert option.inner_text().split("\n")[:2] == [name, f"street · {where}"]
    page.keyboard.press("Enter")
    frame.wait_for_function(TILES_DRAWN, timeout=120_000, polling=100)
    assert frame.evaluate("() => window.ssmap.map.getZoom()") >= doc["tiles"]["min_zoom"]
    fid = streets["id"][k]
    page.wait_for_function(
        "t => [...document.querySelectorAll('h3')].some(h => h.innerText.startsWith(t))",
        arg=f"Street segment {fid}",
        timeout=60_000,
    )
    assert frame.evaluate("() => document.body.dataset.selected") == f"segment:{fid}"
    assert frame.evaluate("() => document.body.dataset.found") == f"street:{name}"
    frame.wait_for_function("() => document.querySelectorAll('.ss-found').length > 0")
    assert frame.locator(".ss-selected").count() == 1
    page.close()
