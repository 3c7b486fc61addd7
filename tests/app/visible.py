"""What a user sees on a page run by AppTest: every text, label, header and shown cell."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

_TAG = re.compile(r"<[^>]+>")
#: Elements whose value is their text (widgets' values are not what is shown: their
#: labels and formatted options are).
_TEXT_ELEMENTS = {
    "Title",
    "Header",
    "Subheader",
    "Caption",
    "Markdown",
    "Text",
    "Info",
    "Warning",
    "Error",
    "Success",
    "Exception",
}


def shown(element: Any) -> pd.DataFrame:
    """A dataframe element's cells as shown: the Styler's display text where it has one,
    else the value as text."""
    value = element.value
    display = element.proto.arrow_data.styler.display_values
    if display:
        frame = dataframe_util.convert_arrow_bytes_to_pandas_df(display)
        frame.columns = value.columns
        return frame.astype(str)
    return value.astype(str)


def _nodes(node: Any) -> Iterator[Any]:
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)
    yield node


def _labels(styles: Any) -> Iterator[str]:
    """The legend labels of the map's styles: the last text of every class list."""
    if isinstance(styles, dict):
        for key, value in styles.items():
            if key != "order":  # the classes' values (data), not labels
                yield from _labels(value)
    elif isinstance(styles, list):
        if styles and isinstance(styles[-1], str) and not styles[-1].startswith("#"):
            yield styles[-1]
        else:
            for value in styles:
                yield from _labels(value)


def texts(at: AppTest) -> list[tuple[str, str]]:
    """``(where, text)`` of everything readable on the page: titles, headings, captions,
    Markdown (tags removed), alerts, widget labels and options, button labels, table
    headers and shown cells, chart titles, and the map's texts and legend labels."""
    found: list[tuple[str, str]] = []
    for node in _nodes(at._tree):
        kind = type(node).__name__
        if kind == "Dataframe":
            found += [("header", str(c)) for c in node.value.columns]
            frame = shown(node)
            for column in frame.columns:
                found += [("cell", v) for v in frame[column].tolist() if v and v != "nan"]
            continue
        proto = getattr(node, "proto", None)
        if kind == "UnknownElement" and getattr(node, "type", "") == "vega_lite_chart":
            assert proto is not None
            spec = json.loads(proto.spec)
            found += [("chart", v) for v in _titles(spec)]
            continue
        if kind == "UnknownElement" and getattr(node, "type", "") == "component_instance":
            assert proto is not None
            args = json.loads(proto.json_args)
            found += [("map text", str(v)) for v in (args.get("text") or {}).values()]
            found += [("map legend", v) for v in _labels(args.get("styles") or {})]
            continue
        if proto is not None and hasattr(proto, "expandable") and proto.expandable.label:
            found.append(("expander", proto.expandable.label))
        attrs = ("label", "options") if kind not in _TEXT_ELEMENTS else ("value",)
        for attr in attrs:
            try:
                value = getattr(node, attr)
            except Exception:  # widgets without that attribute
                continue
            if isinstance(value, str) and value:
                found.append((kind, _TAG.sub(" ", value)))
            elif isinstance(value, list) and attr == "options":
                found += [(kind, str(v)) for v in value]
    return found


def _titles(spec: Any) -> Iterator[str]:
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                yield value
            else:
                yield from _titles(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _titles(value)
