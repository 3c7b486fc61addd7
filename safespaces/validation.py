"""Declared ranges of the settings and the generic checks behind ``Config.validate``.

Each family declares the rules of its section beside its settings
(``safespaces/<family>/params.py``, ``safespaces/indices.py``; the general
sections in ``safespaces/config.py``):

``RULES``
    Field name -> one rule or a tuple of rules: the allowed range of a number
    (:class:`Number`), the allowed words (:class:`OneOf`), a code pattern
    (:class:`Code`), the number of items of a list or table (:class:`Count`),
    the keys of a table (:class:`Keys`), or a check of its own (:class:`Check`).
    A rule about numbers or words applies to a plain value, to every item of a
    list and to every value of a table alike.
``validate(params)``
    :func:`check_section` with ``RULES``, then the rules that tie several
    settings of the section together (a flow radius must be one of the flow
    radii).

:func:`check_section` checks every field in this order: its type; the rules
every setting obeys (numbers finite, text without NUL or control characters
and at most :data:`MAX_TEXT` characters); the field's rules. The first
problem raises :class:`~safespaces.errors.SettingError`
(``setting 'section.key' = value: problem. Fix: ...``);
:func:`safespaces.config.validate_config` composes the sections and names the
file or flag the value came from. ``docs/config.md`` lists every rule
(:func:`settings_table`, checked by a test).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from safespaces.errors import SettingError

#: Longest text of any setting (a WKT CRS is a few thousand characters).
MAX_TEXT = 10_000

Problem = tuple[str, str]
"""(what is wrong, how to fix it)."""


def fmt(x: float) -> str:
    """A bound for messages and docs: ``5``, ``0.5``, ``99999``."""
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def quoted(words: Sequence[str]) -> str:
    """``'a', 'b', 'c'``."""
    return ", ".join(repr(w) for w in words)


def suggest(value: object, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for a close choice, else empty."""
    if not isinstance(value, str):
        return ""
    lower = {c.lower(): c for c in choices}
    if value.lower() in lower:
        return f" (did you mean {lower[value.lower()]!r}?)"
    close = difflib.get_close_matches(value, list(choices), n=3, cutoff=0.6)
    return f" (did you mean {quoted(close)}?)" if close else ""


class Rule(Protocol):
    """A rule of one setting."""

    @property
    def each(self) -> bool:
        """True: applies to a plain value, every list item and every table value;
        False: applies to the whole value (a list's length, a table's keys)."""

    def problem(self, value: Any) -> Problem | None:
        """(what is wrong, fix) or None when ``value`` obeys the rule."""

    def describe(self) -> str:
        """The rule in words, for docs/config.md."""


