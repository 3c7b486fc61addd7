"""The optional osmnx/Overpass download, without the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import shapely

from safespaces.errors import InputError
from safespaces.sources.download import download_osm, overpass_query


def test_query_lists_the_polygon_as_lat_lon() -> None:
    query = overpass_query(shapely.box(24.94, 60.16, 24.95, 60.17))
    assert query.startswith("[out:xml]")
    assert 'poly:"60.1600000 24.9500000 60.1700000 24.9500000' in query
    assert "(._;>;);" in query


class FakeResponse:
    content = b'<?xml version="1.0"?><osm version="0.6"></osm>'

    def raise_for_status(self) -> None:
        return None


def test_download_writes_the_response(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def fake_post(url: str, data: dict[str, str], timeout: int) -> FakeResponse:
        calls.append({"url": url, **data})
        return FakeResponse()

    monkeypatch.setattr(requests, "post", fake_post)
    path = download_osm(shapely.box(24.94, 60.16, 24.95, 60.17), tmp_path)
    assert path == tmp_path / "download.osm"
    assert path.read_bytes() == FakeResponse.content
    assert calls[0]["url"].endswith("/interpreter")


def test_failed_download_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: Any, **kwargs: Any) -> None:
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(requests, "post", offline)
    with pytest.raises(InputError, match="download .* failed.*Fix: .*--osm"):
        download_osm(shapely.box(24.94, 60.16, 24.95, 60.17), tmp_path)
    assert not any(tmp_path.iterdir())


def test_too_large_an_area_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="more than 50 km"):
        download_osm(shapely.box(24.0, 60.0, 25.0, 60.5), tmp_path)
