"""Google Health API v4 adapter against the bundled `health v4` discovery document."""

import json
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

from googleapiclient.http import HttpMockSequence

from app.services.health.health_api_client import (
    ROLLUPS,
    HealthApiProvider,
    build_health_service,
)

OK = {"status": "200", "content-type": "application/json"}


def civil(d: date) -> dict:
    return {"date": {"year": d.year, "month": d.month, "day": d.day}}


def point(d: date, **value) -> dict:
    return {
        "civilStartTime": civil(d),
        "civilEndTime": civil(date.fromordinal(d.toordinal() + 1)),
        **value,
    }


def test_daily_rollup_requests_and_parsing():
    start, end = date(2026, 3, 28), date(2026, 3, 31)  # 3 days across the DST change
    day1, day2 = date(2026, 3, 28), date(2026, 3, 29)
    replies = {
        "steps": [
            {"rollupDataPoints": [point(day1, steps={"countSum": "8123"})], "nextPageToken": "p2"},
            {"rollupDataPoints": [point(day2, steps={"countSum": "15000"})]},
        ],
        "distance": [{"rollupDataPoints": [point(day1, distance={"millimetersSum": "6012440"})]}],
        "total-calories": [{"rollupDataPoints": [point(day1, totalCalories={"kcalSum": 2210.5})]}],
        "active-minutes": [
            {
                "rollupDataPoints": [
                    point(
                        day1,
                        activeMinutes={
                            "activeMinutesRollupByActivityLevel": [
                                {"activityLevel": "LIGHT", "activeMinutesSum": "20"},
                                {"activityLevel": "VIGOROUS", "activeMinutesSum": "21"},
                            ]
                        },
                    )
                ]
            }
        ],
        "active-zone-minutes": [
            {
                "rollupDataPoints": [
                    point(
                        day1,
                        activeZoneMinutes={
                            "sumInFatBurnHeartZone": "8",
                            "sumInCardioHeartZone": "4",
                        },
                    )
                ]
            }
        ],
        "heart-rate": [
            {
                "rollupDataPoints": [
                    point(
                        day1,
                        heartRate={
                            "beatsPerMinuteAvg": 71.5,
                            "beatsPerMinuteMax": 140,
                            "beatsPerMinuteMin": 52,
                        },
                    )
                ]
            }
        ],
        "weight": [{"rollupDataPoints": [point(day2, weight={"weightGramsAvg": 82350.0})]}],
    }
    sleep = {
        "dataPoints": [
            {
                "name": "users/me/dataTypes/sleep/dataPoints/n1",
                "sleep": {
                    "interval": {
                        "startTime": "2026-03-28T22:30:00Z",
                        "endTime": "2026-03-29T05:00:00Z",
                        "civilEndTime": {**civil(day2), "time": {"hours": 7}},
                    },
                    "summary": {"minutesAsleep": "361", "minutesAwake": "29"},
                },
            }
        ]
    }
    resting = {
        "dataPoints": [
            {
                "dailyRestingHeartRate": {
                    "date": {"year": 2026, "month": 3, "day": 28},
                    "beatsPerMinute": "54",
                }
            }
        ]
    }
    sequence = []
    for rollup in ROLLUPS:
        sequence += [(OK, json.dumps(r)) for r in replies[rollup.data_type]]
    sequence += [(OK, json.dumps(sleep)), (OK, json.dumps(resting))]
    http = HttpMockSequence(sequence)
    service = build_health_service(http=http, api_endpoint="http://127.0.0.1:9/")
    days = HealthApiProvider(service).fetch_days(start, end)

    assert [d.day for d in days] == [day1, day2]
    first, second = days
    assert first.steps == 8123 and second.steps == 15000  # second page followed
    assert first.distance_m == Decimal("6012.44")
    assert first.calories_kcal == Decimal("2210.50")
    assert first.active_minutes == 41
    # 8 fat-burn points (8 minutes) + 4 cardio points (2 minutes): 10 minutes, 12 points.
    assert (first.heart_minutes, first.heart_points) == (10, 12)
    assert first.avg_heart_rate == Decimal("71.50")
    assert second.weight_kg == Decimal("82.35")
    assert first.sleep_minutes is None and second.sleep_minutes == 361
    assert first.resting_heart_rate == Decimal("54.00")

    uri, method, body, _ = http.request_sequence[0]
    assert method == "POST"
    assert urlparse(uri).path == "/v4/users/me/dataTypes/steps/dataPoints:dailyRollUp"
    assert json.loads(body) == {
        "range": {"start": civil(start), "end": civil(end)},
        "windowSizeDays": 1,
    }
    assert json.loads(http.request_sequence[1][2])["pageToken"] == "p2"
    sleep_uri = http.request_sequence[-2][0]
    # the reconciled stream (one per night across devices), not `list`
    assert urlparse(sleep_uri).path == "/v4/users/me/dataTypes/sleep/dataPoints:reconcile"
    assert parse_qs(urlparse(sleep_uri).query)["filter"] == [
        'sleep.interval.civil_end_time >= "2026-03-28" AND '
        'sleep.interval.civil_end_time < "2026-03-31"'
    ]
    rest_uri = http.request_sequence[-1][0]
    assert "/dataTypes/daily-resting-heart-rate/dataPoints" in rest_uri


def test_fourteen_day_windows_cover_every_rollup_limit():
    start, end = date(2026, 1, 1), date(2026, 2, 1)  # 31 days
    http = HttpMockSequence([(OK, "{}")] * 27)
    service = build_health_service(http=http, api_endpoint="http://127.0.0.1:9/")
    HealthApiProvider(service).fetch_days(start, end)

    ranges: dict[str, list] = {}
    for uri, method, body, _ in http.request_sequence:
        if method != "POST":
            continue  # sleep and resting heart rate lists
        data_type = urlparse(uri).path.split("/")[5]
        r = json.loads(body)["range"]
        ranges.setdefault(data_type, []).append(
            (
                r["start"]["date"]["day"],
                r["start"]["date"]["month"],
                r["end"]["date"]["day"],
                r["end"]["date"]["month"],
            )
        )
    # A sync window is 14 days (the smallest roll-up limit): one request per type and window,
    # so a failed window is 14 days, not 90.
    assert ranges["heart-rate"] == [(1, 1, 15, 1), (15, 1, 29, 1), (29, 1, 1, 2)]
    assert ranges["steps"] == ranges["total-calories"] == ranges["heart-rate"]
    assert ranges["active-zone-minutes"] == ranges["weight"] == ranges["heart-rate"]
    assert len(http.request_sequence) == 3 * (7 + 2)