@dataclasses.dataclass(frozen=True)
class Number:
    """A number in a range.

    Attributes
    ----------
    lo, hi
        Bounds (None: unbounded on that side).
    lo_open, hi_open
        Exclude the bound itself.
    off
        A value outside the range that switches the feature off (``0``).
    whole
        Only whole numbers (values that become column names, ``_400m``).
    unit
        Unit shown after the range.
    why
        Why the range is what it is (shown in the message).
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    off: float | None = None
    whole: bool = False
    unit: str = ""
    why: str = ""
    each: bool = True

    def range_text(self) -> str:
        """``[1, 500] m``, ``(0, 1)``, ``>= 5``, ``0 (off) or [5, 10000] m``."""
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            core = (
                f"{'(' if self.lo_open else '['}{fmt(lo)}, {fmt(hi)}{')' if self.hi_open else ']'}"
            )
        elif lo is not None:
            core = f"{'>' if self.lo_open else '>='} {fmt(lo)}"
        elif hi is not None:
            core = f"{'<' if self.hi_open else '<='} {fmt(hi)}"
        else:
            core = "any finite number"
        if self.off is not None:
            core = f"{fmt(self.off)} (off) or {core}"
        return f"{core} {self.unit}".rstrip()

    def fix(self) -> str:
        """``give a value in [1, 500] m`` (``give 0 (off) or ...`` where 0 switches off)."""
        if self.off is None:
            return f"give a value in {self.range_text()}"
        inside = dataclasses.replace(self, off=None).range_text()
        return f"give {fmt(self.off)} (off) or a value in {inside}"

    def describe(self) -> str:
        """The range, and "whole numbers" where only those are allowed."""
        text = self.range_text()
        return f"whole numbers, {text}" if self.whole else text

    def contains(self, x: float) -> bool:
        """Whether ``x`` (finite) is allowed."""
        if self.off is not None and x == self.off:
            return True
        if self.lo is not None and (x <= self.lo if self.lo_open else x < self.lo):
            return False
        return not (self.hi is not None and (x >= self.hi if self.hi_open else x > self.hi))

    def problem(self, value: Any) -> Problem | None:
        """Outside the range, or not whole where it must be."""
        x = float(value)
        if not self.contains(x):
            why = f" ({self.why})" if self.why else ""
            return f"outside the allowed range {self.range_text()}{why}", self.fix()
        if self.whole and not x.is_integer():
            return "not a whole number", f"give whole numbers, e.g. {fmt(round(x))}"
        return None


@dataclasses.dataclass(frozen=True)
class OneOf:
    """One of a fixed set of words (exact spelling)."""

    values: tuple[str, ...]
    text: str = ""
    each: bool = True

    def describe(self) -> str:
        """``one of 'a', 'b'`` (or ``text`` for long lists)."""
        return f"one of {self.text or quoted(self.values)}"

    def problem(self, value: Any) -> Problem | None:
        """Not one of the words (with a close match suggested)."""
        if value in self.values:
            return None
        return f"not {self.describe()}{suggest(value, self.values)}", f"use {self.describe()}"


@dataclasses.dataclass(frozen=True)
class Code:
    """Text matching a pattern (codes that become column names)."""

    pattern: str
    text: str
    each: bool = True

    def describe(self) -> str:
        """The pattern in words."""
        return self.text

    def problem(self, value: Any) -> Problem | None:
        """Not matching the pattern."""
        if re.fullmatch(self.pattern, str(value)):
            return None
        return f"not {self.text}", f"use {self.text}"


@dataclasses.dataclass(frozen=True)
class Count:
    """How many items a list or table holds, and whether they must differ."""

    lo: int = 0
    hi: int | None = None
    distinct: bool = False
    each: bool = False

    def describe(self) -> str:
        """``exactly 24 values``, ``1 to 4 distinct values``."""
        if self.hi == self.lo:
            size = f"exactly {self.lo} "
        elif self.hi is None:
            size = f"at least {self.lo} " if self.lo else ""
        else:
            size = f"{self.lo} to {self.hi} "
        return f"{size}{'distinct ' if self.distinct else ''}values"

    def problem(self, value: Any) -> Problem | None:
        """Too few, too many, or repeated items."""
        n = len(value)
        if n < self.lo or (self.hi is not None and n > self.hi):
            return f"has {n} values", f"give {self.describe()}"
        items = list(value.values()) if isinstance(value, Mapping) else list(value)
        if self.distinct and len(set(items)) < len(items):
            twice = sorted({str(v) for v in items if items.count(v) > 1})
            return f"repeats {', '.join(twice)}", "give each value once"
        return None


@dataclasses.dataclass(frozen=True)
class Keys:
    """The keys of a table: only ``allowed`` ones (None: any), ``required`` ones present."""

    allowed: tuple[str, ...] | None = None
    required: tuple[str, ...] = ()
    each: bool = False

    def describe(self) -> str:
        """``keys from 'a', 'b'; 'a' required``."""
        parts = []
        if self.allowed is not None:
            parts.append(f"keys from {quoted(self.allowed)}")
        if self.required:
            parts.append(f"{quoted(self.required)} required")
        return "; ".join(parts)

    def problem(self, value: Any) -> Problem | None:
        """An unknown key or a missing one."""
        if self.allowed is not None:
            unknown = [str(k) for k in value if k not in self.allowed]
            if unknown:
                return f"has unknown key(s) {quoted(unknown)}{suggest(unknown[0], self.allowed)}", (
                    f"use keys from {quoted(self.allowed)}"
                )
        missing = [k for k in self.required if k not in value]
        if missing:
            return (
                f"has no value for {quoted(missing)}",
                f"give a value for each of {quoted(self.required)}",
            )
        return None


@dataclasses.dataclass(frozen=True)
class Check:
    """A rule of its own: ``func(value)`` returns (problem, fix) or None."""

    func: Callable[[Any], Problem | None]
    text: str
    each: bool = False

    def describe(self) -> str:
        """The rule in words."""
        return self.text

    def problem(self, value: Any) -> Problem | None:
        """What ``func`` says."""
        return self.func(value)


@dataclasses.dataclass(frozen=True)
class Note:
    """A rule checked by the section's ``validate`` (it ties settings together); docs only."""

    text: str
    each: bool = False

    def describe(self) -> str:
        """The rule in words."""
        return self.text

    def problem(self, value: Any) -> Problem | None:
        """Nothing here: the section's ``validate`` checks it."""
        return None


Rules = Mapping[str, "Rule | tuple[Rule, ...]"]


def rules_of(rules: Rules, name: str) -> tuple[Rule, ...]:
    """The rules of field ``name`` as a tuple."""
    value = rules.get(name, ())
    return value if isinstance(value, tuple) else (value,)


