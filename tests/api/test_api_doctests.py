"""Every public function and class has a numpydoc Examples section, and every example
in the public modules runs (doctest, with pytest's warnings-as-errors).

Public: the names in ``safespaces.__all__`` and in each family's ``__all__``. The
examples use tiny hand-made frames; two of them (``safespaces.load`` and
``safespaces.analyse``) read the embedded default.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import safespaces

FAMILIES = ("safespaces.lighting", "safespaces.eyes", "safespaces.mix", "safespaces.incidents")
#: Modules whose examples run, besides every module of the families.
OTHERS = (
    "safespaces",
    "safespaces.api",
    "safespaces.explore",
    "safespaces.errors",
    "safespaces.config",
    "safespaces.study",
    "safespaces.darkness",
    "safespaces.sources.frames",
    "safespaces.printing",
    "safespaces.printing.texts",
)


def public_objects() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for name in (*FAMILIES, "safespaces"):
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                out.append((f"{name}.{attr}", obj))
    return out


def doctest_modules() -> list[str]:
    names = set(OTHERS)
    for family in FAMILIES:
        package = importlib.import_module(family)
        names.add(family)
        names.update(f"{family}.{info.name}" for info in pkgutil.iter_modules(package.__path__))
    return sorted(names)


def test_the_public_names_are_many_and_documented() -> None:
    objects = public_objects()
    assert len(objects) > 60
    missing = [
        name
        for name, obj in objects
        if "Examples\n--------\n" not in (inspect.getdoc(obj) or "")
        or ">>> " not in (inspect.getdoc(obj) or "")
    ]
    assert missing == [], "public names without an Examples section with code"


@pytest.mark.parametrize("name", doctest_modules())
def test_examples_run(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, name, globs=dict(vars(module)))
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_public_example_is_collected() -> None:
    """The modules above hold every public object, so the parametrized test runs them all."""
    modules = set(doctest_modules())
    for name, obj in public_objects():
        assert obj.__module__ in modules, name
    assert safespaces.load.__module__ in modules
