"""Where the shown analysis comes from: the Data page's "Inputs in use" (no Streamlit here).

Each input is labelled by where it comes from: an upload (with the user's file name), the
embedded Helsinki default, or not given. An opened output folder is described from its
``run_metadata``: the folder, study, time, version and engine, and the inputs that run read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from safespaces.study import FILE_INPUTS, Inputs
from safespaces_app.i18n import has, t

#: The columns of both tables (the page gives them headers in the user's language).
COLUMNS = ["input", "file", "source"]


def _name(kind: str, lang: str) -> str:
    """The name of an input (``lamps`` ...) in ``lang``."""
    return t(f"input.{kind}", lang) if has(f"input.{kind}") else kind


def input_rows(
    inputs: Inputs, uploaded: Collection[Path], names: Mapping[str, str], lang: str
) -> pd.DataFrame:
    """One row per file input: its name, the file and where it comes from.

    Parameters
    ----------
    inputs
        The session's inputs (not resolved: ``None`` where the default applies).
    uploaded
        The paths of ``inputs`` that are uploads (:func:`safespaces_app.uploads.uploaded_paths`).
    names
        The user's own file name per uploaded input (the stored copy's name is sanitised).
    """
    resolved = inputs.resolved()
    rows = []
    for kind in FILE_INPUTS:
        given, used = getattr(inputs, kind), getattr(resolved, kind)
        if isinstance(given, Path) and given in uploaded:
            rows.append(
                (_name(kind, lang), names.get(kind) or given.name, t("data.uploaded", lang))
            )
        elif given is None and isinstance(used, Path):
            rows.append((_name(kind, lang), used.name, t("data.default", lang)))
        elif isinstance(given, Path):  # a file of the server (not uploaded in the app)
            rows.append((_name(kind, lang), given.name, ""))
        else:
            rows.append((_name(kind, lang), "", t("data.not_given", lang)))
    return pd.DataFrame(rows, columns=COLUMNS)


def opened_rows(metadata: Mapping[str, Any], lang: str) -> pd.DataFrame:
    """The inputs an opened run read (``run_metadata["inputs"]``), SYNTHETIC ones marked."""
    recorded = metadata.get("inputs")
    recorded = recorded if isinstance(recorded, Mapping) else {}
    synthetic = set(metadata.get("synthetic_inputs") or [])
    rows = []
    for kind in FILE_INPUTS:
        entry = recorded.get(kind)
        path = entry.get("path") if isinstance(entry, Mapping) else None
        if not path:
            rows.append((_name(kind, lang), "", t("data.not_given", lang)))
            continue
        label = t("data.recorded", lang) + (" (SYNTHETIC)" if kind in synthetic else "")
        rows.append((_name(kind, lang), Path(str(path)).name, label))
    return pd.DataFrame(rows, columns=COLUMNS)


def opened_summary(folder: Path, metadata: Mapping[str, Any], lang: str) -> dict[str, str]:
    """The values of the ``data.opened`` message: folder, study, time, version, engine."""
    when = str(metadata.get("run_time_utc") or "?")
    if len(when) >= 16 and when[10] == "T":
        when = f"{when[:10]} {when[11:16]} UTC"
    engine = metadata.get("engine")
    text = ""
    if isinstance(engine, Mapping) and engine.get("name") == "dask":
        text = t("data.engine.dask", lang, partitions=engine.get("partitions", "?"))
    return {
        "folder": str(folder),
        "study": str(metadata.get("study_name") or "?"),
        "time": when,
        "version": str(metadata.get("safespaces_version") or "?"),
        "engine": text,
    }
