"""GeoParquet, FlatGeobuf and PMTiles beside the GeoPackage (safespaces.formats).

Every format is written once, from a copy of the default run's GeoPackage (the
session's ``default_output``), and read back with geopandas, pyarrow and GDAL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from outcheck import is_whole_output, snapshot

import safespaces.formats as formats
from safespaces.errors import ConfigError, InputError, OutputError
from safespaces.formats import (
    FORMAT_DESCRIPTIONS,
    FORMAT_FOLDERS,
    FORMATS,
    MAXZOOM,
    MINZOOM,
    SKIPPED_TABLES,
    TILED_LAYERS,
    check_formats,
    tile_columns,
    write_formats,
)
from safespaces.io import GPKG_NAME, write_layers
from safespaces.output import FORMAT_FOLDERS as OUTPUT_FORMAT_FOLDERS
from safespaces.output import MANIFEST, check_file, output_folder


@pytest.fixture(scope="module")
def exported(default_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the default run's GeoPackage and every format written from it."""
    folder = tmp_path_factory.mktemp("formats")
    shutil.copy2(default_output / GPKG_NAME, folder / GPKG_NAME)
    written = write_formats(folder, FORMATS)
    assert written[0] == folder / GPKG_NAME
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    return folder


@pytest.fixture(scope="module")
def tables(exported: Path) -> dict[str, pd.DataFrame]:
    """Every table of the GeoPackage but QGIS's styles, as pyogrio reads it."""
    gpkg = exported / GPKG_NAME
    names = [str(n) for n, _ in pyogrio.list_layers(gpkg) if n not in SKIPPED_TABLES]
    return {n: pyogrio.read_dataframe(gpkg, layer=n) for n in names}


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in a canonical order (FlatGeobuf's spatial index reorders them)."""
    data = pd.DataFrame(frame).copy()
    if isinstance(frame, gpd.GeoDataFrame):
        data[frame.geometry.name] = shapely.to_wkb(frame.geometry.values, hex=True)
    key = pd.util.hash_pandas_object(data, index=False)
    return data.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


def test_the_default_has_spatial_layers_and_tables(tables: dict[str, pd.DataFrame]) -> None:
    spatial = [n for n, t in tables.items() if isinstance(t, gpd.GeoDataFrame)]
    plain = [n for n, t in tables.items() if not isinstance(t, gpd.GeoDataFrame)]
    assert {"street_segments", "areas", "lamps", "buildings"} <= set(spatial)
    assert {"run_metadata", "light_darkness"} <= set(plain)
    assert "incidents" not in tables  # the raw points are not in the GeoPackage by default


def test_geoparquet_reads_back_as_the_geopackage(
    exported: Path, tables: dict[str, pd.DataFrame]
) -> None:
    files = sorted(p.stem for p in (exported / "geoparquet").iterdir())
    assert files == sorted(tables)
    for name, table in tables.items():
        path = exported / "geoparquet" / f"{name}.parquet"
        if isinstance(table, gpd.GeoDataFrame):
            back = gpd.read_parquet(path)
            assert back.crs == table.crs and back.crs.to_epsg() == 3067, name
            assert back.geometry.geom_equals_exact(table.geometry, 0).all(), name
        else:
            back = pd.read_parquet(path)
        assert list(back.columns) == list(table.columns), name
        pd.testing.assert_frame_equal(pd.DataFrame(back), pd.DataFrame(table), obj=name)


def test_geoparquet_is_version_1_1_with_a_bbox_covering(
    exported: Path, tables: dict[str, pd.DataFrame]
) -> None:
    for name, table in tables.items():
        schema = pq.read_schema(exported / "geoparquet" / f"{name}.parquet")
        if not isinstance(table, gpd.GeoDataFrame):
            assert b"geo" not in (schema.metadata or {}), name  # plain Parquet
            continue
        geo = json.loads(schema.metadata[b"geo"])
        assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry", name
        column = geo["columns"]["geometry"]
        assert column["encoding"] == "WKB"
        assert column["crs"]["id"] == {"authority": "EPSG", "code": 3067}
        assert column["covering"]["bbox"] == {
            "xmin": ["bbox", "xmin"],
            "ymin": ["bbox", "ymin"],
            "xmax": ["bbox", "xmax"],
            "ymax": ["bbox", "ymax"],
        }
        bbox = pq.read_table(exported / "geoparquet" / f"{name}.parquet", columns=["bbox"])
        xmin = bbox.column("bbox").combine_chunks().field("xmin").to_numpy()
        valid = table.geometry.notna().to_numpy()
        np.testing.assert_array_equal(xmin[valid], table.geometry.bounds["minx"].to_numpy()[valid])


def test_flatgeobuf_reads_back_as_the_geopackage(
    exported: Path, tables: dict[str, pd.DataFrame]
) -> None:
    spatial = {n: t for n, t in tables.items() if isinstance(t, gpd.GeoDataFrame)}
    files = sorted(p.stem for p in (exported / "fgb").iterdir())
    assert files == sorted(spatial)  # tables without geometry have no FlatGeobuf
    for name, table in spatial.items():
        path = exported / "fgb" / f"{name}.fgb"
        back = gpd.read_file(path)
        assert back.crs == table.crs, name
        assert list(back.columns) == list(table.columns), name
        assert len(back) == len(table), name
        pd.testing.assert_frame_equal(_rows(back), _rows(table), obj=name)
        assert pyogrio.read_info(path)["capabilities"]["fast_spatial_filter"], name  # indexed


def test_pmtiles_hold_the_segments_and_areas(
    exported: Path, tables: dict[str, pd.DataFrame]
) -> None:
    assert sorted(p.name for p in (exported / "pmtiles").iterdir()) == sorted(
        f"{n}.pmtiles" for n in TILED_LAYERS
    )
    ids = {"street_segments": "segment_id", "areas": "area_id"}
    for name in TILED_LAYERS:
        path = exported / "pmtiles" / f"{name}.pmtiles"
        assert [str(n) for n, _ in pyogrio.list_layers(path)] == [name]
        info = pyogrio.read_info(path, layer=name)
        meta = info["dataset_metadata"]
        assert (meta["minzoom"], meta["maxzoom"]) == (str(MINZOOM), str(MAXZOOM))
        assert info["crs"] == "EPSG:3857" and info["features"] > 0
        header = path.read_bytes()[:127]  # the PMTiles 3 header (protomaps/PMTiles spec)
        assert header[:8] == b"PMTiles\x03"
        assert (header[99], header[100], header[101]) == (1, MINZOOM, MAXZOOM)  # MVT tiles
        tiles = pyogrio.read_dataframe(path, layer=name, ZOOM_LEVEL=str(MAXZOOM))
        table = tables[name]
        assert isinstance(table, gpd.GeoDataFrame)
        # features are cut at tile edges: every one is there at the deepest zoom
        assert set(tiles[ids[name]]) == set(table[ids[name]])
        carried = tile_columns(name, list(table.columns))
        assert list(tiles.columns) == ["mvt_id", *carried, "geometry"]
        expected = table.to_crs(3857).total_bounds
        np.testing.assert_allclose(tiles.total_bounds, expected, atol=1.0)  # 7.5 cm at zoom 16


def test_tile_columns_are_what_the_maps_draw(tables: dict[str, pd.DataFrame]) -> None:
    columns = tile_columns("street_segments", list(tables["street_segments"].columns))
    assert columns[:3] == ["segment_id", "name", "highway"]
    assert {"light_class", "eyes_night", "safe_space_score", "incidents_per_100m_eb"} <= set(
        columns
    )
    assert len(columns) < 20 < len(tables["street_segments"].columns)


def test_formats_are_checked_and_described() -> None:
    assert FORMATS == ("gpkg", "geoparquet", "fgb", "pmtiles")
    assert set(FORMAT_DESCRIPTIONS) == set(FORMATS)
    assert all("\n" not in d and len(d) < 200 for d in FORMAT_DESCRIPTIONS.values())
    assert set(FORMAT_FOLDERS.values()) == OUTPUT_FORMAT_FOLDERS
    assert check_formats(["FGB", " gpkg", "fgb"]) == ("gpkg", "fgb")
    with pytest.raises(ConfigError, match="'shapefile'.*gpkg, geoparquet, fgb, pmtiles"):
        check_formats(["fgb", "shapefile"])


def test_a_folder_without_a_geopackage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=f"{GPKG_NAME} does not exist"):
        write_formats(tmp_path, ["fgb"])
    with pytest.raises(ConfigError):  # the formats are checked first
        write_formats(tmp_path, ["tiff"])
    assert write_formats(tmp_path, []) == []


