"""Incidents: privacy-safe counts, rates, hot spots and density of incident reports.

See ``docs/incidents.md`` for the method, every default and its source.
:func:`analyse_incidents` takes incident points as
:func:`safespaces.sources.incidents.read_incidents` returns them, or as a plain frame
(a GeoDataFrame, or a DataFrame with ``lon``/``lat``) with a time column; the rates
are in :mod:`.rates`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safespaces.lazy import exports

if TYPE_CHECKING:
    from safespaces.incidents.analysis import IncidentResult, analyse_incidents
    from safespaces.incidents.params import IncidentParams
    from safespaces.incidents.rates import crude_rate, eb_rates, poisson_ci

__all__ = [
    "IncidentParams",
    "IncidentResult",
    "analyse_incidents",
    "crude_rate",
    "eb_rates",
    "poisson_ci",
]

# imported when first used: safespaces.config imports this family's params, not its analysis
__getattr__, __dir__ = exports(
    __name__,
    {
        "safespaces.incidents.analysis": ("IncidentResult", "analyse_incidents"),
        "safespaces.incidents.params": ("IncidentParams",),
        "safespaces.incidents.rates": ("crude_rate", "eb_rates", "poisson_ci"),
    },
)
