"""Perceived safety beside the measures: residents' surveys and safety audits.

Not a measure family: it reads the families' results (the areas' composite score
and its parts, the segments' lux, light classes and eyes) as frames and puts what
people say beside them (:mod:`safespaces.survey.analysis`). Respondent points
never leave the package; every published cell has at least ``survey.k_min``
respondents (:mod:`safespaces.survey.cells`). See ``docs/perceived.md``.
"""

from safespaces.survey.params import SurveyParams

__all__ = ["SurveyParams"]
