"""Illuminance GeoTIFF of the study area and its QGIS style.

The raster holds the horizontal illuminance at each cell centre, computed by
the same point-source sum as the segments (:func:`illuminance_at`), in float32
lux, LZW-compressed, tiled, with average-resampled overviews. A QGIS
``singlebandpseudocolor`` style with the EN 13201-2 P-class thresholds is written
beside it (same name, ``.qml``), so QGIS applies it on open.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.windows import Window

from safespaces.errors import InputError, OutputError
from safespaces.lighting.illuminance import illuminance_at
from safespaces.lighting.lamps import lamp_array

NODATA = -9999.0

#: Colour classes of the style: (upper bound in lux, colour, label).
RAMP: tuple[tuple[float, str, str], ...] = (
    (0.4, "#0b0c2a", "< 0.4 lx (below P6 minimum)"),
    (2.0, "#2c2f6b", "0.4 - 2 lx"),
    (3.0, "#5b3f8c", "2 - 3 lx (P6 average)"),
    (5.0, "#9a4f8f", "3 - 5 lx (P5 average)"),
    (7.5, "#d3647a", "5 - 7.5 lx (P4 average)"),
    (10.0, "#f08a5d", "7.5 - 10 lx (P3 average)"),
    (15.0, "#f8c15c", "10 - 15 lx (P2 average)"),
    (math.inf, "#fdf5a6", ">= 15 lx (P1 average)"),
)


def illuminance_qml() -> str:
    """QGIS 3.22 style (``singlebandpseudocolor``, discrete P-class ramp) for band 1."""
    items = []
    for value, color, label in RAMP:
        v = "inf" if math.isinf(value) else repr(value)
        items.append(
            f'          <item alpha="255" value="{v}" color="{color}" label={quoteattr(label)}/>'
        )
    item_xml = "\n".join(items)
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.16-Białowieża" styleCategories="AllStyleCategories"
    hasScaleBasedVisibilityFlag="0" minScale="1e+08" maxScale="0">
  <pipe-data-defined-properties>
    <Option type="Map">
      <Option type="QString" value="" name="name"/>
      <Option name="properties"/>
      <Option type="QString" value="collection" name="type"/>
    </Option>
  </pipe-data-defined-properties>
  <pipe>
    <provider>
      <resampling enabled="false" maxOversampling="2"
          zoomedInResamplingMethod="nearestNeighbour"
          zoomedOutResamplingMethod="nearestNeighbour"/>
    </provider>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="0.85" alphaBand="-1"
        nodataColor="" classificationMin="0" classificationMax="15">
      <rasterTransparency/>
      <minMaxOrigin>
        <limits>None</limits>
        <extent>WholeRaster</extent>
        <statAccuracy>Estimated</statAccuracy>
        <cumulativeCutLower>0.02</cumulativeCutLower>
        <cumulativeCutUpper>0.98</cumulativeCutUpper>
        <stdDevFactor>2</stdDevFactor>
      </minMaxOrigin>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="2" clip="0"
            minimumValue="0" maximumValue="15" labelPrecision="1">
{item_xml}
          <rampLegendSettings minimumLabel="" maximumLabel="" prefix="" suffix=" lx"
              direction="0" useContinuousLegend="0" orientation="2">
            <numericFormat id="basic">
              <Option type="Map">
                <Option type="QChar" value="" name="decimal_separator"/>
                <Option type="int" value="1" name="decimals"/>
                <Option type="int" value="0" name="rounding_type"/>
                <Option type="bool" value="false" name="show_plus"/>
                <Option type="bool" value="true" name="show_thousand_separator"/>
                <Option type="bool" value="false" name="show_trailing_zeros"/>
                <Option type="QChar" value="" name="thousand_separator"/>
              </Option>
            </numericFormat>
          </rampLegendSettings>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
    <huesaturation colorizeOn="0" colorizeRed="255" colorizeGreen="128" colorizeBlue="128"
        colorizeStrength="100" grayscaleMode="0" saturation="0" invertColors="0"/>
    <rasterresampler maxOversampling="2"/>
    <resamplingStage>resamplingFilter</resamplingStage>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
"""


