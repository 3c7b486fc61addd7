"""Print the README's Helsinki figures from a run's GeoPackage, so every number is reproducible.

Usage: safespaces run --out /tmp/h && python tools/readme_figures.py /tmp/h/safespaces.gpkg
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pyogrio

from safespaces.io import read_metadata

STREETS = (
    "Aleksanterinkatu",
    "Uudenmaankatu",
    "Kluuvikatu",
    "Eerikinkatu",
    "Annankatu",
    "Kalevankatu",
)


def table(frame: pd.DataFrame) -> str:
    """A Markdown table."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def main(path: str) -> None:
    """Print every figure."""
    meta = read_metadata(path)
    summary = json.loads(meta["summary"])
    print("## run\n", {k: v for k, v in summary.items() if not isinstance(v, dict)})
    print("stage seconds", meta.get("stage_seconds"))

    shares = pyogrio.read_dataframe(path, layer="light_class_shares")
    shares["km"] = (shares["length_m"] / 1000).round(2)
    shares["share"] = (100 * shares["share"]).round(1).astype(str) + " %"
    print("\n## lighting\n" + table(shares[["light_class", "km", "share"]]))
    conflicts = pyogrio.read_dataframe(path, layer="light_tag_conflicts")
    conflicts["km"] = (conflicts["length_m"] / 1000).round(2)
    print(table(conflicts[["light_tag_conflict", "segments", "km"]]))
    print(json.dumps({k: v for k, v in summary["lighting"].items() if "public" in k}))

    seg = pyogrio.read_dataframe(path, layer="street_segments", read_geometry=False)
    rows = []
    for street in STREETS:
        s = seg[seg["name"] == street]
        if s.empty:
            continue
        w = s["length_m"].to_numpy(float)
        rows.append(
            [street]
            + [
                round(float(np.average(s[c].to_numpy(float), weights=w)), 1)
                for c in ("eyes_day", "eyes_h12", "eyes_h23", "eyes_night")
            ]
        )
    print("\n## eyes (named segments, length-weighted)")
    print(table(pd.DataFrame(rows, columns=["street", "day", "12:00", "23:00", "night"])))
    print(json.dumps(summary["eyes"]["length_weighted_mean"])[:200])

    if "mix" in summary:
        mix = summary["mix"]
        print("\n## mix")
        for key in (
            "multigroup_dissimilarity",
            "multigroup_gini",
            "theil_h",
            "simpsons_interaction",
            "multigroup_entropy",
        ):
            print(f"{key}: {mix[key]:.3f}  p={mix['p_values'].get(key)}")
        print("dissimilarity", {k: round(v, 3) for k, v in mix["dissimilarity"].items()})
        areas = pyogrio.read_dataframe(path, layer="areas", read_geometry=False)
        print("areas suppressed:", int(areas["mix_suppressed"].sum()), "of", len(areas))

    if "incidents" in summary:
        print("\n## incidents\n", json.dumps(summary["incidents"]))
        env = pyogrio.read_dataframe(path, layer="incident_environment")
        env["per 100 m"] = env["per_100m"].round(2)
        env["95 % CI"] = (
            env["per_100m_ci_low"].round(2).astype(str)
            + "–"
            + env["per_100m_ci_high"].round(2).astype(str)
        )
        env["km"] = env["length_km"].round(2)
        print(
            table(env[["variable", "group", "segments", "km", "incidents", "per 100 m", "95 % CI"]])
        )
        model = pyogrio.read_dataframe(path, layer="incident_model")
        model["IRR [95 % CI]"] = [
            f"{a:.2f} [{b:.2f}, {c:.2f}]" if status == "estimated" else f"not estimable: {note}"
            for a, b, c, status, note in zip(
                model["irr"],
                model["irr_ci_low"],
                model["irr_ci_high"],
                model["status"],
                model["note"],
                strict=True,
            )
        ]
        print(table(model[["term", "IRR [95 % CI]"]]))
    print("\n## score\n", json.dumps(summary.get("score")))


if __name__ == "__main__":
    main(sys.argv[1])
