"""Regenerate the input-loader cases of the second corpus (``inputs.toml``).

Ordinary files as cities and portals export them, and hostile ones: a lamp register with
its own ``lamp_id``/``source``/``name``/``NAME`` columns, a police.uk-style export with a
``Month`` only, a US-portal-style export with ``incident_id``/``occurred_at``, census-like
block groups with ``NAME``, GeoJSON with ``fid``/``geom`` properties, GML, a GeoPackage
holding an attribute table, dates in 1650/1899/2150, infinite and huge numbers, a
semicolon CSV with commas in its header, holes larger than their polygon, a NUL inside a
name, a lamp at 0,0. Every file is synthesised here (deterministic; no real person's data):
coordinates fall in the embedded Helsinki default (lon 24.9352-24.9534, lat
60.1642-60.1791) unless the case is about coordinates; tenure rows use real OpenStreetMap
building ids of that extract (as ``safespaces/data/helsinki/tenure_SYNTHETIC.csv`` does).

    python tests/data/real/make_inputs.py
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

# GeoPackage timestamps fixed, so that the files regenerate byte for byte
os.environ["OGR_CURRENT_DATE"] = "2025-01-01T00:00:00.000Z"

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

HERE = Path(__file__).resolve().parent

#: Real OSM way ids of buildings in the embedded Helsinki extract, with a point inside each.
BUILDINGS = [
    (4253124, 24.9511277, 60.1699349),
    (15243643, 24.9371573, 60.1680097),
    (15244406, 24.9365841, 60.167386),
    (16958223, 24.9494742, 60.1703146),
    (16958331, 24.9512701, 60.1729417),
    (17341306, 24.9477958, 60.1681394),
    (17341473, 24.9497973, 60.1681317),
    (17358659, 24.9485794, 60.1716615),
]
TENURE_HEADER = (
    "tenure_ara_rental,tenure_right_of_occupancy,tenure_hitas_owner,tenure_owner,"
    "tenure_private_rental,tenure_other"
)

#: Lamp positions along streets of the extract (lon, lat).
LAMPS = [
    (24.94020, 60.17010),
    (24.94160, 60.17010),
    (24.94300, 60.16940),
    (24.94450, 60.16880),
    (24.94600, 60.16990),
    (24.94750, 60.17100),
    (24.94880, 60.17200),
    (24.93800, 60.16700),
]

#: Incident positions (lon, lat) in the extract.
SPOTS = [
    (24.9412, 60.1699),
    (24.9436, 60.1688),
    (24.9455, 60.1702),
    (24.9470, 60.1712),
    (24.9395, 60.1673),
    (24.9501, 60.1721),
]
OFFENCES = ["Anti-social behaviour", "Violence and sexual offences", "Shoplifting", "Burglary"]


def write(name: str, text: str | bytes) -> None:
    path = HERE / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="\n")


def csv_lines(header: str, rows: list[str]) -> str:
    return header + "\n" + "\n".join(rows) + "\n"


def box(lon: float, lat: float, dlon: float = 0.006, dlat: float = 0.004) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + dlon, lat + dlat)


def districts() -> list[shapely.Polygon]:
    """Four blocks covering the middle of the extract."""
    return [
        box(24.9360, 60.1650),
        box(24.9420, 60.1650),
        box(24.9360, 60.1690),
        box(24.9420, 60.1690),
    ]


def feature_collection(features: list[dict[str, object]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1)


def polygon_feature(props: dict[str, object], rings: list[list[list[float]]]) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def ring(geom: shapely.Polygon) -> list[list[float]]:
    return [[round(x, 7), round(y, 7)] for x, y in geom.exterior.coords]


# --- lamp registers -----------------------------------------------------------------------


def lamps() -> None:
    rows = [
        f"HKI-{1001 + i:06d},{lon:.5f},{lat:.5f},{8 if i % 2 else 10},Helen survey 2019,"
        f"{'Mannerheimintie' if i < 4 else 'Esplanadi'},{'PYLVÄS' if i % 3 else 'SEINÄ'}"
        for i, (lon, lat) in enumerate(LAMPS)
    ]
    write(
        "lamps_own_lamp_id.csv",
        csv_lines("lamp_id,lon,lat,height_m,source,name,NAME", rows),
    )
    dup = [
        f"{1001 + i // 2},{lon:.5f},{lat:.5f},{'' if i == 3 else 6}"
        for i, (lon, lat) in enumerate(LAMPS)
    ]
    write("lamps_duplicate_lamp_id.csv", csv_lines("LAMP_ID,Longitude,Latitude,height_m", dup))
    feats: list[dict[str, object]] = [
        {
            "type": "Feature",
            "properties": {
                "fid": f"L{i}",
                "geom": "point",
                "Lamp_Id": f"K{i:04d}",
                "Height_M": 7.5,
                "light_context": "park",
            },
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for i, (lon, lat) in enumerate(LAMPS)
    ]
    write("lamps_fid_geom.geojson", feature_collection(feats))
    semi = [
        f'{lon:.5f};{lat:.5f};{6 + i % 3};"LED, 4000 K";Pole {i}' for i, (lon, lat) in enumerate(LAMPS)
    ]
    write("lamps_semicolon_comma_header.csv", csv_lines("lon;lat;height_m;type, colour;note", semi))
    rows = [f"{lon:.5f},{lat:.5f},8" for lon, lat in LAMPS] + ["0,0,8"]
    write("lamps_null_island.csv", csv_lines("lon,lat,height_m", rows))
    far = [f"{lon - 10:.5f},{lat - 10:.5f},8" for lon, lat in LAMPS]
    write("lamps_all_far_away.csv", csv_lines("lon,lat,height_m", far))
    rows = [f"{lon:.5f},{lat:.5f},8" for lon, lat in LAMPS]
    rows[4] = f"{LAMPS[4][0]:.5f},{LAMPS[4][1]:.5f},inf"
    write("lamps_height_inf.csv", csv_lines("lon,lat,height_m", rows))
    rows = [f"{lon:.5f},{lat:.5f},8" for lon, lat in LAMPS]
    rows[2] = f"Infinity,{LAMPS[2][1]:.5f},8"
    write("lamps_lon_infinity.csv", csv_lines("lon,lat,height_m", rows))
    rows = [f"{lon:.5f},{lat:.5f},8,Pole {i}" for i, (lon, lat) in enumerate(LAMPS)]
    rows[5] = f"{LAMPS[5][0]:.5f},{LAMPS[5][1]:.5f},8,Pole\x005"
    write("lamps_nul_in_name.csv", csv_lines("lon,lat,height_m,name", rows))
    table = pd.DataFrame(
        {"lamp_id": [f"HKI-{i}" for i in range(4)], "height_m": [8, 8, 10, 6], "lumen": 6000}
    )
    pyogrio.write_dataframe(table, HERE / "lamps_attribute_table.gpkg", layer="valaisimet")


# --- incidents ------------------------------------------------------------------------------


def incidents() -> None:
    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context"
    )
    rows = []
    for i in range(24):
        lon, lat = SPOTS[i % len(SPOTS)]
        crime = OFFENCES[i % len(OFFENCES)]
        crime_id = "" if crime == "Anti-social behaviour" else f"{i * 7919 + 104729:064x}"
        outcome = "" if not crime_id else "Investigation complete; no suspect identified"
        rows.append(
            f"{crime_id},2025-{1 + i % 3:02d},Example Police,Example Police,{lon:.6f},{lat:.6f},"
            f"On or near Example Street,E0100{i % 4:04d},Example 00{i % 4}A,{crime},"
            f'"{outcome}",'
        )
    write("incidents_police_uk_month.csv", csv_lines(header, rows))
    rows = [
        f"{250000 + i},2025-0{1 + i % 6}-{10 + i % 15}T{(i * 5) % 24:02d}:{(i * 13) % 60:02d}:00,"
        f"{['THEFT', 'ASSAULT', 'VANDALISM'][i % 3]},{100 + i} EXAMPLE ST,"
        f"{SPOTS[i % 6][1]:.6f},{SPOTS[i % 6][0]:.6f}"
        for i in range(30)
    ]
    write(
        "incidents_us_portal.csv",
        csv_lines("incident_id,occurred_at,offense,address,latitude,longitude", rows),
    )
    times = ["1650-05-01T12:00", "1899-12-31T23:00", "2150-01-01T00:30"] + [
        f"2025-03-{10 + i:02d}T{(i * 3) % 24:02d}:15" for i in range(15)
    ]
    rows = [
        f"{SPOTS[i % 6][0]:.6f},{SPOTS[i % 6][1]:.6f},{t},theft" for i, t in enumerate(times)
    ]
    write("incidents_years_1650_1899_2150.csv", csv_lines("lon,lat,time,category", rows))
    rows = [
        f"{SPOTS[i % 6][0]:.6f},{SPOTS[i % 6][1]:.6f},{t},theft"
        for i, t in enumerate(["1650-05-01T12:00", "2150-01-01", "1066-10-14T09:00"])
    ]
    write("incidents_all_years_out_of_range.csv", csv_lines("lon,lat,time,category", rows))
    coarse = ["2025-03", "2025", "20250330", "2025-03-30", "2025-03-30T23"]
    times = [coarse[i % 5] if i % 2 else f"2025-03-{1 + i:02d}T21:{i:02d}" for i in range(30)]
    rows = [
        f"{SPOTS[i % 6][0]:.6f},{SPOTS[i % 6][1]:.6f},{t},{['theft', 'violence'][i % 2]}"
        for i, t in enumerate(times)
    ]
    write("incidents_coarse_times.csv", csv_lines("lon,lat,time,category", rows))
    # commas in the header outnumber the semicolons, and the rows are ragged: no separator
    # splits every line alike
    rows = [
        f"{SPOTS[i % 6][0]:.6f};{SPOTS[i % 6][1]:.6f};2025-03-{10 + i}T22:00;theft"
        + (";;" if i % 2 else "")
        for i in range(6)
    ]
    write(
        "incidents_semicolon_ragged.csv",
        csv_lines("lon;lat;time;category,detail,source,x", rows),
    )


# --- tenure ---------------------------------------------------------------------------------


def tenure() -> None:
    rows = [
        f"{osm_id}.0,{lon},{lat},{i},0,{i % 3},{10 + i},{5 + i},0"
        for i, (osm_id, lon, lat) in enumerate(BUILDINGS)
    ]
    write("tenure_float_building_ids.csv", csv_lines(f"osm_building_id,lon,lat,{TENURE_HEADER}", rows))
    rows = [
        f"{osm_id},{lon},{lat},{i},0,{i % 3},{10 + i},{5 + i},0,{30 + 3 * i}"
        for i, (osm_id, lon, lat) in enumerate(BUILDINGS)
    ]
    write(
        "tenure_own_dwellings_column.csv",
        csv_lines(f"osm_building_id,lon,lat,{TENURE_HEADER},Dwellings", rows),
    )
    rows = [
        f"{osm_id},{lon},{lat},{'1e308' if i == 3 else i},0,0,{10 + i},0,0"
        for i, (osm_id, lon, lat) in enumerate(BUILDINGS)
    ]
    write("tenure_dwellings_1e308.csv", csv_lines(f"osm_building_id,lon,lat,{TENURE_HEADER}", rows))
    rows = [
        f"{osm_id},{lon},{lat},{i},0,0,{'inf' if i == 2 else 10 + i},0,0"
        for i, (osm_id, lon, lat) in enumerate(BUILDINGS)
    ]
    write("tenure_dwellings_inf.csv", csv_lines(f"osm_building_id,lon,lat,{TENURE_HEADER}", rows))
    blocks = districts()
    outer = box(24.9300, 60.1600, 0.03, 0.02)
    feats = [
        polygon_feature(
            {"area": f"A{i}", "tenure": "owner", "dwellings": 100 + i}, [ring(geom)]
        )
        for i, geom in enumerate(blocks)
    ]
    # the last block's rings in the wrong order: its "hole" is a larger rectangle around it
    feats[-1]["geometry"]["coordinates"] = [ring(blocks[-1]), ring(outer)]  # type: ignore[index]
    write("tenure_hole_larger_than_shell.geojson", feature_collection(feats))


# --- areas ----------------------------------------------------------------------------------


def areas() -> None:
    blocks = districts()
    census = gpd.GeoDataFrame(
        {
            "STATEFP": ["24"] * 4,
            "COUNTYFP": ["510"] * 4,
            "TRACTCE": ["110100", "110100", "110200", "110200"],
            "BLKGRPCE": ["1", "2", "1", "2"],
            "GEOID": ["245101101001", "245101101002", "245101102001", "245101102002"],
            "NAMELSAD": [f"Block Group {n}" for n in (1, 2, 1, 2)],
            "NAME": [
                "Block Group 1; Census Tract 1101; Example City; Maryland",
                "Block Group 2; Census Tract 1101; Example City; Maryland",
                "Block Group 1; Census Tract 1102; Example City; Maryland",
                "Block Group 2; Census Tract 1102; Example City; Maryland",
            ],
            "ALAND": [212000, 198000, 205000, 221000],
            "AWATER": [0, 0, 1200, 0],
            "Mix_Entropy": [0.4, 0.5, 0.6, 0.7],
            "Residents_Est": [820, 640, 700, 910],
        },
        geometry=blocks,
        crs="EPSG:4269",
    )
    census.to_file(HERE / "areas_census_block_groups.gpkg", layer="block_groups", engine="pyogrio")
    feats = [
        polygon_feature(
            {
                "fid": 10 + i,
                "geom": "polygon",
                "NAME": f"Kortteli {i + 1}",
                "Name": f"Block {i + 1}",
                "incidents_count": 3,
                "AREA_ID": f"K{i + 1}",
            },
            [ring(geom)],
        )
        for i, geom in enumerate(blocks)
    ]
    write("areas_fid_geom_fields.geojson", feature_collection(feats))
    gml = gpd.GeoDataFrame(
        {
            "nimi": ["Kamppi", "Kluuvi", "Punavuori", "Kaartinkaupunki"],
            "NAME": ["a", "b", "c", "d"],
            "fid": [101, 102, 103, 104],
            "geom": ["alue"] * 4,
        },
        geometry=blocks,
        crs="EPSG:4326",
    ).to_crs("EPSG:3067")
    path = HERE / "areas_districts.gml"
    pyogrio.write_dataframe(gml, path, driver="GML", layer="districts")
    for side in (path.with_suffix(".xsd"), path.with_suffix(".gfs")):
        side.unlink(missing_ok=True)
    table = pd.DataFrame({"district": ["Kamppi", "Kluuvi"], "population": [12000, 500]})
    pyogrio.write_dataframe(table, HERE / "areas_attribute_table.gpkg", layer="vaesto")
    outer = box(24.9300, 60.1600, 0.03, 0.02)
    feats = [polygon_feature({"name": f"D{i}"}, [ring(g)]) for i, g in enumerate(blocks)]
    feats[1]["geometry"]["coordinates"] = [ring(blocks[1]), ring(outer)]  # type: ignore[index]
    write("areas_hole_larger_than_shell.geojson", feature_collection(feats))
    feats = [polygon_feature({"name": f"D{i}"}, [ring(g)]) for i, g in enumerate(blocks)]
    feats[3]["geometry"]["coordinates"][0].pop()  # type: ignore[index]
    write("areas_unclosed_ring.geojson", feature_collection(feats))
    feats = [polygon_feature({"name": f"D{i}"}, [ring(g)]) for i, g in enumerate(blocks)]
    feats[2]["properties"]["name"] = "Kamppi\x00 (old name: Kampen)"  # type: ignore[index]
    write("areas_nul_in_name.geojson", feature_collection(feats))
    path = HERE / "areas_nul_in_name.gpkg"
    path.unlink(missing_ok=True)
    gpd.GeoDataFrame(
        {"name": ["Kamppi", "Kluuvi", "Punavuori", "Kaartinkaupunki"]},
        geometry=blocks,
        crs="EPSG:4326",
    ).to_file(path, layer="districts", engine="pyogrio", SPATIAL_INDEX="NO")
    with sqlite3.connect(path) as con:  # GDAL itself never writes a NUL into text
        con.execute(
            "UPDATE districts SET name = CAST(? AS TEXT) WHERE fid = 2",
            ("Kluuvi\x00 DROP".encode(),),
        )


def main() -> None:
    for old in HERE.glob("*.gpkg"):  # written afresh (GDAL would update them in place)
        old.unlink()
    lamps()
    incidents()
    tenure()
    areas()


if __name__ == "__main__":
    main()
