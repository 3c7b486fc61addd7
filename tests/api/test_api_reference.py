"""The API reference builds offline from the docstrings (mkdocs + mkdocstrings, mkdocs.yml),
with no warning (``--strict``), and documents the public names. Needs the docs extra."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.docs
def test_reference_builds_strict_and_lists_the_api(tmp_path: Path) -> None:
    require(
        all(
            importlib.util.find_spec(m) for m in ("mkdocs", "mkdocstrings", "mkdocstrings_handlers")
        ),
        "mkdocs and mkdocstrings[python] (the docs extra) are not installed",
    )
    site = tmp_path / "site"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    index = (site / "index.html").read_text(encoding="utf-8")
    for anchor in ("safespaces.api.load", "safespaces.api.analyse", "safespaces.api.Results"):
        assert f'id="{anchor}"' in index, anchor
    lighting = (site / "lighting" / "index.html").read_text(encoding="utf-8")
    assert 'id="safespaces.lighting.analyse_lighting"' in lighting
    assert "Examples" in lighting
    # offline: the pages load no script from another server
    assert '<script src="http' not in index