def _kind(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is tuple:
        return "list"
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        return "table"
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_kind(a) for a in typing.get_args(hint))
    return {bool: "true or false", int: "whole number", float: "number", str: "text"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


_PLURAL = {
    "number": "numbers",
    "whole number": "whole numbers",
    "true or false": "true/false",
    "list": "lists",
}


def kind_of(hint: Any) -> str:
    """The type of a setting in words (``whole number``, ``list of numbers``...)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is tuple and args:
        inner = _kind(args[0])
        return f"list of {_PLURAL.get(inner, inner)}"
    if origin in (dict, Mapping) and len(args) == 2:
        inner = _kind(args[1])
        return f"table of {_PLURAL.get(inner, inner)}"
    return _kind(hint)


def text_problem(text: str) -> Problem | None:
    """NUL or control characters, or more than :data:`MAX_TEXT` characters."""
    if "\x00" in text:
        return "contains a NUL character", "remove it (the text is cut there in files)"
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        return (
            f"contains the control character U+{ord(bad):04X}",
            "remove line breaks, tabs and other control characters",
        )
    if len(text) > MAX_TEXT:
        return f"{len(text):,} characters long", f"use at most {MAX_TEXT:,} characters"
    return None


def _scalar_problem(hint: Any, value: Any) -> Problem | None:
    if hint is Any:
        return None
    if hint is bool:
        return None if isinstance(value, bool) else ("not true or false", "write true or false")
    if hint is int:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return None
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return (
                "not an integer (a decimal point or exponent makes a decimal number)",
                "write a whole number without a decimal point or exponent"
                + (f", e.g. {int(float(value))}" if math.isfinite(value) else ""),
            )
        return "not an integer", "write a whole number, e.g. 10"
    if hint is float:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            if not math.isfinite(value):
                return "not a finite number", "give a finite number (inf and nan are not allowed)"
            return None
        return "not a number", "write a number, e.g. 10.0"
    if hint is str:
        if not isinstance(value, str):
            return "not text", 'write it in quotes, e.g. "text"'
        return text_problem(value)
    return None


def _name(key: object) -> str:
    text = str(key)
    return text if text.isprintable() and "." not in text and text else repr(text)


def walk(key: str, hint: Any, value: Any) -> Iterator[tuple[str, Any, Any]]:
    """(key, type, value) of every plain value inside ``value``; raises on a wrong container."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
            raise SettingError(key, value, "not a list", "write a list in brackets, e.g. [1, 2]")
        inner = args[0] if args else Any
        for i, item in enumerate(value):
            yield from walk(f"{key}[{i}]", inner, item)
    elif origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise SettingError(key, value, "not a table", "write a table, e.g. { a = 1 }")
        inner = args[1] if len(args) == 2 else Any
        for k, item in value.items():
            if not isinstance(k, str):
                raise SettingError(key, k, "has a key that is not text", "use text keys")
            problem = text_problem(k)
            if problem or not k:
                raise SettingError(
                    key, k, f"has a bad key: {problem[0] if problem else 'empty'}", "rename the key"
                )
            yield from walk(f"{key}.{_name(k)}", inner, item)
    else:
        yield key, hint, value


def check_section(section: str, params: object, rules: Rules) -> None:
    """Check every field of one section: type, finite numbers, clean text, then its rules.

    Raises
    ------
    SettingError
        The first problem found, naming ``section.field``.
    """
    assert dataclasses.is_dataclass(params) and not isinstance(params, type)
    hints = typing.get_type_hints(type(params))
    for field in dataclasses.fields(params):
        key = f"{section}.{field.name}"
        value = getattr(params, field.name)
        own = rules_of(rules, field.name)
        leaves = list(walk(key, hints[field.name], value))
        for leaf_key, hint, leaf in leaves:
            problem = _scalar_problem(hint, leaf)
            if problem is not None:
                ranges = [r for r in own if isinstance(r, Number)]
                if problem[0] == "not a finite number" and ranges:
                    problem = (problem[0], ranges[0].fix())
                raise SettingError(leaf_key, leaf, *problem)
        for rule in own:
            if rule.each:
                for leaf_key, _, leaf in leaves:
                    problem = rule.problem(leaf)
                    if problem is not None:
                        raise SettingError(leaf_key, leaf, *problem)
            else:
                problem = rule.problem(value)
                if problem is not None:
                    raise SettingError(key, value, *problem)


def settings_table(section: str, cls: type, rules: Rules) -> list[str]:
    """Markdown rows ``| key | type | default | allowed |`` of one section (docs/config.md)."""
    hints = typing.get_type_hints(cls)
    rows = []
    for field in dataclasses.fields(cls):
        default = (
            field.default
            if field.default is not dataclasses.MISSING
            else field.default_factory()
            if field.default_factory is not dataclasses.MISSING
            else None
        )
        allowed = "; ".join(r.describe() for r in rules_of(rules, field.name)) or "-"
        rows.append(
            f"| `{section}.{field.name}` | {kind_of(hints[field.name])} | "
            f"{_default_text(default)} | {allowed.replace('|', '&#124;')} |"
        )
    return rows


def _default_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"table of {len(value)}" if value else "empty"
    if isinstance(value, tuple):
        return f"{len(value)} values" if len(value) > 4 else f"`{list(value)}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:.6g}`"
    return f"`{value}`"
