"""Lazy exports: a package's public names imported from their modules when first used.

A family's ``__init__`` names its whole API, but importing one of its light modules
(``safespaces.eyes.params``, which the configuration needs) imports the package first:
with eager re-exports that would import the family's whole analysis (numba, scipy,
statsmodels ...). With :func:`exports` the package imports nothing until a name is used
(PEP 562); ``from safespaces.eyes import analyse_eyes`` works as before.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(
    package: str, modules: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` for the names ``modules`` lists.

    Parameters
    ----------
    package
        The package's ``__name__``.
    modules
        Module -> the public names the package takes from it.

    Examples
    --------
    In a package's ``__init__.py``::

        __getattr__, __dir__ = exports(__name__, {"safespaces.eyes.flow": ("node_graph",)})
    """
    home = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home[name]), name)
        setattr(sys.modules[package], name, value)  # found directly from now on
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return __getattr__, __dir__
