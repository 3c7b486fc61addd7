"""Incidents: privacy-safe counts, rates, hot spots and density of incident reports.

See ``docs/incidents.md`` for the method, every default and its source.
:func:`analyse_incidents` takes incident points as
:func:`safespaces.sources.incidents.read_incidents` returns them, or as a plain frame
(a GeoDataFrame, or a DataFrame with ``lon``/``lat``) with a time column; the rates
are in :mod:`.rates`.
"""

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
