"""QGIS layer metadata (QMD) documents: title, abstract, keywords, rights, history.

A layer whose values come from a SYNTHETIC input gets " (SYNTHETIC)" in its
title, the keyword ``SYNTHETIC`` and a warning at the top of its abstract. The
run's parameters (version, time, inputs with checksums, every setting) are the
metadata's ``history`` entries.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree as ET

from pyproj import CRS

from safespaces.catalogue import Column
from safespaces.qgis.qml import DOCTYPE, QGIS_VERSION

SYNTHETIC_SUFFIX = " (SYNTHETIC)"
SYNTHETIC_WARNING = (
    "SYNTHETIC DEMO DATA: values in this layer come from synthetic inputs ({inputs}); "
    "they show how the method works and must not be used for decisions."
)


def parse_run_metadata(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``run_metadata`` values decoded from JSON where they are JSON."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
        else:
            out[key] = value
    return out


def _flatten(prefix: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else str(key), item)
    else:
        yield prefix, value


def history(run: Mapping[str, Any]) -> list[str]:
    """The run's parameters as readable lines (one setting per line)."""
    lines = [
        f"safespaces {run.get('safespaces_version', '?')}, run {run.get('run_time_utc', '?')}, "
        f"study {run.get('study_name', '?')}, CRS {run.get('crs', '?')}"
    ]
    inputs = run.get("inputs")
    if isinstance(inputs, Mapping):
        for name, item in inputs.items():
            if isinstance(item, Mapping):
                lines.append(f"input {name}: {item.get('path')} (sha256 {item.get('sha256')})")
    synthetic = run.get("synthetic_inputs") or []
    lines.append(f"synthetic inputs: {', '.join(synthetic) if synthetic else 'none'}")
    config = run.get("config")
    if isinstance(config, Mapping):
        for key, value in _flatten("", config):
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            lines.append(f"parameter {key} = {text}")
    return lines


def synthetic_inputs(run: Mapping[str, Any]) -> list[str]:
    """The run's SYNTHETIC inputs.

    ``run_metadata.synthetic_inputs`` lists them; a family's subcommand may
    also record ``<input>_synthetic = true`` (e.g. ``incidents_synthetic``).
    """
    value = run.get("synthetic_inputs") or []
    found = [str(v) for v in value] if isinstance(value, list) else []
    for key, flag in run.items():
        name = key.removesuffix("_synthetic")
        if key.endswith("_synthetic") and flag is True and name not in found:
            found.append(name)
    return found


@functools.lru_cache(maxsize=64)
def _authority(wkt: str) -> tuple[str, str] | None:
    """``to_authority()`` of the CRS of ``wkt``, remembered: a CRS read back from a file
    has no identifier, so it searches the PROJ database (~5 ms), and every layer asks."""
    return CRS.from_wkt(wkt).to_authority()


def _spatialrefsys(parent: ET.Element, crs: CRS | None) -> None:
    srs = ET.SubElement(parent, "spatialrefsys")
    wkt = crs.to_wkt() if crs is not None else None
    authority = _authority(wkt) if wkt else None
    ET.SubElement(srs, "wkt").text = wkt or ""
    ET.SubElement(srs, "proj4").text = ""
    ET.SubElement(srs, "srsid").text = "0"
    ET.SubElement(srs, "srid").text = authority[1] if authority else "0"
    ET.SubElement(srs, "authid").text = ":".join(authority) if authority else ""
    ET.SubElement(srs, "description").text = crs.name if crs is not None else ""
    ET.SubElement(srs, "projectionacronym").text = ""
    ET.SubElement(srs, "ellipsoidacronym").text = ""
    geographic = "true" if crs is not None and crs.is_geographic else "false"
    ET.SubElement(srs, "geographicflag").text = geographic


def spatialrefsys(crs: CRS | None) -> ET.Element:
    """A QGIS ``<spatialrefsys>`` element (WKT and authority id)."""
    holder = ET.Element("holder")
    _spatialrefsys(holder, crs)
    return holder[0]


def metadata_element(
    tag: str,
    *,
    identifier: str,
    title: str,
    abstract: str,
    keywords: Mapping[str, Iterable[str]],
    history_lines: Iterable[str],
    rights: Iterable[str],
    crs: CRS | None,
    synthetic: Iterable[str] = (),
    columns: Iterable[Column] = (),
) -> ET.Element:
    """A QGIS layer metadata element (``<qgis>`` for a QMD, ``<resourceMetadata>`` in a project)."""
    synthetic = list(synthetic)
    text = abstract
    if columns:
        described = "\n".join(
            f"- {c.name}{f' ({c.unit})' if c.unit else ''}: {c.description}" for c in columns
        )
        text += f"\n\nColumns:\n{described}"
    if synthetic:
        title += SYNTHETIC_SUFFIX
        text = SYNTHETIC_WARNING.format(inputs=", ".join(synthetic)) + "\n\n" + text
    root = ET.Element(tag, version=QGIS_VERSION) if tag == "qgis" else ET.Element(tag)
    ET.SubElement(root, "identifier").text = identifier
    ET.SubElement(root, "parentidentifier").text = ""
    ET.SubElement(root, "language").text = "en"
    ET.SubElement(root, "type").text = "dataset"
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "abstract").text = text
    words = {k: list(v) for k, v in keywords.items()}
    if synthetic:
        words.setdefault("safespaces", []).append("SYNTHETIC")
    for vocabulary, values in words.items():
        element = ET.SubElement(root, "keywords", vocabulary=vocabulary)
        for value in values:
            ET.SubElement(element, "keyword").text = value
    ET.SubElement(root, "links")
    for line in history_lines:
        ET.SubElement(root, "history").text = line
    ET.SubElement(root, "fees").text = ""
    for right in rights:
        ET.SubElement(root, "rights").text = right
    ET.SubElement(root, "encoding").text = "UTF-8"
    _spatialrefsys(ET.SubElement(root, "crs"), crs)
    ET.SubElement(root, "extent")
    return root


def qmd_text(element: ET.Element) -> str:
    """A QMD document (``<qgis>`` root) as text."""
    ET.indent(element, space="  ")
    return DOCTYPE + "\n" + ET.tostring(element, encoding="unicode") + "\n"
