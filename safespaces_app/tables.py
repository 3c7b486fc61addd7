"""Tables and bar charts for people: numbers stay numbers, headers and numbers follow the language.

Every table of the app goes through :func:`show`: its columns are renamed to translated
headers with units, numeric columns keep a numeric type (so a click on a header sorts
1,027 < 1,053 < 10.00 < 110 as numbers, not as text), and what is shown is formatted
per language by a pandas ``Styler`` (:mod:`safespaces_app.formats`: ``1 234,5`` in
Finnish and Swedish). A withheld value (a suppressed count) is missing in the data, so
it sorts last, shows "–" (the table's placeholder for every missing number), and a note
column says "suppressed (<k)". Bar charts
(:func:`bar_chart`) take translated axis titles and the language's number locale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from safespaces_app.formats import MISSING, number, percent, vega_locale
from safespaces_app.i18n import t


@dataclasses.dataclass(frozen=True)
class Col:
    """How one column is shown.

    Attributes
    ----------
    header
        The translated header, with its unit (``"Length (m)"``).
    decimals
        Decimal places of a numeric column; ``None`` for a text column.
    signed
        Write ``+`` before positive numbers (a change, a gap to a target).
    percent
        The values are percent (0-100): write the language's percent sign.
    scale
        Multiply the values by this before showing and sorting (``100``: a share 0-1 shown
        as percent).
    pinned
        Keep the column in view when the table scrolls sideways.
    help
        Tooltip of the header.
    """

    header: str
    decimals: int | None = None
    signed: bool = False
    percent: bool = False
    scale: float = 1.0
    pinned: bool = False
    help: str | None = None


def frame_for(frame: pd.DataFrame, columns: Mapping[str, Col]) -> pd.DataFrame:
    """The columns of ``frame`` named in ``columns``, renamed to their headers; numeric
    columns as floats (missing as NaN), scaled."""
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        values = frame[name]
        if col.decimals is not None:
            values = pd.to_numeric(values, errors="coerce").astype(float) * col.scale
        out[col.header] = values
    return out.reset_index(drop=True)


def _text(value: object) -> str:
    """A text cell: empty where missing (None, NaN, pd.NA)."""
    return "" if value is None or bool(pd.isna(value)) else str(value)  # type: ignore[call-overload]


def _formatter(col: Col, lang: str) -> Any:
    assert col.decimals is not None
    decimals = col.decimals
    if col.percent:
        return lambda v: percent(v, lang, decimals, signed=col.signed)
    return lambda v: number(v, lang, decimals, signed=col.signed)


def styled(
    frame: pd.DataFrame,
    columns: Mapping[str, Col],
    lang: str,
    *,
    withheld: Mapping[str, pd.Series] | None = None,
    withheld_text: str = "",
) -> Styler:
    """The table as a ``Styler``: numeric data, text formatted for ``lang``.

    Parameters
    ----------
    frame
        The data, with the column names of ``columns``.
    columns
        Column -> how it is shown, in the order shown.
    withheld
        Column -> boolean mask of rows whose value is withheld (a suppressed count): those
        cells are missing in the data (they sort last and show :data:`MISSING`, as every
        missing number does), and a note column (the last) says
        ``withheld_text`` on those rows. (The browser's table shows no text in a missing
        number's cell other than its placeholder, so the reason goes beside it.)
    """
    columns = dict(columns)
    frame = frame.copy()
    any_hidden = pd.Series(False, index=frame.index)
    for name, mask in (withheld or {}).items():
        hidden = pd.Series(mask, index=frame.index).fillna(False).astype(bool)
        if name in columns and hidden.any():
            frame[name] = frame[name].where(~hidden)
            any_hidden |= hidden
    if any_hidden.any():
        frame[NOTE] = any_hidden.map({True: withheld_text, False: ""})
        columns[NOTE] = Col(t("col.note", lang))
    data = frame_for(frame, columns)
    styler = data.style
    for col in columns.values():
        if col.decimals is None:
            styler = styler.format(_text, subset=[col.header])
            continue
        styler = styler.format(_formatter(col, lang), subset=[col.header], na_rep=MISSING)
    return styler


#: The note column of a table with withheld values (see :func:`styled`).
NOTE = "_note"


def column_config(columns: Mapping[str, Col]) -> dict[str, Any]:
    """Streamlit's column configuration: pinned columns and header tooltips (no number
    format: the ``Styler``'s text is what is shown)."""
    return {
        col.header: st.column_config.Column(pinned=True if col.pinned else None, help=col.help)
        for col in columns.values()
        if col.pinned or col.help
    }


def show(
    frame: pd.DataFrame,
    columns: Mapping[str, Col],
    lang: str,
    *,
    withheld: Mapping[str, pd.Series] | None = None,
    withheld_text: str = "",
    key: str | None = None,
    container: Any = st,
    **kwargs: Any,
) -> None:
    """Show a table (sortable by number, headers and numbers in ``lang``)."""
    container.dataframe(
        styled(frame, columns, lang, withheld=withheld, withheld_text=withheld_text),
        hide_index=True,
        column_config=column_config(columns),
        key=key,
        placeholder=MISSING,
        **{"width": "stretch", **kwargs},
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    label_title: str,
    value_title: str,
    lang: str,
    decimals: int = 1,
    sort: bool = False,
) -> None:
    """A horizontal bar chart with translated axis titles and the language's numbers.

    ``sort`` orders the bars by value (smallest first); otherwise they keep their order.
    """
    data = pd.DataFrame({"label": list(labels), "value": list(values)})
    spec = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": {
                "field": "label",
                "type": "nominal",
                "title": label_title,
                "sort": "x" if sort else None,
                "axis": {"labelLimit": 320},  # whole class names, not "valaistu, valaisimi…"
            },
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": value_title,
                "axis": {"format": ",~f"},
            },
            "tooltip": [
                {"field": "label", "type": "nominal", "title": label_title},
                {
                    "field": "value",
                    "type": "quantitative",
                    "title": value_title,
                    "format": f",.{decimals}f",
                },
            ],
        },
        "config": {"locale": vega_locale(lang)},
    }
    st.vega_lite_chart(data, spec, width="stretch")


__all__ = ["Col", "bar_chart", "column_config", "frame_for", "show", "styled"]
