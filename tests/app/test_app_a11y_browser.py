"""The Map page for keyboard, screen-reader and phone users, in a real browser (Debian
Chromium + Playwright, offline), and the README's screenshots.

- The map's search finds streets, districts and areas offline (case and accents ignored),
  by keyboard; a street is highlighted (all its segments) and its panel opens; Escape
  clears the search, then closes the panel.
- Tab reaches every control of the map (zoom, layers, search, legend, play, hour), each
  with a visible focus outline and a name; the layer panel's radios and the hour slider work
  with the keyboard.
- The text of the map's own controls meets WCAG 2.1 AA contrast (>= 4.5:1), computed from
  the browser's computed CSS colours, over any map below a semi-transparent box.
- At phone size (390 x 844) the page never scrolls sideways, the layer panel starts
  folded, the legend leaves most of the map in view, the hour bar and search work, and the
  panel is below the map.
- Weight-slider keys pressed faster than the server answers keep the slider's value (they
  snapped back to the "balanced" preset).
- Screenshots for the README (``docs/img/app_map_2300.png``, ``docs/img/app_finnish.png``):
  written when absent or with ``SAFESPACES_SCREENSHOTS=1`` (as the QGIS screenshot), always
  to ``tests/artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    REPO,
    have_browser,
    is_local,
    map_frame,
    streamlit_server,
    wait_idle,
)
from conftest import require

from safespaces_app.components import ECHO_WINDOW_S

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "tests" / "artifacts"
DOCS_IMG = REPO / "docs" / "img"
WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
#: WCAG 2.1 success criterion 1.4.3 (AA): text against its background.
AA_TEXT = 4.5


# --- WCAG contrast (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio) -------------------------


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    """Relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of linearised sRGB (WCAG 2.1)."""
    r, g, b = (_linear(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """(L1 + 0.05) / (L2 + 0.05), L1 the lighter (WCAG 2.1)."""
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def over(top: tuple[float, float, float, float], below: tuple[float, float, float]) -> tuple:
    """``top`` (r, g, b, alpha) composited over an opaque colour."""
    r, g, b, a = top
    return tuple(a * c + (1 - a) * d for c, d in zip((r, g, b), below, strict=True))


def test_contrast_matches_the_published_values() -> None:
    """WCAG's own endpoints and the well-known greys on white (WebAIM's checker):
    #777777 fails AA at 4.48:1, #767676 is the lightest grey that passes (4.54:1)."""
    white, black = (255, 255, 255), (0, 0, 0)
    assert contrast(black, white) == pytest.approx(21.0)
    assert contrast(white, white) == pytest.approx(1.0)
    assert contrast((0x77,) * 3, white) == pytest.approx(4.48, abs=0.005)
    assert contrast((0x76,) * 3, white) == pytest.approx(4.54, abs=0.005)
    assert over((255, 255, 255, 0.5), black) == (127.5, 127.5, 127.5)


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, str]]:
    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium, url
        chromium.close()


class Session:
    """A tab on the Map page with its map's frame; fails on requests leaving localhost."""

    def __init__(self, chromium: Any, url: str, viewport: dict[str, int], path: str = "") -> None:
        self.page = chromium.new_page(viewport=viewport)
        self.external: list[str] = []
        self.page.on("request", lambda r: None if is_local(r.url) else self.external.append(r.url))
        self.url = url
        self.path = path

    def open(self) -> Any:
        self.page.goto(self.url + self.path)
        frame = map_frame(self.page)
        wait_idle(self.page)
        return frame

    def close(self) -> None:
        assert not self.external, f"requests left localhost: {self.external[:5]}"
        text = self.page.inner_text("body")
        for word in ("Traceback", "Exception", "Error:"):
            assert word not in text, f"{word!r} on the page"
        self.page.close()


@pytest.fixture
def wide(browser: tuple[Any, str]) -> Iterator[tuple[Any, Any]]:
    session = Session(*browser, WIDE)
    frame = session.open()
    yield session.page, frame
    session.close()


