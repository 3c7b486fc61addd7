"""The rules of docs/architecture.md, read from the code's imports (tools/import_graph.py).

Each test lists every breach it finds, with file and line, so one run shows all the work.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_graph", REPO / "tools" / "import_graph.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_graph", module)
    spec.loader.exec_module(module)
    return module


graph: Any = _load_tool()
MODULES, IMPORTS = graph.project_imports(REPO)
INTERNAL = [imp for imp in IMPORTS if imp.internal]

#: Command modules stay thin: parse arguments, load the study, run stages, write.
MAX_COMMAND_LINES = 200
#: No module over this many lines...
MAX_MODULE_LINES = 600
#: ...except the declarative catalogue of output layers.
EXEMPT_FROM_SIZE = {"safespaces/catalogue.py"}
#: Not core dependencies: the library may import them only inside a function.
APP_ONLY_PACKAGES = {"folium", "streamlit_folium", "branca"}


def _library(module: str) -> bool:
    """A module of the library ``safespaces`` (not of the app package ``safespaces_app``)."""
    return module == "safespaces" or module.startswith("safespaces.")


def _where(imp: Any) -> str:
    return f"{imp.source} line {imp.line} imports {imp.target} ({imp.kind})"


def _in(module: str, packages: Sequence[str]) -> str | None:
    """The entry of ``packages`` that holds ``module`` (the module itself or a parent), if any."""
    return next((p for p in packages if module == p or module.startswith(p + ".")), None)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        # Tarjan's algorithm; the graph has about a hundred nodes, recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# --- the tool reads imports as Python runs them --------------------------------------------


def test_import_kinds_and_targets(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .leaf import x\n")
    (pkg / "sub" / "leaf.py").write_text("x = 1\n")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import streamlit as st\n"
        "from pkg import sub\n"
        "from pkg.sub import x\n"
        "from . import b\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.b import B\n"
        "try:\n"
        "    import pkg.sub.leaf\n"
        "except ImportError:\n"
        "    pass\n"
        "class C:\n"
        "    import folium\n"
        "def f():\n"
        "    from pkg.b import B\n"
        "    import dask.dataframe\n"
    )
    (pkg / "b.py").write_text("B = 1\n")
    files = sorted(pkg.rglob("*.py"))
    known = {graph.module_name(p, tmp_path) for p in files}
    assert known == {"pkg", "pkg.sub", "pkg.sub.leaf", "pkg.a", "pkg.b"}
    found = {
        (i.target, i.kind, i.internal) for i in graph.read_imports(pkg / "a.py", known, tmp_path)
    }
    assert found == {
        ("typing", "runtime", False),
        ("streamlit", "runtime", False),
        ("pkg.sub", "runtime", True),  # a submodule: `from pkg import sub`
        ("pkg.b", "runtime", True),  # relative
        ("pkg.b", "type", True),
        ("pkg.sub.leaf", "runtime", True),  # inside a module-level try
        ("folium", "runtime", False),  # a class body runs at import
        ("pkg.b", "lazy", True),
        ("dask", "lazy", False),
    }
    init = graph.read_imports(pkg / "sub" / "__init__.py", known, tmp_path)
    assert [(i.source, i.target) for i in init] == [("pkg.sub", "pkg.sub.leaf")]


def test_cycle_finder_sees_a_three_module_ring_and_nothing_else() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(edges) == [["a", "b", "c"], ["e"]]


def test_floors_place_planned_modules() -> None:
    planned = {
        "safespaces.study": "study",
        "safespaces.darkness": "shared",
        "safespaces.partition": "study",
        "safespaces.family": "shared",
        "safespaces.timing": "basics",
        "safespaces.sections": "settings",
        "safespaces.lighting.vocabulary": "families",
        "safespaces_app.i18n": "app",
        "safespaces_app.webmap": "app",
        "safespaces.commands.new": "commands",
    }
    assert {m: graph.floor_of(m).key for m in planned} == planned


# --- the rules ---------------------------------------------------------------------------------


def test_every_module_has_a_floor() -> None:
    assert graph.unplaced(MODULES) == [], "add these to FLOORS in tools/import_graph.py"


def test_no_import_goes_up_a_floor() -> None:
    bad = [
        f"{_where(i)}: floor {graph.floor_of(i.source).title} -> {graph.floor_of(i.target).title}"
        for i in graph.upward(IMPORTS)
    ]
    assert bad == [], "imports up a floor (see docs/architecture.md):\n" + "\n".join(bad)


def test_no_import_cycle() -> None:
    """Module-level imports form no cycle. Type-only imports are aside; imports inside a
    function (optional dependencies such as dask) are aside here but obey the floors, so
    they cannot close a cycle across floors either."""
    edges: dict[str, set[str]] = {}
    for imp in INTERNAL:
        if imp.kind == "runtime" and (
            _library(imp.source) or imp.source.startswith("safespaces_app")
        ):
            edges.setdefault(imp.source, set()).add(imp.target)
    cycles = _cycles(edges)
    detail = [
        " <-> ".join(cycle)
        + ": "
        + "; ".join(
            _where(i)
            for i in INTERNAL
            if i.kind == "runtime" and i.source in cycle and i.target in cycle
        )
        for cycle in cycles
    ]
    assert cycles == [], "import cycles:\n" + "\n".join(detail)


def test_no_family_imports_another_family_or_orchestration() -> None:
    """A family reads another family's output columns by the names that family exports
    in its ``vocabulary`` module (pure names, importing nothing: see the next test), and
    imports nothing else of it."""
    bad = []
    for imp in INTERNAL:
        family = _in(imp.source, graph.FAMILIES)
        if family is None:
            continue
        other = _in(imp.target, graph.FAMILIES)
        if other is not None and other != family and imp.target != f"{other}.vocabulary":
            bad.append(f"{_where(imp)}: another family")
        if _in(imp.target, graph.ORCHESTRATION):
            bad.append(f"{_where(imp)}: orchestration")
    assert bad == [], "families must stand alone:\n" + "\n".join(bad)


def test_vocabularies_import_nothing_of_the_package() -> None:
    vocabularies = {f"{family}.vocabulary" for family in graph.FAMILIES}
    assert (REPO / "safespaces" / "lighting" / "vocabulary.py").is_file()
    assert (REPO / "safespaces" / "eyes" / "vocabulary.py").is_file()
    bad = [_where(imp) for imp in INTERNAL if imp.source in vocabularies]
    assert bad == [], "a vocabulary module must stand alone:\n" + "\n".join(bad)


def test_library_imports_no_streamlit_and_no_folium_at_module_level() -> None:
    """The library installs and imports without the app extra: no Streamlit anywhere, no folium
    at import, and nothing of the app package (``safespaces app`` finds the app's files with
    ``importlib.util.find_spec``, without importing it)."""
    bad = [
        _where(imp)
        for imp in IMPORTS
        if _library(imp.source)
        and (
            (imp.internal and not _library(imp.target))
            or (
                not imp.internal
                and (
                    imp.target == "streamlit"
                    or (imp.target in APP_ONLY_PACKAGES and imp.kind == "runtime")
                )
            )
        )
    ]
    assert bad == [], "app code in the library (move it to safespaces_app/):\n" + "\n".join(bad)


def test_command_modules_are_thin() -> None:
    sizes = {p.name: _lines(p) for p in sorted((REPO / "safespaces" / "commands").glob("*.py"))}
    assert sizes, "no command modules found"
    big = {name: n for name, n in sizes.items() if n > MAX_COMMAND_LINES}
    assert big == {}, f"command modules over {MAX_COMMAND_LINES} lines: {big}"


def test_no_module_over_600_lines() -> None:
    sizes = {str(p.relative_to(REPO)): _lines(p) for p in graph.source_files(REPO)}
    assert len(sizes) == len(MODULES)
    big = {
        path: n
        for path, n in sizes.items()
        if n > MAX_MODULE_LINES and path not in EXEMPT_FROM_SIZE
    }
    assert big == {}, f"modules over {MAX_MODULE_LINES} lines: {big}"


def test_the_rules_see_the_code() -> None:
    """Guards the guards: the readers above find the modules and imports they must judge."""
    assert {"safespaces.cli", "safespaces.lighting.analysis", "app", "safespaces_app.main"} <= set(
        MODULES
    )
    assert any(i.source == "safespaces.cli" and i.target == "safespaces.errors" for i in INTERNAL)
    assert any(i.target == "streamlit" for i in IMPORTS if i.source.startswith("safespaces_app"))


def test_architecture_diagram_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "import_graph.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
