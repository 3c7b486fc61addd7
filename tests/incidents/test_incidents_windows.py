"""Light, week and month windows, including the daylight-saving changes in Europe/Helsinki."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safespaces.incidents.windows import assign_windows, darkness_for, light_window
from safespaces.sources.incidents import parse_times

TZ = "Europe/Helsinki"
LAT, LON = 60.17, 24.94


def _windows(texts: list[str], night_start_hour: int = 24) -> pd.DataFrame:
    times, hour_known, ok = parse_times(pd.Series(texts), TZ)
    assert ok.all()
    points = pd.DataFrame({"time": times, "hour_known": hour_known})
    darkness = darkness_for(points["time"], LAT, LON, TZ)
    return assign_windows(points, darkness, timezone=TZ, night_start_hour=night_start_hour)


def _civil(date: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    table = darkness_for(pd.Series(pd.to_datetime([date]).tz_localize(TZ)), LAT, LON, TZ)
    row = table[table["date"].astype(str) == date].iloc[0]
    return row["civil_dawn"], row["civil_dusk"]


def test_spring_dst_uses_local_clock() -> None:
    # 2025-03-30: clocks jump 03:00 EET -> 04:00 EEST. Civil dawn is about 06:12 EEST;
    # the day before (EET) about 05:15. 05:40 local is night after the change but day
    # before it; a time read with the wrong offset would flip both.
    dawn, _ = _civil("2025-03-30")
    assert dawn.utcoffset() == pd.Timedelta(hours=3)
    before, after = dawn - pd.Timedelta(minutes=20), dawn + pd.Timedelta(minutes=20)
    w = _windows(
        [
            "2025-03-29T05:40:00",  # EET, after dawn (05:15): day
            "2025-03-30T05:40:00",  # EEST, before dawn (06:12): night
            before.strftime("%Y-%m-%dT%H:%M:%S"),
            after.strftime("%Y-%m-%dT%H:%M:%S"),
            "2025-03-30T02:30:00+02:00",  # before the jump: night
            "2025-03-30T01:30:00Z",  # = 04:30 EEST: night
        ]
    )
    assert w["window_light"].tolist() == ["day", "night", "night", "day", "night", "night"]
    assert w["window_week"].tolist() == ["weekend"] * 6  # Saturday and Sunday


def test_autumn_dst_both_occurrences_of_the_repeated_hour() -> None:
    # 2025-10-26: 04:00 EEST -> 03:00 EET, so 03:30 happens twice; both are night.
    # Civil dusk that day is about 17:27 EET: 17:10 is day, 17:45 evening.
    w = _windows(
        [
            "2025-10-26T03:30:00+03:00",
            "2025-10-26T03:30:00+02:00",
            "2025-10-26T17:10:00",
            "2025-10-26T17:45:00",
            "2025-10-25T17:45:00",  # the day before (EEST), dusk about 18:30: day
        ]
    )
    assert w["window_light"].tolist() == ["night", "night", "day", "evening", "day"]
    assert w["window_month"].tolist() == ["10"] * 5


def test_local_date_decides_week_and_month() -> None:
    # 2025-03-31T21:30Z is 00:30 EEST on Tuesday 1 April; 2025-01-31T22:30Z is Saturday
    # 1 February 00:30 EET.
    w = _windows(["2025-03-31T21:30:00Z", "2025-01-31T22:30:00Z"])
    assert w["window_month"].tolist() == ["04", "02"]
    assert w["window_week"].tolist() == ["weekday", "weekend"]


def test_date_only_is_unknown_hour() -> None:
    w = _windows(["2025-06-01", "2025-06-01T12:00:00"])
    assert w["window_light"].tolist() == ["unknown", "day"]
    assert w["window_week"].tolist() == ["weekend", "weekend"]


def test_midsummer_dusk_after_midnight_is_day() -> None:
    # Near midsummer Helsinki's civil dusk falls after midnight (about 00:43 on 23 June).
    _, dusk = _civil("2025-06-22")
    assert dusk.date().isoformat() == "2025-06-23"
    w = _windows(["2025-06-23T00:20:00", "2025-06-23T01:20:00"])
    assert w["window_light"].tolist() == ["day", "night"]


def test_night_start_hour_splits_evening() -> None:
    w = _windows(["2025-12-10T20:00:00", "2025-12-10T23:00:00"], night_start_hour=22)
    assert w["window_light"].tolist() == ["evening", "night"]


def test_bad_night_start_hour() -> None:
    with pytest.raises(ValueError, match="night_start_hour"):
        light_window(
            pd.Series([], dtype="datetime64[ns, UTC]"),
            np.array([]),
            pd.DataFrame(),
            night_start_hour=25,
        )
