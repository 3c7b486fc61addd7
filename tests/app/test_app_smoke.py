"""The Streamlit app in AppTest: pages run, and the map requests no http(s) asset."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    return at


def folium_args(at: AppTest) -> list[dict[str, object]]:
    found = []
    for element in at.get("component_instance"):
        proto = element.proto
        found.append(json.loads(proto.json_args))
    return found


def test_map_page_runs(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "Map"
    assert "street segments" in app.caption[0].value
    assert "OpenStreetMap" in app.caption[0].value


def test_map_requests_no_remote_asset(app: AppTest) -> None:
    args = folium_args(app)
    assert args, "no folium component rendered"
    text = json.dumps(args)
    links = [*args[0].get("js_links", []), *args[0].get("css_links", [])]  # type: ignore[misc]
    assert links and all(str(link).startswith("/app/static/") for link in links)
    assert not re.search(r"https?://(?!localhost)", text)
