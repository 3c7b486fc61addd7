"""docs/examples/your_city.ipynb: committed without outputs, and it runs top to bottom
(nbclient, a python3 kernel in a temporary folder). Needs the docs extra."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import require

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "your_city.ipynb"


def test_the_committed_notebook_has_no_outputs() -> None:
    data = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in data["cells"] if cell["cell_type"] == "code"]
    assert len(data["cells"]) == 10 and len(code) == 9
    assert all(cell["outputs"] == [] for cell in code)
    assert all(cell["execution_count"] is None for cell in code)


@pytest.mark.docs
def test_the_notebook_runs(tmp_path: Path) -> None:
    require(
        all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel")),
        "nbclient, nbformat and ipykernel (the docs extra) are not installed",
    )
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = [cell.get("outputs", []) for cell in notebook.cells if cell.cell_type == "code"]
    errors = [o for cell in outputs for o in cell if o.get("output_type") == "error"]
    assert errors == []
    assert (tmp_path / "my_city.gpkg").is_file()
    # the map cell shows an HTML page with Leaflet inline and no http(s) script or style
    page = json.dumps(outputs[7])
    assert "data:text/javascript;base64" in page
    assert 'src=\\\\"http' not in page and 'src=\\"http' not in page
    # the plot cell draws a figure
    kinds = [(o.get("output_type"), sorted(o.get("data", {}))) for o in outputs[5]]
    assert any("image/png" in o.get("data", {}) for o in outputs[5]), kinds
