"""The numbers behind heart_minutes / heart_points and sleep deduplication."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.services.health.health_api_client import zone_minutes, zone_points
from app.services.health.sleep import SleepSpan, minutes_by_day, one_per_night


@pytest.mark.parametrize(
    ("value", "minutes", "points"),
    [
        # 30 fat-burn minutes, 20 cardio minutes, 5 peak minutes: 30 + 40 + 10 = 80 points.
        ({"sumInFatBurnHeartZone": "30", "sumInCardioHeartZone": "40",
          "sumInPeakHeartZone": "10"}, 55, 80),
        ({"sumInFatBurnHeartZone": "12"}, 12, 12),  # easy day: points = minutes
        ({"sumInCardioHeartZone": "60"}, 30, 60),  # hard day: points = 2 x minutes
        ({"sumInFatBurnHeartZone": "0", "sumInPeakHeartZone": "0"}, 0, 0),
        ({}, None, None),  # nothing known stays unknown, not 0
    ],
)
def test_zone_points_become_minutes(value, minutes, points):
    assert zone_minutes(value) == minutes
    assert zone_points(value) == points


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def span(start: datetime, end: datetime, asleep: int) -> SleepSpan:
    return SleepSpan(start, end, asleep, end.date())


def test_two_devices_one_night_count_once():
    watch = span(at(1, 22), at(2, 6), 441)  # the watch's stages: 441 min asleep
    phone = span(at(1, 22, 30), at(2, 6, 15), 465)  # the phone app's longer guess
    assert minutes_by_day([watch, phone]) == {date(2026, 12, 2): 465}  # not 906


def test_a_nap_and_the_night_both_count():
    night = span(at(1, 22), at(2, 6), 450)
    nap = span(at(2, 13), at(2, 13, 40), 35)
    assert minutes_by_day([nap, night]) == {date(2026, 12, 2): 485}


def test_overlap_is_transitive_and_touching_is_not_overlap():
    a = span(at(1, 22), at(2, 2), 200)
    b = span(at(2, 1), at(2, 5), 210)  # overlaps a
    c = span(at(2, 4), at(2, 7), 150)  # overlaps b only: still the same night
    d = span(at(2, 7), at(2, 8), 50)  # starts when c ends: a separate sleep
    kept = one_per_night([c, a, d, b])
    assert [(s.start, s.minutes_asleep) for s in kept] == [(at(2, 1), 210), (at(2, 7), 50)]
    assert minutes_by_day([a, b, c, d]) == {date(2026, 12, 2): 260}


def test_nights_on_different_days_stay_apart():
    nights = [span(at(d, 22), at(d, 22) + timedelta(hours=8), 400 + d) for d in (1, 2, 3)]
    assert minutes_by_day(nights) == {date(2026, 12, 2): 401, date(2026, 12, 3): 402,
                                      date(2026, 12, 4): 403}
