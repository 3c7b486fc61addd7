"""Interface text of the app in English, Finnish and Swedish.

Every visible string of the app is a message id with its three translations (in
:mod:`~safespaces_app.messages_ui`, :mod:`~safespaces_app.messages_tables` and
:mod:`~safespaces_app.messages_data`, merged in :data:`MESSAGES`); :func:`t` picks one
and fills in ``{placeholders}``. English is the default and the fallback. Besides the
interface, the library's words that the app shows are translated too: table headers
(``col.*``, with units), tenure and policy-group names, weight presets, the catalogue's
legend labels, layer titles and groups, and the categorical values of the data
(lighting classes, kinds of places, hot-spot classes ...): :func:`value_label`,
:func:`legend_label`, :func:`tenure_name`. Names from the data (streets, areas, parks)
are not translated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from safespaces.printing.texts import legend_label as printed_legend_label
from safespaces_app.formats import number
from safespaces_app.messages_data import DATA_MESSAGES
from safespaces_app.messages_perceived import PERCEIVED_MESSAGES
from safespaces_app.messages_plan import PLAN_MESSAGES
from safespaces_app.messages_tables import TABLE_MESSAGES
from safespaces_app.messages_ui import UI_MESSAGES

#: Language codes in the order the language switch lists them.
LANGUAGES: tuple[str, ...] = ("en", "fi", "sv")
#: Each language's own name (for the switch).
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "fi": "suomi", "sv": "svenska"}
DEFAULT_LANGUAGE = "en"

#: Every message: the interface's, the tables' and the data's (one namespace of ids).
MESSAGES: Mapping[str, Mapping[str, str]] = {
    **UI_MESSAGES,
    **TABLE_MESSAGES,
    **DATA_MESSAGES,
    **PLAN_MESSAGES,
    **PERCEIVED_MESSAGES,
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The message ``key`` in ``lang`` (English if missing), ``{placeholders}`` filled.

    Raises
    ------
    KeyError
        Unknown message id.
    """
    texts = MESSAGES[key]
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    """True when ``key`` is a message id."""
    return key in MESSAGES


def value_label(value: object, lang: str) -> str:
    """A categorical value of the data in ``lang`` (``"unlit"`` -> ``"valaisematon"``).

    Values without a message (names, codes the app does not know) are returned as text.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    key = f"value.{value}"
    if key in MESSAGES:
        return t(key, lang)
    quintile = _QUINTILE.match(str(value))
    if quintile:
        n, low, high = quintile.groups()
        return t("value.quintile", lang, n=n, low=_num(low, lang), high=_num(high, lang))
    return str(value)


def tenure_name(code: str, lang: str, *, short: bool = False, fallback: str | None = None) -> str:
    """The name of a tenure code (``ara_rental``) in ``lang``; ``fallback`` (the
    configuration's own label) or the code for a code of a custom taxonomy."""
    key = f"{'short' if short else 'tenure'}.{code}"
    return t(key, lang) if key in MESSAGES else (fallback or code)


def policy_name(group: str, lang: str) -> str:
    """The name of a policy group of the tenure targets (``intermediate``)."""
    key = f"policy.{group}"
    return t(key, lang) if key in MESSAGES else group


def preset_name(preset: str, lang: str) -> str:
    """The name of a weight preset (``night walk``) in ``lang``."""
    key = f"preset.{preset}"
    return t(key, lang) if key in MESSAGES else preset


_QUINTILE = re.compile(r"^Q(\d) \((-?[\d.e+-]+)-(-?[\d.e+-]+)\)$")
_DECAY = re.compile(r"^(.+)_decay_(\d+)m$")


def _num(text: str, lang: str) -> str:
    """A number written in the data (``"7.5"``) in ``lang``, keeping its decimals."""
    decimals = len(text.partition(".")[2]) if "e" not in text else 2
    return number(float(text), lang, decimals)


def legend_label(label: str, lang: str) -> str:
    """A legend label of the catalogue in ``lang``: the printed map's words
    (:func:`safespaces.printing.texts.legend_label`, kept once).

    Ranges get the language's numbers (``0,2–0,4``; an open class ``≥ 2,000``), P classes
    and the named classes their translation; English keeps the catalogue's text except
    for the ranges.
    """
    return printed_legend_label(label, lang)


def index_name(name: str, lang: str) -> str:
    """A segregation index of the city (``dissimilarity_decay_1000m``) in ``lang``."""
    decay = _DECAY.match(name)
    if decay:
        return t("index.decay", lang, index=index_name(decay[1], lang), m=_num(decay[2], lang))
    key = f"index.{name}"
    return t(key, lang) if key in MESSAGES else name


def summary_item(item: str, lang: str) -> str:
    """An item of the incident summary in ``lang`` (the library's English if unknown)."""
    key = f"item.{item}"
    return t(key, lang) if key in MESSAGES else item


def missing_translations() -> list[tuple[str, str]]:
    """``(key, language)`` pairs without a text (empty when complete)."""
    return [
        (key, lang) for key, texts in MESSAGES.items() for lang in LANGUAGES if not texts.get(lang)
    ]


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "MESSAGES",
    "has",
    "index_name",
    "legend_label",
    "missing_translations",
    "policy_name",
    "preset_name",
    "summary_item",
    "t",
    "tenure_name",
    "value_label",
]