def _small_run(folder: Path) -> None:
    line = shapely.LineString([(385_000, 6_672_000), (385_100, 6_672_050)])
    square = shapely.box(384_900, 6_671_900, 385_200, 6_672_200)
    write_layers(
        folder,
        {
            "street_segments": gpd.GeoDataFrame(
                {"segment_id": [1], "highway": ["footway"]}, geometry=[line], crs=3067
            ),
            "areas": gpd.GeoDataFrame(
                {"area_id": [7], "name": ["Kamppi"]}, geometry=[square], crs=3067
            ),
        },
        {"safespaces_version": "test"},
    )


def test_a_failed_write_leaves_every_format_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_run(tmp_path)
    write_formats(tmp_path, ["geoparquet"])
    before = snapshot(tmp_path)

    def full_disk(*args: object, **kwargs: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(formats, "_write_tiles", full_disk)
    with pytest.raises(OutputError, match="cannot write street_segments as pmtiles.*space"):
        write_formats(tmp_path, ["geoparquet", "fgb", "pmtiles"])
    assert snapshot(tmp_path) == before  # geoparquet as it was, no fgb, nothing left behind
    assert not (tmp_path / "fgb").exists()
    monkeypatch.undo()
    written = write_formats(tmp_path, ["geoparquet", "pmtiles"])
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "geoparquet/street_segments.parquet",
        "geoparquet/areas.parquet",
        "geoparquet/run_metadata.parquet",
        "pmtiles/street_segments.pmtiles",
        "pmtiles/areas.pmtiles",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geoparquet", "pmtiles", GPKG_NAME]


def test_format_folders_are_outputs_with_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out) as folder:
        _small_run(folder.path)
        write_formats(folder.path, ["fgb", "geoparquet"])
    files = json.loads((out / MANIFEST).read_text("utf-8"))["files"]
    assert {"fgb/areas.fgb", "geoparquet/run_metadata.parquet", GPKG_NAME} <= set(files)
    assert is_whole_output(out)
    with output_folder(out, keep_existing=True) as folder:
        pass  # a later command without formats: they would no longer match the GeoPackage
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, GPKG_NAME]


@pytest.mark.parametrize("suffix", [".parquet", ".fgb", ".pmtiles"])
def test_a_short_write_is_detected(exported: Path, tmp_path: Path, suffix: str) -> None:
    folder = {".parquet": "geoparquet", ".fgb": "fgb", ".pmtiles": "pmtiles"}[suffix]
    source = exported / folder / f"areas{suffix}"
    data = source.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) * 2 // 3])
    check_file(source)
    with pytest.raises(OutputError, match="not written completely"):
        check_file(cut)
