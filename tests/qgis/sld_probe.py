"""Which class real QGIS gives each feature under a QML style and under its SLD, as JSON.

Run with Debian's /usr/bin/python3 (PyQGIS), headless:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis/sld_probe.py SPEC.json

SPEC is a list of cases ``{"name", "qml", "sld", "layer"}``; ``layer`` is either
``{"gpkg": PATH, "table": NAME}`` (a GeoPackage table) or ``{"memory": GEOMETRY,
"field": NAME, "type": "double" | "string", "values": [...]}`` (one feature per value,
``null`` for NULL). For each case it loads the QML (``importNamedStyle``) and asks the
renderer which colours it draws each feature with; then loads the SLD (``loadSldStyle``, a
rule-based renderer) and asks which rules match each feature and what they draw; and
exports QGIS's own SLD of the QML style (``exportSldStyle``). Prints one JSON object: case
name -> report.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    NULL,
    QgsApplication,
    QgsExpressionContextUtils,
    QgsFeature,
    QgsRenderContext,
    QgsVectorLayer,
)
from qgis.PyQt.QtXml import QDomDocument


def open_layer(spec):
    if "gpkg" in spec:
        return QgsVectorLayer(f"{spec['gpkg']}|layername={spec['table']}", spec["table"], "ogr")
    geometry = {"line": "LineString", "polygon": "Polygon", "point": "Point"}[spec["memory"]]
    uri = f"{geometry}?crs=EPSG:3067&field={spec['field']}:{spec['type']}"
    layer = QgsVectorLayer(uri, "boundaries", "memory")
    features = []
    for value in spec["values"]:
        feature = QgsFeature(layer.fields())
        feature.setAttributes([NULL if value is None else value])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def plain(value):
    """A feature's attribute as JSON (NULL as null)."""
    if value is None or value == NULL:
        return None
    return value


def classes_by_feature(layer, column):
    """Per feature: its value, the labels of the legend classes the renderer gives it and
    the colours of the symbols it draws it with.

    Both, because QGIS 3.22's categorized renderer reports no legend class for a value its
    catch-all category draws (``legendKeysForFeature`` matches exact values only)."""
    renderer = layer.renderer().clone()
    labels = {item.ruleKey(): item.label() for item in renderer.legendSymbolItems()}
    # a rule-based renderer also reports its root rule (no symbol, no legend item)
    root = renderer.rootRule().ruleKey() if hasattr(renderer, "rootRule") else None
    context = QgsRenderContext()
    context.expressionContext().appendScopes(
        QgsExpressionContextUtils.globalProjectLayerScopes(layer)
    )
    renderer.startRender(context, layer.fields())
    out = []
    for feature in layer.getFeatures():
        context.expressionContext().setFeature(feature)
        keys = renderer.legendKeysForFeature(feature, context)
        drawn = [symbol.color().name() for symbol in renderer.symbolsForFeature(feature, context)]
        out.append([plain(feature[column]), sorted(labels[k] for k in keys if k != root), drawn])
    renderer.stopRender(context)
    return out


def probe(case):
    layer = open_layer(case["layer"])
    report = {"valid": layer.isValid(), "count": layer.featureCount()}
    column = case["column"]
    # importNamedStyle: loadNamedStyle would prefer the GeoPackage's default style
    document = QDomDocument()
    with open(case["qml"], encoding="utf-8") as f:
        document.setContent(f.read())
    ok, message = layer.importNamedStyle(document)
    report["qml_loaded"] = ok
    report["qml_renderer"] = layer.renderer().type()
    qml = classes_by_feature(layer, column)
    document = QDomDocument()
    layer.exportSldStyle(document, "")
    report["qgis_sld"] = document.toString()
    message, ok = layer.loadSldStyle(case["sld"])
    report["sld_loaded"] = ok
    report["sld_message"] = message
    renderer = layer.renderer()
    report["sld_renderer"] = renderer.type()
    rules = renderer.rootRule().children()
    report["rules"] = [
        {
            "label": r.label(),
            "filter": r.filterExpression(),
            "colour": r.symbol().color().name(),
            "alpha": r.symbol().color().alpha(),
        }
        for r in rules
    ]
    sld = classes_by_feature(layer, column)
    # value, QML: colours drawn; SLD: rule labels and colours drawn
    report["features"] = [[v, qc, sl, sc] for (v, _, qc), (_, sl, sc) in zip(qml, sld, strict=True)]
    return report


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    print(json.dumps({case["name"]: probe(case) for case in cases}))
    sys.stdout.flush()
    os._exit(0)  # skip QGIS's slow and sometimes crashing teardown
