"""The second corpus on the app's Data page (issue 15, Must show 1).

Every case of ``tests/data/real/*.toml`` marked ``app = "<input>"`` is uploaded as that input.
A case the CLI refuses (exit 2) must show its message in ``st.error`` naming the file, with
no exception, no file kept and the session's inputs unchanged; a case the CLI accepts
(exit 0) must be accepted, with the columns it renamed named in a warning. The app never
shows an exception.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from realcorpus import REAL, Case, load_cases
from streamlit.testing.v1 import AppTest

from safespaces.study import Inputs
from safespaces_app import uploads

REPO = Path(__file__).resolve().parents[2]
APP_CASES = [c for c in load_cases() if c.app]


def _shown(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", str(e.value)) for e in at.error]


def _uploads() -> list[Path]:
    folder = uploads.UPLOADS_DIR
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_there_are_app_cases_for_every_input() -> None:
    assert {c.app for c in APP_CASES} == {"osm", "lamps", "tenure", "incidents", "areas"}


@pytest.mark.parametrize("case", APP_CASES, ids=[c.id for c in APP_CASES])
def test_case_on_the_data_page(case: Case) -> None:
    assert case.file and case.app
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("safespaces_app/data.py")
    at.run()
    assert not at.exception, at.exception
    before = _uploads()
    path = REAL / case.file
    at.file_uploader(key=f"upload_{case.app}").set_value(
        (path.name, path.read_bytes(), "application/octet-stream")
    )
    at.button[0].click()
    at.run(timeout=300)
    assert not at.exception, f"{case.id}: {at.exception}"
    shown = _shown(at)
    if case.exit == 2:
        fragment = case.app_error or case.stderr
        assert fragment is not None
        assert any(fragment in text for text in shown), f"{case.id}: {shown}"
        assert any(path.stem in text or path.name in text for text in shown), shown
        assert not at.success
        if "inputs" in at.session_state:
            assert at.session_state["inputs"] == Inputs()
        assert _uploads() == before, "a refused upload left a file"
    else:
        assert not shown, f"{case.id}: {shown}"
        assert at.success, f"{case.id}: not accepted"
        if case.stdout and " -> " in case.stdout:  # renamed columns: said on the page too
            warned = [re.sub(r"\\(.)", r"\1", str(w.value)) for w in at.warning]
            assert any(case.stdout in text for text in warned), warned
