"""safespaces: evidence for urban safe-space planning from open city data.

Data flows one way: sources -> network -> measures (lighting, eyes, mix,
incidents) -> indices -> layers -> export / app. Importing the package has no
side effects and imports neither Streamlit nor the analysis: the names below are
imported when first used.

The public API:

- :func:`load` reads a study's inputs (files or frames, any CRS) and
  :func:`analyse` runs the analysis in memory; its :class:`Results` hold the
  layers ``safespaces run`` writes, ``to_gpkg`` writes them and ``explore``
  maps one offline.
- The families' functions work on plain GeoDataFrames (osmnx's or pyrosm's, or
  geometry alone), deriving what they need or naming what is missing:
  :mod:`safespaces.lighting` (``analyse_lighting``, ``segment_lighting`` ...),
  :mod:`safespaces.eyes` (``analyse_eyes``, ``segment_flow`` ...),
  :mod:`safespaces.mix` and :mod:`safespaces.incidents`; :func:`from_osmnx` turns
  a networkx graph into street segments.
- Errors a user can cause derive from :class:`SafespacesError`.

Examples
--------
>>> import safespaces
>>> sorted(safespaces.FAMILIES)
['eyes', 'incidents', 'lighting', 'mix']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safespaces.errors import ConfigError, InputError, MissingColumnError, SafespacesError
from safespaces.version import __version__

if TYPE_CHECKING:
    from safespaces import eyes, incidents, lighting, mix
    from safespaces.api import Results, analyse, load
    from safespaces.config import Config
    from safespaces.pipeline import FAMILIES
    from safespaces.sources.frames import from_osmnx
    from safespaces.study import Inputs, Study

__all__ = [
    "FAMILIES",
    "Config",
    "ConfigError",
    "InputError",
    "Inputs",
    "MissingColumnError",
    "Results",
    "SafespacesError",
    "Study",
    "__version__",
    "analyse",
    "eyes",
    "from_osmnx",
    "incidents",
    "lighting",
    "load",
    "mix",
]


def __getattr__(name: str) -> Any:
    """Import a public name when it is first used (keeps ``import safespaces`` light)."""
    if name in ("load", "analyse", "Results"):
        from safespaces import api

        return getattr(api, name)
    if name == "FAMILIES":
        from safespaces.pipeline import FAMILIES

        return FAMILIES
    if name in ("Study", "Inputs"):
        from safespaces import study

        return getattr(study, name)
    if name == "Config":
        from safespaces.config import Config

        return Config
    if name == "from_osmnx":
        from safespaces.sources.frames import from_osmnx

        return from_osmnx
    if name in ("lighting", "eyes", "mix", "incidents"):
        import importlib

        return importlib.import_module(f"safespaces.{name}")
    raise AttributeError(f"module 'safespaces' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
