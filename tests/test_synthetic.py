"""The SYNTHETIC demo data: reproducible, calibrated, labelled."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from safespaces.synthetic import INCIDENT_FILE, TENURE_FILE, write_demo_data


def test_committed_files_equal_a_fresh_generation(tmp_path: Path) -> None:
    written = write_demo_data(tmp_path)
    for path, committed in zip(written, [TENURE_FILE, INCIDENT_FILE], strict=True):
        assert path.read_text() == committed.read_text(), f"regenerate {committed.name}"


def test_tenure_shares_match_helsinki_stock() -> None:
    tenure = pd.read_csv(TENURE_FILE)
    counts = tenure.filter(like="tenure_").sum()
    shares = counts / counts.sum()
    # Helsinki stock: ~19 % ARA rental, ~3 % right-of-occupancy, ~41 % owner-occupied
    # (owner + Hitas), the rest rented on the market or other
    assert abs(shares["tenure_ara_rental"] - 0.19) < 0.01
    assert abs(shares["tenure_right_of_occupancy"] - 0.03) < 0.01
    assert abs(shares["tenure_owner"] + shares["tenure_hitas_owner"] - 0.41) < 0.015
    assert tenure["synthetic"].all()


def test_incidents_are_labelled_and_timed() -> None:
    incidents = pd.read_csv(INCIDENT_FILE)
    assert incidents["synthetic"].all()
    assert len(incidents) == 2500
    date_only = incidents["time"].str.len() == 10
    assert 0.01 < date_only.mean() < 0.06
    hours = pd.to_datetime(incidents.loc[~date_only, "time"], format="ISO8601", utc=True)
    assert hours.dt.year.eq(2025).mean() > 0.99
