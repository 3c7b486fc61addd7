"""Numbers as each language writes them (CLDR symbols), for tables, captions and charts.

English: ``1,234.5``, ``-3``, ``32%``; Finnish and Swedish: ``1 234,5`` (a no-break space
groups thousands), ``−3`` (the minus sign U+2212), ``32 %`` (a no-break space before the
percent sign), as in the Unicode CLDR locale data for ``fi`` and ``sv``. The tables keep
their numbers as numbers (so that they sort as numbers); these strings are only what is
shown.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

#: No-break space (CLDR's group separator and percent spacing for fi and sv).
NBSP = "\u00a0"
#: The minus sign (CLDR's for fi and sv).
MINUS = "\u2212"
#: What a missing number shows in a table (the same in every language).
MISSING = "–"


@dataclasses.dataclass(frozen=True)
class Symbols:
    """A language's number symbols (CLDR)."""

    decimal: str
    group: str
    minus: str
    percent: str  # the percent pattern, ``{}`` the number


SYMBOLS: Mapping[str, Symbols] = {
    "en": Symbols(".", ",", "-", "{}%"),
    "fi": Symbols(",", NBSP, MINUS, "{}" + NBSP + "%"),
    "sv": Symbols(",", NBSP, MINUS, "{}" + NBSP + "%"),
}


def symbols(lang: str) -> Symbols:
    """The number symbols of ``lang`` (English for an unknown language)."""
    return SYMBOLS.get(lang, SYMBOLS["en"])


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def number(value: object, lang: str, decimals: int = 0, *, signed: bool = False) -> str:
    """``value`` rounded to ``decimals`` places in the language's format; ``""`` if missing.

    ``signed`` writes a plus sign before positive numbers (a change, a gap to a target).
    Zero after rounding has no sign.

    Examples
    --------
    >>> number(1234.56, "en", 1), number(1234.56, "fi", 1), number(-0.5, "sv", 1)
    ('1,234.6', '1\\xa0234,6', '−0,5')
    >>> number(7, "en", signed=True), number(-0.04, "en", 1, signed=True)
    ('+7', '0.0')
    """
    if _missing(value):
        return ""
    x = float(value)  # type: ignore[arg-type]
    sym = symbols(lang)
    text = f"{abs(x):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        sign = ""
    elif x < 0:
        sign = sym.minus
    else:
        sign = "+" if signed else ""
    text = text.replace(",", "\0").replace(".", sym.decimal).replace("\0", sym.group)
    return sign + text


def percent(value: object, lang: str, decimals: int = 0, *, signed: bool = False) -> str:
    """A value in percent (0-100) with the language's percent sign: ``32%``, ``32 %``.

    Examples
    --------
    >>> percent(32.4, "en"), percent(32.4, "fi"), percent(2.5, "sv", 1)
    ('32%', '32\\xa0%', '2,5\\xa0%')
    """
    text = number(value, lang, decimals, signed=signed)
    return symbols(lang).percent.format(text) if text else ""


def share(value: object, lang: str, decimals: int = 0) -> str:
    """A share (0-1) as a percent: ``share(0.3, "fi") == "30 %"``."""
    return "" if _missing(value) else percent(100 * float(value), lang, decimals)  # type: ignore[arg-type]


def vega_locale(lang: str) -> dict[str, object]:
    """The Vega number locale of ``lang`` (``config.locale`` of a Vega-Lite chart), so that
    chart axes and tooltips write numbers as the tables do."""
    sym = symbols(lang)
    return {
        "number": {
            "decimal": sym.decimal,
            "thousands": sym.group,
            "grouping": [3],
            "currency": ["", ""],
            "minus": sym.minus,
            "percent": "%" if lang == "en" else NBSP + "%",
        }
    }


__all__ = [
    "MINUS",
    "MISSING",
    "NBSP",
    "SYMBOLS",
    "Symbols",
    "number",
    "percent",
    "share",
    "symbols",
    "vega_locale",
]
