"""Make the incident files of the privacy cases (``privacy.toml``): deterministic, synthesised.

Every point lies inside the embedded Helsinki default (box 24.9352-24.9534 E, 60.1642-60.1791 N)
unless the case is about points outside the areas. The layouts copy real exports (police.uk's
monthly street-crime CSV; a US city portal's incident export); the values are made up.

Run from anywhere: ``python tests/data/real/make_privacy.py`` rewrites the files beside it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# the central part of the default extract (the 250 m grid areas cover it; streets everywhere)
LON = (24.9380, 24.9510)
LAT = (60.1660, 60.1770)


Box = tuple[float, float]


def _points(
    rng: np.random.Generator, n: int, lon: Box = LON, lat: Box = LAT
) -> list[tuple[float, float]]:
    xs = rng.uniform(lon[0], lon[1], n)
    ys = rng.uniform(lat[0], lat[1], n)
    return [(round(float(x), 6), round(float(y), 6)) for x, y in zip(xs, ys, strict=True)]


def _times(rng: np.random.Generator, n: int) -> list[str]:
    days = rng.integers(0, 365, n)
    minutes = rng.integers(0, 24 * 60, n)
    base = np.datetime64("2025-01-01T00:00")
    return [
        str(base + np.timedelta64(int(d), "D") + np.timedelta64(int(m), "m"))
        for d, m in zip(days, minutes, strict=True)
    ]


def _csv(name: str, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    text = ",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    (HERE / name).write_text(text, encoding="utf-8", newline="")


def _simple(
    name: str,
    seed: int,
    categories: dict[str, int],
    times: Callable[[np.random.Generator, int], list[str]] | None = None,
    **area: Box,
) -> None:
    rng = np.random.default_rng(seed)
    labels = [c for c, n in categories.items() for _ in range(n)]
    pts = _points(rng, len(labels), **area)
    when = times(rng, len(labels)) if times else _times(rng, len(labels))
    rows = [[x, y, t, c] for (x, y), t, c in zip(pts, when, labels, strict=True)]
    _csv(name, ["lon", "lat", "time", "category"], rows)


def category_collision() -> None:
    # three spellings of one offence, each with enough incidents for a column of its own
    _simple(
        "privacy_category_collision.csv",
        1,
        {"Hate crime": 8, "hate-crime": 7, "HATE CRIME": 6, "Theft": 12, "Vandalism": 3},
    )


def category_suppressed_suffix() -> None:
    # "Theft suppressed" would be column incidents_cat_theft_suppressed: the flag of "Theft"
    _simple("privacy_category_flag_name.csv", 2, {"Theft": 9, "Theft suppressed": 8})


def category_non_latin() -> None:
    _simple(
        "privacy_category_non_latin.csv",
        3,
        {"Häirintä": 6, "Väkivalta": 7, "Хулиганство": 6, "骚扰": 6, "Ilkivalta": 5},
    )


def many_categories() -> None:
    # 3,000 categories: 30 common ones (6 reports each) and 2,970 seen once; zipped (small)
    rng = np.random.default_rng(4)
    labels = [f"offence type {i:04d}" for i in range(30) for _ in range(6)]
    labels += [f"offence type {i:04d}" for i in range(30, 3000)]
    pts = _points(rng, len(labels))
    when = _times(rng, len(labels))
    rows = [[x, y, t, c] for (x, y), t, c in zip(pts, when, labels, strict=True)]
    text = "lon,lat,time,category\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("privacy_3000_categories.csv", date_time=(2025, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, text)
    (HERE / "privacy_3000_categories.zip").write_bytes(buf.getvalue())


def all_outside_areas() -> None:
    # two blocks in the south-west of the extract; every incident in the north-east
    blocks = [
        [[24.9360, 60.1650], [24.9380, 60.1650], [24.9380, 60.1662], [24.9360, 60.1662]],
        [[24.9380, 60.1650], [24.9400, 60.1650], [24.9400, 60.1662], [24.9380, 60.1662]],
    ]
    features = [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        }
        for name, ring in zip(("Block A", "Block B"), blocks, strict=True)
    ]
    (HERE / "privacy_areas_two_blocks.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n",
        encoding="utf-8",
    )
    _simple(
        "privacy_all_outside_areas.csv",
        5,
        {"theft": 12, "harassment": 8},
        lon=(24.9450, 24.9520),
        lat=(60.1720, 60.1775),
    )


def fewer_than_k() -> None:
    _simple("privacy_fewer_than_k.csv", 6, {"theft": 2, "harassment": 1})


def month_only() -> None:
    def months(rng: np.random.Generator, n: int) -> list[str]:
        return [f"2025-{int(m):02d}" for m in rng.integers(1, 13, n)]

    _simple("privacy_month_only.csv", 7, {"theft": 25, "harassment": 15}, times=months)


def date_only() -> None:
    def dates(rng: np.random.Generator, n: int) -> list[str]:
        return [t[:10] for t in _times(rng, n)]

    _simple("privacy_date_only.csv", 8, {"theft": 18, "harassment": 12}, times=dates)


POLICE_UK = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]


def police_uk_layout() -> None:
    rng = np.random.default_rng(9)
    types = {
        "Anti-social behaviour": 20,
        "Violence and sexual offences": 15,
        "Shoplifting": 10,
        "Criminal damage and arson": 6,
        "Bicycle theft": 3,
    }
    labels = [c for c, n in types.items() for _ in range(n)]
    pts = _points(rng, len(labels))
    rows = []
    for i, ((x, y), crime) in enumerate(zip(pts, labels, strict=True)):
        month = f"2025-{int(rng.integers(1, 13)):02d}"
        # police.uk leaves the Crime ID and outcome empty for anti-social behaviour
        asb = crime == "Anti-social behaviour"
        crime_id = "" if asb else hashlib.sha256(f"privacy-{i}".encode()).hexdigest()
        outcome = "" if asb else "Investigation complete; no suspect identified"
        lsoa = 1000 + int(rng.integers(0, 40))
        rows.append(
            [
                crime_id,
                month,
                "Metropolitan Police Service",
                "Metropolitan Police Service",
                f"{x:.6f}",
                f"{y:.6f}",
                "On or near Esplanadi",
                f"E0100{lsoa}",
                f"Westminster {lsoa % 30:03d}A",
                crime,
                f'"{outcome}"' if outcome else "",
                "",
            ]
        )
    _csv("privacy_police_uk_layout.csv", POLICE_UK, rows)


def us_portal_layout() -> None:
    rng = np.random.default_rng(10)
    offenses = {"ASSAULT": 14, "LARCENY": 18, "BURGLARY": 9, "ROBBERY": 6, "ARSON": 2}
    labels = [c for c, n in offenses.items() for _ in range(n)]
    pts = _points(rng, len(labels))
    when = _times(rng, len(labels))
    rows = [
        [
            f"2025-{100000 + i}",
            f"25{int(rng.integers(1000000, 9999999))}",
            f"{t}:00-05:00",
            off,
            f"{int(rng.integers(1, 40)) * 100} BLOCK MAIN ST",
            f"D{int(rng.integers(1, 6))}",
            f"{y:.6f}",
            f"{x:.6f}",
        ]
        for i, ((x, y), t, off) in enumerate(zip(pts, when, labels, strict=True))
    ]
    header = [
        "incident_id",
        "case_number",
        "occurred_at",
        "offense",
        "block_address",
        "district",
        "latitude",
        "longitude",
    ]
    _csv("privacy_us_portal_layout.csv", header, rows)


def main() -> None:
    category_collision()
    category_suppressed_suffix()
    category_non_latin()
    many_categories()
    all_outside_areas()
    fewer_than_k()
    month_only()
    date_only()
    police_uk_layout()
    us_portal_layout()


if __name__ == "__main__":
    main()