@pytest.fixture
def phone(browser: tuple[Any, str]) -> Iterator[tuple[Any, Any]]:
    session = Session(*browser, PHONE)
    frame = session.open()
    yield session.page, frame
    session.close()


def dataset(frame: Any, key: str) -> str:
    return str(frame.evaluate("k => document.body.dataset[k] || ''", key))


def headings(page: Any) -> list[str]:
    return [str(h) for h in page.locator("h3").all_inner_texts()]


def wait_heading(page: Any, start: str) -> None:
    page.wait_for_function(
        "t => [...document.querySelectorAll('h3')].some(h => h.innerText.startsWith(t))",
        arg=start,
        timeout=60_000,
    )


def street_segments(frame: Any, name: str) -> list[int]:
    """Ids of the segments named ``name`` in the map's document."""
    return list(
        frame.evaluate(
            """name => { const d = window.ssmap.doc(), ref = d.names.indexOf(name);
              return d.segments.ids.filter((id, i) => d.segments.name[i] === ref); }""",
            name,
        )
    )


# --- search ------------------------------------------------------------------------------------


def test_search_finds_streets_and_districts_by_keyboard(wide: tuple[Any, Any]) -> None:
    page, frame = wide
    # prefix, inside a word, case and accents ignored (all from the document's names)
    hits = frame.evaluate("() => window.ssmap.search('mannerh')")
    assert ["street", "Mannerheimintie", 73] in hits
    assert frame.evaluate("() => window.ssmap.search('ETELAESPL')")[0][:2] == [
        "street",
        "Eteläesplanadi",
    ]
    assert ["street", "Pohjoisesplanadi"] in [
        hit[:2] for hit in frame.evaluate("() => window.ssmap.search('esplanadi')")
    ]
    assert frame.evaluate("() => window.ssmap.search('qqqxyz')") == []

    box = frame.locator("#ss-search")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-label") == "Find a street, district or park on the map"
    box.focus()
    page.keyboard.type("mannerh")
    options = frame.locator("#ss-search-list [role='option']")
    names = [o.split("\n")[0] for o in options.all_inner_texts()]
    assert "Mannerheimintie" in names
    assert box.get_attribute("aria-expanded") == "true"
    for _ in range(names.index("Mannerheimintie") + 1):  # arrow keys move in the list
        page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert frame.locator(f"#{active}").inner_text().startswith("Mannerheimintie")
    page.keyboard.press("Enter")
    # the whole street is highlighted and in view; its longest segment's panel opens
    want = street_segments(frame, "Mannerheimintie")
    assert len(want) == 73
    found = frame.evaluate("() => window.ssmap.found()")
    assert found["kind"] == "street" and found["name"] == "Mannerheimintie"
    assert len(found["items"]) == len(want)
    assert frame.locator("path.ss-found").count() == 1  # one band under all its segments
    assert frame.evaluate(
        """ids => { const m = window.ssmap.map, b = m.getBounds();
          return ids.every(id => b.contains(window.ssmap.layerOf('segment', id).getBounds())); }""",
        want,
    )
    selected = dataset(frame, "selected")
    assert selected.startswith("segment:") and int(selected.split(":")[1]) in want
    wait_heading(page, f"Street segment {selected.split(':')[1]}: Mannerheimintie")
    wait_idle(page)
    # Escape: first the search (the highlight goes), then the selected street's panel
    box.focus()
    page.keyboard.press("Escape")
    assert frame.evaluate("() => window.ssmap.found()") is None
    assert box.input_value() == "" and dataset(frame, "selected") == selected
    page.keyboard.press("Escape")
    assert dataset(frame, "selected") == ""
    page.get_by_text("Click a street or an area on the map").wait_for(timeout=60_000)
    assert not [h for h in headings(page) if h.startswith("Street segment")]
    wait_idle(page)

    # a district: all its areas outlined and in view, the first match picked by Enter
    box.focus()
    page.keyboard.type("kaartinkaupunki")
    first = frame.locator("#ss-search-list [role='option']").first.inner_text()
    assert first.startswith("Kaartinkaupunki") and first.endswith("district")
    page.keyboard.press("Enter")
    found = frame.evaluate("() => window.ssmap.found()")
    cells = frame.evaluate(
        """() => { const d = window.ssmap.doc(), ref = d.names.indexOf('Kaartinkaupunki');
          return d.areas.ids.filter((id, i) => d.areas.district[i] === ref); }"""
    )
    assert found["kind"] == "district" and len(found["items"]) == len(cells) >= 2
    assert frame.locator(".ss-found").count() == len(cells)
    assert frame.evaluate(
        """ids => { const b = window.ssmap.map.getBounds();
          return ids.every(id => b.contains(window.ssmap.layerOf('area', id).getBounds())); }""",
        cells,
    )
    page.screenshot(path=str(ARTIFACTS / "app_map_search.png"))


