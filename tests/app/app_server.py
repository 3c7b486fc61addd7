"""Start the app as a real Streamlit server and drive it with Debian Chromium (helpers)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: The Map page's map: the app's own component (one per run, named by its folder's hash).
MAP_FRAME = 'iframe[title^="safespaces_app.mapwidget.safespaces_map_"]'
#: True once the map in the frame has drawn its data (``static/safespaces-map/map.js``).
MAP_READY = "body[data-ready='1']"
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def have_browser() -> bool:
    """Debian Chromium and the playwright package are both present."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    command: list[str] | None = None,
    cwd: Path = REPO,
) -> Iterator[str]:
    """``streamlit run app.py`` (or ``command`` + the options below, run in ``cwd``) on a free
    port; yields the base URL; stops it by its PID."""
    port = free_port()
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    cmd = [
        *(command or [streamlit, "run", "app.py"]),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log = (REPO / "tests" / "artifacts").resolve()
    log.mkdir(parents=True, exist_ok=True)
    with (log / "streamlit-server.log").open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}; see {out.name}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("streamlit did not become healthy")
                time.sleep(0.3)
            yield url
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def is_local(url: str) -> bool:
    """True for localhost URLs and browser-internal schemes (data:, blob:, about:)."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
        return True
    return parsed.hostname in LOCAL_HOSTS


#: True while the app's script is not running (Streamlit's own test attribute on the root).
IDLE_JS = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " return !!app && app.getAttribute('data-test-script-state') !== 'running'; }"
)


def wait_idle(page: Any, timeout_ms: float = 120_000) -> None:
    """Wait until the script run the last action started has finished."""
    page.wait_for_timeout(300)  # let the rerun start
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


#: A point (client coordinates of the map's frame) where a feature of the map is the topmost
#: element, or null: ``{kind, ids, zoom}``; tries the ids in turn, fitting the map to each
#: when ``zoom`` is given. Areas: a point inside; lines: a point along the line.
FIND_POINT = """async ({kind, ids, zoom}) => {
  const s = window.ssmap;
  const inside = (x, y) => x > 4 && y > 4 && x < innerWidth - 4 && y < innerHeight - 4;
  for (const id of ids) {
    const layer = s.layerOf(kind, id);
    if (!layer) continue;
    if (zoom) {
      s.map.fitBounds(layer.getBounds(), {maxZoom: zoom, animate: false});
      await new Promise(r => setTimeout(r, 300));
    }
    const path = layer._path;
    if (!path || !path.isConnected) continue;
    if (kind === 'area') {
      const box = path.getBoundingClientRect();
      for (let fy = 0.1; fy < 1; fy += 0.1) {
        for (let fx = 0.1; fx < 1; fx += 0.1) {
          const x = box.left + fx * box.width, y = box.top + fy * box.height;
          if (inside(x, y) && document.elementFromPoint(x, y) === path) return {x, y, id};
        }
      }
      continue;
    }
    const length = path.getTotalLength();
    for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const pt = path.getPointAtLength(length * f).matrixTransform(path.getScreenCTM());
      if (inside(pt.x, pt.y) && document.elementFromPoint(pt.x, pt.y) === path) {
        return {x: pt.x, y: pt.y, id};
      }
    }
  }
  return null;
}"""


def map_frame(page: Any, timeout_ms: float = 180_000) -> Any:
    """The map's frame (a Playwright Frame) once the map has drawn its data."""
    page.wait_for_selector(MAP_FRAME, state="attached", timeout=timeout_ms)
    page.frame_locator(MAP_FRAME).locator(MAP_READY).wait_for(state="attached", timeout=timeout_ms)
    return page.locator(MAP_FRAME).element_handle().content_frame()
