"""The interface every family result shares: :class:`FamilyResult`.

A family (lighting, eyes on the street, social mix, incidents) runs its
kernels in ``analyse_<family>`` and returns a result object. The pipeline, the
dask engine and the subcommands never rebuild a result by hand: they build it
with ``assemble`` (from kernel outputs), combine the results of spatial
partitions with ``merge``, and read what to write with ``layers``, ``summary``
and ``metadata``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, Self, runtime_checkable

import pandas as pd


@runtime_checkable
class FamilyResult(Protocol):
    """What a family's ``analyse_*`` returns.

    ``assemble`` and ``merge`` take family-specific arguments (each family's
    kernel outputs differ); their first positional arguments are listed here.
    """

    def layers(self) -> dict[str, pd.DataFrame]:
        """Layer name -> frame for the GeoPackage."""
        ...

    def summary(self) -> dict[str, Any]:
        """Short, JSON-ready results: the family's entry in the run summary."""
        ...

    def metadata(self) -> dict[str, Any]:
        """Entries for ``run_metadata`` (summaries, privacy settings, parameters)."""
        ...

    @classmethod
    def assemble(cls, *args: Any, **kwargs: Any) -> Self:
        """The result of the family's kernel outputs."""
        ...

    @classmethod
    def merge(cls, parts: Sequence[Self], *args: Any, **kwargs: Any) -> Self:
        """The whole study's result from the results of its partitions (core rows)."""
        ...