# --- keyboard and focus ------------------------------------------------------------------------

#: What Tab reaches, in order, from the map itself: its name (accessible name or text).
TAB_ORDER = [
    "Zoom in",
    "Zoom out",
    "Layers",
    "Find a street, district or park on the map",
    "Legend",
    "Play the day",
    "Hour",
]
FOCUSED = """() => { const a = document.activeElement, cs = getComputedStyle(a);
  return {name: a.getAttribute('aria-label') || a.innerText || '', tag: a.tagName, id: a.id,
          outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth)}; }"""


def test_tab_reaches_every_control_with_a_visible_focus(wide: tuple[Any, Any]) -> None:
    page, frame = wide
    frame.locator("#map").focus()
    seen = []
    for _ in range(len(TAB_ORDER)):
        page.keyboard.press("Tab")
        focused = frame.evaluate(FOCUSED)
        seen.append(focused["name"].strip())
        # a visible outline of at least 2 px on every control the keyboard reaches
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
    assert seen == TAB_ORDER  # no street, no label in between (5,000 tab stops before)
    # the layer panel: Shift+Tab back to its button, open it, arrows choose a street layer
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
    assert frame.evaluate(FOCUSED)["name"] == "Layers"
    page.keyboard.press("Enter")
    toggle = frame.locator(".ss-layers .ss-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert frame.evaluate(FOCUSED)["name"] == "Layers"  # the focus stays on the button
    page.keyboard.press("Tab")
    focused = frame.evaluate(FOCUSED)
    assert focused["id"] == "ss-street-eyes" and focused["outline"] != "none"
    page.keyboard.press("ArrowDown")  # the next radio of the group: lighting
    frame.wait_for_function("() => document.body.dataset.street === 'lighting'", polling=50)
    assert frame.locator("#ss-street-lighting").is_checked()
    # the checkboxes are reachable too: Tab leaves the street group, then the area group
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert frame.evaluate(FOCUSED)["id"] == "ss-dark"
    page.keyboard.press("Space")
    assert not frame.locator("#ss-dark").is_checked()
    assert frame.locator(".leaflet-ss-dark-pane path").count() == 0
    # the hour slider: arrow keys step it (and the legend follows)
    frame.locator("#ss-hour").focus()
    page.keyboard.press("ArrowRight")
    frame.wait_for_function("() => document.body.dataset.drawnHour === '23'", polling=50)
    assert frame.locator("#ss-hour").get_attribute("aria-valuetext") == "23:00"
    # the map has a name; so do its buttons (the zoom buttons in the session's language)
    assert frame.locator("#map").get_attribute("aria-label") == "Map"
    assert frame.locator(".ss-play").get_attribute("aria-label") == "Play the day"
    assert frame.evaluate("() => document.documentElement.lang") == "en"


# --- contrast ----------------------------------------------------------------------------------

#: Every element with its own text in the map's controls, its colour and the backgrounds
#: from it up to the map (each ``[r, g, b, a]``, innermost first).
TEXTS = """() => {
  const rgba = (s) => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const v = m[1].split(',').map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const roots = [...document.querySelectorAll('.leaflet-control-container, .ss-badge, .ss-notice')];
  const out = [];
  for (const root of roots) {
    for (const e of [root, ...root.querySelectorAll('*')]) {
      const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      const typed = e.tagName === 'INPUT' && e.type === 'search';
      const placeholder = typed && !e.value && e.placeholder;
      if (!own && !placeholder && !(typed && e.value)) continue;
      const box = e.getBoundingClientRect();
      if (!box.width || !box.height || getComputedStyle(e).visibility === 'hidden') continue;
      const layers = [];
      for (let p = e; p && p !== document.body; p = p.parentElement) {
        const bg = rgba(getComputedStyle(p).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (p.classList.contains('leaflet-container')) break;
      }
      const colour = getComputedStyle(e, placeholder ? '::placeholder' : null).color;
      out.push({text: (e.innerText || e.value || e.placeholder || '').trim().slice(0, 40),
                cls: String(e.className), colour: rgba(colour), layers});
    }
  }
  return out;
}"""


def worst_contrast(item: dict[str, Any]) -> float:
    """The text's contrast over its backgrounds, on the worst map below (black or white)."""
    ratios = []
    for below in ((0.0, 0.0, 0.0), (255.0, 255.0, 255.0)):
        bg = below
        for layer in reversed(item["layers"]):  # the outermost box first
            bg = over(tuple(layer), bg)
        fg = over(tuple(item["colour"]), bg)
        ratios.append(contrast(fg, bg))
    return min(ratios)


def test_map_text_meets_wcag_aa_contrast(wide: tuple[Any, Any]) -> None:
    page, frame = wide
    # show as much of the map's own text as it has: layers, areas' legend, search list
    frame.locator(".ss-layers .ss-toggle").click()
    frame.locator("label[for='ss-area-mix']").click()
    frame.locator("#ss-search").fill("kat")
    frame.locator("#ss-search-list li").first.wait_for()
    frame.locator("#ss-search").press("ArrowDown")  # the chosen option's colours too
    items = frame.evaluate(TEXTS)
    classes = " ".join(i["cls"] for i in items)
    for part in ("ss-legend-title", "ss-toggle", "ss-hour-value", "ss-search-kind", "ss-badge"):
        assert part in classes, f"no {part} text was checked"
    assert any("leaflet-control-attribution" in i["cls"] or i["text"] == "Leaflet" for i in items)
    assert len(items) >= 40
    low = [(round(worst_contrast(i), 2), i["text"], i["cls"]) for i in items]
    failing = [x for x in low if x[0] < AA_TEXT]
    assert not failing, failing
    (ARTIFACTS / "map_contrast.txt").write_text(
        "\n".join(f"{r:6.2f}  {t!r}  {c}" for r, t, c in sorted(low))
    )


# --- phone size --------------------------------------------------------------------------------

NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def inside(box: dict[str, float] | None, outer: dict[str, float]) -> bool:
    return bool(
        box
        and box["width"] > 0
        and box["height"] > 0
        and box["x"] >= outer["x"] - 0.5
        and box["y"] >= outer["y"] - 0.5
        and box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5
        and box["y"] + box["height"] <= outer["y"] + outer["height"] + 0.5
    )


def test_phone_size_keeps_the_map_usable(phone: tuple[Any, Any]) -> None:
    page, frame = phone
    assert page.evaluate(NO_SIDEWAYS), "the page scrolls sideways"
    assert frame.evaluate(NO_SIDEWAYS), "the map's frame scrolls sideways"
    assert dataset(frame, "narrow") == "1"
    local = page.locator(MAP_FRAME).bounding_box()  # (Playwright's boxes are the page's)
    assert local and local["width"] <= PHONE["width"]
    # the key controls are in the map, not cut off
    for selector in ("#ss-search", ".ss-layers .ss-toggle", ".ss-legend", ".ss-play", "#ss-hour"):
        assert inside(frame.locator(selector).bounding_box(), local), selector
    # the layer panel starts folded; the legend covers less than a third of the map and not
    # its centre
    assert frame.locator(".ss-layers .ss-toggle").get_attribute("aria-expanded") == "false"
    legend = frame.locator(".ss-legend").bounding_box()
    assert legend["width"] * legend["height"] < local["width"] * local["height"] / 3
    assert frame.evaluate(
        """() => { const e = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
          return !e.closest('.leaflet-control-container'); }"""
    )
    hour = frame.locator("#ss-hour").bounding_box()
    assert hour["width"] >= 120  # wide enough to drag
    # every control works: the layer panel unfolds and switches, the hour steps, the search
    # picks a street whose panel opens below the map
    frame.locator(".ss-layers .ss-toggle").click()
    frame.locator("label[for='ss-street-lighting']").click()
    frame.wait_for_function("() => document.body.dataset.street === 'lighting'", polling=50)
    assert inside(frame.locator(".ss-layers").bounding_box(), local)
    frame.locator(".ss-layers .ss-toggle").click()
    frame.locator("label[for='ss-street-lighting']").wait_for(state="hidden")
    frame.locator("#ss-hour").focus()
    page.keyboard.press("ArrowLeft")
    frame.wait_for_function("() => document.body.dataset.drawnHour === '21'", polling=50)
    frame.locator("#ss-search").click()
    page.keyboard.type("aleksanterink")
    option = frame.locator("#ss-search-list [role='option']").first
    assert option.inner_text().startswith("Aleksanterinkatu")
    option.click()  # a tap on the match (Playwright checks nothing covers it)
    wait_heading(page, "Street segment")
    wait_idle(page)
    heading = page.locator("h3").filter(has_text="Aleksanterinkatu").first.bounding_box()
    map_box = page.locator(MAP_FRAME).bounding_box()
    assert heading and heading["y"] >= map_box["y"] + map_box["height"], "the panel is not below"
    assert page.evaluate(NO_SIDEWAYS), "the page scrolls sideways with the panel open"
    page.screenshot(path=str(ARTIFACTS / "app_map_phone.png"))


# --- weight keys faster than the server ---------------------------------------------------------


class HeldServer:
    """Routes the app's websocket; while ``holding``, the server's messages are kept back
    (as on a slow network), so the browser sends its next request before it hears the last
    answer. Counts the script runs the server finished meanwhile."""

    def __init__(self) -> None:
        self.holding = False
        self.held: list[Any] = []
        self.finished = 0
        self.sent = 0
        self.ws: Any = None

    def route(self, ws: Any) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.ws = ws
        server = ws.connect_to_server()

        def up(message: Any) -> None:
            self.sent += 1
            server.send(message)

        def down(message: Any) -> None:
            if not self.holding:
                ws.send(message)
                return
            self.held.append(message)
            msg = ForwardMsg()
            msg.ParseFromString(message if isinstance(message, bytes) else message.encode())
            if msg.WhichOneof("type") == "script_finished":
                self.finished += 1

        ws.on_message(up)
        server.on_message(down)

    def release(self) -> None:
        self.holding = False
        for message in self.held:
            self.ws.send(message)
        self.held.clear()


def wait_until(page: Any, done: Callable[[], bool], polls: int = 2400) -> None:
    """Let the page's events run (50 ms at a time) until ``done()`` (at most ``polls`` times)."""
    for _ in range(polls):
        if done():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page never got there")


def test_weight_keys_faster_than_the_server_keep_the_slider(browser: tuple[Any, str]) -> None:
    """Two right-arrow steps on a weight slider, the second sent before the browser hears
    the answer to the first: the weight is 1.5 (it snapped back to the preset's 1.0: the
    browser's stale "balanced" in the preset box was taken for a choice)."""
    chromium, url = browser
    session = Session(chromium, url, WIDE)
    held = HeldServer()
    page = session.page
    page.route_web_socket("**/_stcore/stream", held.route)
    frame = session.open()
    slider = page.get_by_role("slider", name="Social mix")
    assert slider.input_value() == "1"
    slider.focus()
    held.holding = True
    page.keyboard.press("ArrowRight")
    wait_until(page, lambda: held.finished > 0)  # the server ran the script for the first step
    sent = held.sent
    page.keyboard.press("ArrowRight")  # the browser still shows "balanced" in the preset box
    wait_until(page, lambda: held.sent > sent)
    held.release()
    wait_idle(page)
    page.wait_for_timeout(1000)  # anything still on its way has arrived and run by now
    wait_idle(page)
    value = page.get_by_role("slider", name="Social mix").input_value()
    assert value == "1.5", f"the weight snapped to {value} (two steps from 1 are 1.5)"
    assert frame.evaluate("() => window.ssmap.args().weights") == {
        "light": 1.0,
        "eyes": 1.0,
        "mix": 1.5,
        "incidents": 1.0,
    }
    preset = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="Preset"
    )
    assert "Custom" in preset.inner_html()
    # choosing "Balanced" again in the box is a choice: the weights go back to 1 (a person
    # takes longer than the echo window to see "Custom" and choose again)
    page.wait_for_timeout(1000 * ECHO_WINDOW_S + 200)
    preset.locator('[role="combobox"], input').first.click()
    page.get_by_role("option", name="Balanced").click()
    frame.wait_for_function(
        "() => window.ssmap.args().weights.mix === 1", timeout=60_000, polling=100
    )
    wait_idle(page)
    assert page.get_by_role("slider", name="Social mix").input_value() == "1"
    session.close()