def raster_grid(
    bounds: tuple[float, float, float, float], cell: float
) -> tuple[float, float, int, int]:
    """Snap ``bounds`` outwards to multiples of ``cell``: (west, north, width, height)."""
    minx, miny, maxx, maxy = bounds
    if not (cell > 0 and maxx > minx and maxy > miny):
        raise InputError(
            f"cannot grid bounds {bounds} at cell {cell}",
            fix="give non-empty bounds (minx, miny, maxx, maxy) and a positive cell size",
        )
    west = math.floor(minx / cell) * cell
    south = math.floor(miny / cell) * cell
    east = math.ceil(maxx / cell) * cell
    north = math.ceil(maxy / cell) * cell
    return west, north, round((east - west) / cell), round((north - south) / cell)


def write_illuminance_raster(
    path: str | Path,
    lamps: gpd.GeoDataFrame | npt.ArrayLike,
    bounds: tuple[float, float, float, float],
    crs: object,
    cell: float = 5.0,
    *,
    cutoff: float = 50.0,
    rows_per_chunk: int = 256,
    style: bool = True,
) -> Path:
    """Write the horizontal illuminance of the area as a GeoTIFF (and its .qml).

    Each cell holds E at its centre, summed over lamps within ``cutoff`` by
    E = I h / (h^2 + d^2)^(3/2) (see :func:`illuminance_at`).

    Parameters
    ----------
    path
        Output ``.tif``.
    lamps
        Lamps from :func:`safespaces.lighting.lamp_model`, or an ``(n, 4)`` array
        of x, y, height, intensity.
    bounds
        (minx, miny, maxx, maxy) in ``crs``; snapped outwards to whole cells.
    crs
        The metric CRS (anything :class:`rasterio.crs.CRS` accepts, or pyproj).
    cell
        Cell size in metres (5 m or finer for the project's output).
    cutoff
        Cut-off radius in metres.
    rows_per_chunk
        Rows computed at once (bounds memory).
    style
        Also write the QGIS style ``<path>.qml``.

    Returns
    -------
    pathlib.Path
        The GeoTIFF written: float32 lux, nodata -9999, LZW, 256 x 256 tiles,
        overviews 2, 4, 8 ... (average).
    """
    out = Path(path)
    arr = lamp_array(lamps) if isinstance(lamps, gpd.GeoDataFrame) else np.asarray(lamps)
    west, north, width, height = raster_grid(bounds, cell)
    rcrs = CRS.from_wkt(crs.to_wkt()) if hasattr(crs, "to_wkt") else CRS.from_user_input(crs)
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "width": width,
        "height": height,
        "crs": rcrs,
        "transform": Affine(cell, 0.0, west, 0.0, -cell, north),
        "nodata": NODATA,
        "compress": "lzw",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    xs = west + (np.arange(width) + 0.5) * cell
    tmp = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with rasterio.open(tmp, "w", **profile) as dst:
            step = max(int(rows_per_chunk), 1)
            for r0 in range(0, height, step):  # row blocks, not single cells
                rows = min(step, height - r0)
                ys = north - (np.arange(r0, r0 + rows) + 0.5) * cell
                gx, gy = np.meshgrid(xs, ys)
                e = illuminance_at(np.column_stack([gx.ravel(), gy.ravel()]), arr, cutoff)
                dst.write(
                    e.reshape(rows, width).astype(np.float32), 1, window=Window(0, r0, width, rows)
                )
            dst.update_tags(1, units="lux", quantity="horizontal illuminance at ground")
            factors = [f for f in (2, 4, 8, 16, 32, 64) if max(width, height) // f >= 8] or [2]
            dst.build_overviews(factors, Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")
        tmp.replace(out)
        if style:
            out.with_suffix(".qml").write_text(illuminance_qml(), encoding="utf-8")
    except (OSError, RasterioError) as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{out}: cannot write the illuminance raster ({exc})") from exc
    return out
