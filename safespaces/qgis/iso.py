"""ISO 19115 metadata of an output folder, encoded as ISO 19139 XML, for city data catalogues.

GeoNetwork, CKAN's spatial harvesters, pycsw and the INSPIRE tools read ISO 19139
(``gmd:MD_Metadata``); a city catalogue imports ``safespaces.iso19139.xml`` beside the
GeoPackage as the dataset's record. It carries what the QGIS metadata carries
(:mod:`safespaces.qgis.metadata`), in the catalogue's terms:

- identification: title (flagged SYNTHETIC when an input is), abstract with every
  layer and raster and its meaning, keywords, the attribution and licence as legal
  constraints, topic categories, the study's bounding box in WGS 84, the run's date;
- the reference system as its authority code (``EPSG:3067``), or its WKT;
- distribution formats (GeoPackage 1.2, Cloud-Optimised GeoTIFF);
- lineage: the run's version, inputs with SHA-256 checksums and every setting.

The point of contact is left for the publisher to fill in (``gmd:contact`` names
safespaces as the processor and asks for the organisation): a tool cannot know who
publishes. The document is checked by a peer parser (OWSLib's ``MD_Metadata``) in
the tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from pyproj import CRS

from safespaces.qgis.metadata import SYNTHETIC_SUFFIX, SYNTHETIC_WARNING, history

#: File written beside the GeoPackage.
ISO_NAME = "safespaces.iso19139.xml"

NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gml": "http://www.opengis.net/gml",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SCHEMA_LOCATION = "http://www.isotc211.org/2005/gmd http://schemas.opengis.net/csw/2.0.2/profiles/apiso/1.0.0/apiso.xsd"
CODELISTS = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"

for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _el(parent: ET.Element, path: str) -> ET.Element:
    """The element at ``path`` (``a/b/c``) under ``parent``, created."""
    node = parent
    for name in path.split("/"):
        node = ET.SubElement(node, _q(name))
    return node


def _text(parent: ET.Element, path: str, value: str, kind: str = "gco:CharacterString") -> None:
    _el(parent, f"{path}/{kind}").text = value


def _code(parent: ET.Element, path: str, codelist: str, value: str) -> None:
    *outer, last = path.split("/")
    holder = _el(parent, "/".join(outer)) if outer else parent
    code = ET.SubElement(holder, _q(last))
    code.set("codeList", f"{CODELISTS}#{codelist}")
    code.set("codeListValue", value)
    code.text = value


def _party(parent: ET.Element, path: str, organisation: str, role: str) -> None:
    party = _el(parent, f"{path}/gmd:CI_ResponsibleParty")
    _text(party, "gmd:organisationName", organisation)
    _code(party, "gmd:role/gmd:CI_RoleCode", "CI_RoleCode", role)


def _date(parent: ET.Element, path: str, when: str, kind: str) -> None:
    date = _el(parent, f"{path}/gmd:CI_Date")
    _text(date, "gmd:date", when, "gco:DateTime")
    _code(date, "gmd:dateType/gmd:CI_DateTypeCode", "CI_DateTypeCode", kind)


def _keywords(parent: ET.Element, words: Iterable[str], thesaurus: str | None = None) -> None:
    block = _el(parent, "gmd:descriptiveKeywords/gmd:MD_Keywords")
    for word in words:
        _text(block, "gmd:keyword", word)
    _code(block, "gmd:type/gmd:MD_KeywordTypeCode", "MD_KeywordTypeCode", "theme")
    if thesaurus:
        _text(block, "gmd:thesaurusName/gmd:CI_Citation/gmd:title", thesaurus)
        _date(
            block,
            "gmd:thesaurusName/gmd:CI_Citation/gmd:date",
            "2026-01-01T00:00:00",
            "publication",
        )


def _crs_code(crs: CRS | None) -> tuple[str, str]:
    """``(code, codeSpace)``: the authority code, or the WKT without one."""
    if crs is None:
        return ("unknown", "")
    authority = crs.to_authority()
    if authority:
        return (f"{authority[0]}:{authority[1]}", authority[0])
    return (crs.to_wkt(), "WKT")


def iso_metadata(
    run: Mapping[str, Any],
    *,
    study: str,
    layers: Sequence[tuple[str, str, str]],
    crs: CRS | None,
    synthetic: Sequence[str],
    rights: Sequence[str],
    bounds: tuple[float, float, float, float] | None = None,
    formats: Sequence[tuple[str, str]] = (("GeoPackage", "1.2"),),
) -> str:
    """The ISO 19139 document of one output folder.

    Parameters
    ----------
    run
        The run's metadata (``run_metadata``, decoded).
    study
        The study's name.
    layers
        ``(name, title, abstract)`` of every layer and raster in the folder.
    crs
        The data's CRS.
    synthetic
        SYNTHETIC inputs the layers come from (flagged in title, abstract, keywords).
    rights
        Attribution and licence lines.
    bounds
        The data's extent in WGS 84 ``(west, south, east, north)``; default the
        study's bounds in ``run`` (``study_extent``).
    formats
        ``(name, version)`` of the distribution formats.

    Returns
    -------
    str
        The XML document (UTF-8 declaration included).
    """
    when = str(run.get("run_time_utc") or "1970-01-01T00:00:00+00:00")
    key = f"safespaces:{study}:{when}"
    root = ET.Element(_q("gmd:MD_Metadata"))
    root.set(f"{{{NS['xsi']}}}schemaLocation", SCHEMA_LOCATION)
    _text(root, "gmd:fileIdentifier", str(uuid.uuid5(uuid.NAMESPACE_URL, key)))
    _code(root, "gmd:language/gmd:LanguageCode", "LanguageCode", "eng")
    _code(root, "gmd:characterSet/gmd:MD_CharacterSetCode", "MD_CharacterSetCode", "utf8")
    _code(root, "gmd:hierarchyLevel/gmd:MD_ScopeCode", "MD_ScopeCode", "dataset")
    contact = "safespaces (processor); publisher: add your organisation before publishing"
    _party(root, "gmd:contact", contact, "processor")
    _text(root, "gmd:dateStamp", when, "gco:DateTime")
    _text(root, "gmd:metadataStandardName", "ISO 19115:2003/19139")
    _text(root, "gmd:metadataStandardVersion", "1.0")
    code, space = _crs_code(crs)
    ident = _el(
        root, "gmd:referenceSystemInfo/gmd:MD_ReferenceSystem/gmd:referenceSystemIdentifier"
    )
    rs = _el(ident, "gmd:RS_Identifier")
    _text(rs, "gmd:code", code)
    if space:
        _text(rs, "gmd:codeSpace", space)

    data = _el(root, "gmd:identificationInfo/gmd:MD_DataIdentification")
    flag = SYNTHETIC_SUFFIX if synthetic else ""
    citation = _el(data, "gmd:citation/gmd:CI_Citation")
    _text(citation, "gmd:title", f"safespaces: {study}{flag}")
    _date(citation, "gmd:date", when, "creation")
    _text(citation, "gmd:identifier/gmd:MD_Identifier/gmd:code", key)
    parts = []
    if synthetic:
        parts.append(SYNTHETIC_WARNING.format(inputs=", ".join(synthetic)))
    parts.append(
        "Evidence for safe-space planning from open city data (safespaces): street lighting "
        "(estimated illuminance, EN 13201 classes, dark paths), eyes on the street (natural "
        "surveillance by hour), social mix of housing tenures and privacy-safe incident "
        "measures, with a composite score. Layers:"
    )
    parts += [f"- {name}: {title}. {abstract}" for name, title, abstract in layers]
    _text(data, "gmd:abstract", "\n".join(parts))
    _text(
        data,
        "gmd:purpose",
        "Urban safe-space planning: where to act first on lighting, activity and housing mix.",
    )
    _code(data, "gmd:status/gmd:MD_ProgressCode", "MD_ProgressCode", "completed")
    _party(data, "gmd:pointOfContact", contact, "pointOfContact")
    words = [
        "safespaces",
        "urban safety",
        "street lighting",
        "natural surveillance",
        "social mix",
        "incidents",
    ]
    if synthetic:
        words.append("SYNTHETIC")
    _keywords(data, words)
    _keywords(data, [name for name, _, _ in layers])
    legal = _el(data, "gmd:resourceConstraints/gmd:MD_LegalConstraints")
    _code(
        legal,
        "gmd:useConstraints/gmd:MD_RestrictionCode",
        "MD_RestrictionCode",
        "otherRestrictions",
    )
    for line in rights:
        _text(legal, "gmd:otherConstraints", line)
    _code(
        data,
        "gmd:spatialRepresentationType/gmd:MD_SpatialRepresentationTypeCode",
        "MD_SpatialRepresentationTypeCode",
        "vector",
    )
    _code(data, "gmd:language/gmd:LanguageCode", "LanguageCode", "eng")
    _code(data, "gmd:characterSet/gmd:MD_CharacterSetCode", "MD_CharacterSetCode", "utf8")
    for topic in ("society", "structure", "planningCadastre"):
        _el(data, "gmd:topicCategory/gmd:MD_TopicCategoryCode").text = topic
    bounds = bounds or _bounds(run)
    if bounds is not None:
        box = _el(
            data, "gmd:extent/gmd:EX_Extent/gmd:geographicElement/gmd:EX_GeographicBoundingBox"
        )
        for name, value in zip(
            (
                "westBoundLongitude",
                "eastBoundLongitude",
                "southBoundLatitude",
                "northBoundLatitude",
            ),
            (bounds[0], bounds[2], bounds[1], bounds[3]),
            strict=True,
        ):
            _text(box, f"gmd:{name}", f"{value:.6f}", "gco:Decimal")

    distribution = _el(root, "gmd:distributionInfo/gmd:MD_Distribution")
    for name, version in formats:
        fmt = _el(distribution, "gmd:distributionFormat/gmd:MD_Format")
        _text(fmt, "gmd:name", name)
        _text(fmt, "gmd:version", version)

    quality = _el(root, "gmd:dataQualityInfo/gmd:DQ_DataQuality")
    _code(quality, "gmd:scope/gmd:DQ_Scope/gmd:level/gmd:MD_ScopeCode", "MD_ScopeCode", "dataset")
    _text(
        quality,
        "gmd:lineage/gmd:LI_Lineage/gmd:statement",
        "\n".join(history({**run, "synthetic_inputs": list(synthetic)})),
    )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _bounds(run: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    extent = run.get("study_extent")
    box = extent.get("study_bounds_lonlat") if isinstance(extent, Mapping) else None
    if isinstance(box, Sequence) and len(box) == 4:
        try:
            return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        except (TypeError, ValueError):
            return None
    return None
