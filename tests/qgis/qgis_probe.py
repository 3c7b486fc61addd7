"""Open a safespaces QGIS package in real QGIS and report what QGIS sees, as JSON.

Run with Debian's /usr/bin/python3 (PyQGIS), headless:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis/qgis_probe.py DIR OUT.png
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis/qgis_probe.py --drawn-share IMG.png

Reports every GeoPackage table opened on its own (validity, feature count,
CRS, renderer from the default style, metadata), every raster (with its .qml),
the project (CRS, groups, layers and renderers) and the share of non-background
pixels in a PNG rendered from the project's visible layers.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsLayerTreeGroup,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QImage


def metadata(layer):
    md = layer.metadata()
    return {
        "title": md.title(),
        "abstract": md.abstract(),
        "keywords": sorted({k for words in md.keywords().values() for k in words}),
        "history": list(md.history()),
        "rights": list(md.rights()),
    }


def renderer_type(layer):
    r = layer.renderer()
    return r.type() if r is not None else None


def main(folder, png):
    gpkg = os.path.join(folder, "safespaces.gpkg")
    report: dict = {"tables": {}, "rasters": {}}
    sub = QgsProviderRegistry.instance().providerMetadata("ogr").querySublayers(gpkg)
    for item in sub:
        name = item.name()
        if name == "layer_styles":
            continue
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        report["tables"][name] = {
            "valid": layer.isValid(),
            "count": layer.featureCount(),
            "crs": layer.crs().authid() if layer.isSpatial() else None,
            "renderer": renderer_type(layer) if layer.isSpatial() else None,
            "metadata": metadata(layer),
        }
    for tif in sorted(f for f in os.listdir(folder) if f.endswith(".tif")):
        layer = QgsRasterLayer(os.path.join(folder, tif), tif)
        report["rasters"][tif[:-4]] = {
            "valid": layer.isValid(),
            "crs": layer.crs().authid(),
            "renderer": renderer_type(layer),
            "metadata": metadata(layer),
        }
    project = QgsProject.instance()
    ok = project.read(os.path.join(folder, "safespaces.qgz"))
    root = project.layerTreeRoot()
    groups = [c.name() for c in root.children() if isinstance(c, QgsLayerTreeGroup)]
    layers = {}
    for lid, layer in project.mapLayers().items():
        node = root.findLayer(lid)
        layers[lid] = {
            "name": layer.name(),
            "valid": layer.isValid(),
            "renderer": renderer_type(layer) if getattr(layer, "renderer", None) else None,
            "group": node.parent().name() if node is not None else None,
            "visible": bool(node and node.isVisible()),
            "source": layer.source(),
            "title": layer.metadata().title(),
        }
    report["project"] = {
        "read": ok,
        "crs": project.crs().authid(),
        "groups": groups,
        "layers": layers,
        "absolute_paths": project.readBoolEntry("Paths", "/Absolute")[0],
    }
    # render the visible layers, in layer-tree order, at the project's initial extent
    visible = [n.layer() for n in root.findLayers() if n.isVisible() and n.layer().isSpatial()]
    settings = QgsMapSettings()
    settings.setLayers(visible)
    settings.setDestinationCrs(project.crs())
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(QSize(800, 800))
    view = project.viewSettings().defaultViewExtent()
    settings.setExtent(view if not view.isEmpty() else settings.fullExtent())
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(png, "png")
    report["render"] = {"png": png, "drawn_share": drawn_share(image)}
    return report


def drawn_share(image, step=4):
    """Share of sampled pixels that are not the white (or transparent) background."""
    total = drawn = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            total += 1
            pixel = image.pixel(x, y)
            if pixel >> 24 and pixel & 0xFFFFFF != 0xFFFFFF:
                drawn += 1
    return drawn / max(total, 1)


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    if sys.argv[1] == "--drawn-share":  # check a PNG (e.g. the desktop snapshot)
        print(drawn_share(QImage(sys.argv[2])))
    else:
        print(json.dumps(main(sys.argv[1], sys.argv[2])))
    sys.stdout.flush()
    os._exit(0)  # skip QGIS's slow and sometimes crashing teardown