# --- screenshots for the README -----------------------------------------------------------------


def keep_screenshot(name: str) -> None:
    """Copy an artifact to docs/img when it is absent there or SAFESPACES_SCREENSHOTS=1."""
    target = DOCS_IMG / name
    if not target.exists() or os.environ.get("SAFESPACES_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / name, target)


def test_readme_screenshot_at_2300_with_the_basemap(wide: tuple[Any, Any]) -> None:
    """The map at 23:00 with the basemap (buildings, water, parks, street names) around
    Aleksanterinkatu, found with the search, its panel beside the map."""
    page, frame = wide
    frame.locator("#ss-search").fill("Aleksanterinkatu")
    frame.locator("#ss-search").press("Enter")
    wait_heading(page, "Street segment")
    wait_idle(page)
    frame.evaluate("() => window.ssmap.map.setZoom(17)")
    frame.locator("#ss-hour").focus()
    page.keyboard.press("ArrowRight")
    frame.wait_for_function("() => document.body.dataset.drawnHour === '23'", polling=50)
    assert frame.locator("#ss-basemap").is_checked()
    assert frame.evaluate("() => window.ssmap.map.getZoom()") >= 16.5
    assert frame.locator(".ss-label-text").count() > 0  # street names at this zoom
    assert frame.locator(".leaflet-ss-base-pane path").count() > 100  # buildings
    assert (
        frame.locator(".ss-legend-block")
        .first.inner_text()
        .startswith("Eyes on the street at 23:00")
    )
    frame.evaluate("() => document.activeElement.blur()")  # no focus ring on the picture
    page.mouse.move(5, 5)
    wait_idle(page)
    page.wait_for_timeout(400)  # let the last frame paint
    page.screenshot(path=str(ARTIFACTS / "app_map_2300.png"))
    keep_screenshot("app_map_2300.png")


def test_readme_screenshot_of_the_finnish_interface(browser: tuple[Any, str]) -> None:
    session = Session(*browser, WIDE, path="/?lang=fi")
    frame = session.open()
    page = session.page
    assert page.get_by_role("heading", name="Kartta").count() >= 1
    assert frame.evaluate("() => document.documentElement.lang") == "fi"
    assert frame.locator("#ss-search").get_attribute("placeholder") == "Hae katu tai kaupunginosa"
    legend = frame.locator(".ss-legend-block").first.inner_text()
    assert legend.startswith("Katujen silmät"), legend
    frame.locator("#ss-search").fill("kluuv")
    kinds = frame.locator("#ss-search-list .ss-search-kind").all_inner_texts()
    assert "kaupunginosa" in kinds and "katu" in kinds
    frame.locator("#ss-search").press("Escape")
    frame.evaluate("() => document.activeElement.blur()")
    page.wait_for_timeout(400)  # let the last frame paint
    page.screenshot(path=str(ARTIFACTS / "app_finnish.png"))
    keep_screenshot("app_finnish.png")
    session.close()
