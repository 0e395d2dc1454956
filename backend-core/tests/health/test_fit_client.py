"""Google Fit adapter against the bundled discovery document and HttpMockSequence (offline)."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from googleapiclient.http import HttpMockSequence

from app.services.health.errors import MissingScopeError, ProviderShutDownError
from app.services.health.fit_client import (
    AGGREGATE_BY,
    ESTIMATED_STEPS,
    FIT_SCOPES,
    FitProvider,
    aggregate_body,
    build_fit_service,
)
from app.services.health.request_retry import RetryPolicy

WARSAW = ZoneInfo("Europe/Warsaw")
OK = {"status": "200", "content-type": "application/json"}
NO_SESSIONS = (OK, json.dumps({"session": []}))


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz=WARSAW) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=tz).timestamp() * 1000)


def local_date(millis: str) -> date:
    return datetime.fromtimestamp(int(millis) / 1000, WARSAW).date()


def point(kind: str, *values: float, start_ns: int = 0, end_ns: int = 0) -> dict:
    return {
        "startTimeNanos": str(start_ns),
        "endTimeNanos": str(end_ns),
        "value": [{kind: v, "mapVal": []} for v in values],
    }


def bucket(start_ms: int, end_ms: int, **metrics) -> dict:
    """A daily bucket with the seven datasets in request order; missing metrics are empty."""
    points = {
        0: [point("intVal", metrics["steps"])] if "steps" in metrics else [],
        1: [point("fpVal", metrics["distance"])] if "distance" in metrics else [],
        2: [point("fpVal", metrics["calories"])] if "calories" in metrics else [],
        3: [point("intVal", metrics["move"])] if "move" in metrics else [],
        4: [{"value": [{"fpVal": metrics["heart"] * 2.0}, {"intVal": metrics["heart"]}]}]
        if "heart" in metrics
        else [],
        5: [point("fpVal", *metrics["bpm"])] if "bpm" in metrics else [],
        6: [point("fpVal", *metrics["weight"])] if "weight" in metrics else [],
    }
    return {
        "startTimeMillis": str(start_ms),
        "endTimeMillis": str(end_ms),
        "dataset": [{"dataSourceId": f"derived:{i}", "point": points[i]} for i in range(7)],
    }


def service_with(responses: list) -> tuple:
    http = HttpMockSequence(responses)
    return build_fit_service(http=http, api_endpoint="http://127.0.0.1:9/"), http


def test_request_body_uses_local_day_buckets_and_estimated_steps():
    body = aggregate_body(date(2026, 3, 1), date(2026, 4, 1), WARSAW)
    assert body == {
        "aggregateBy": [
            {"dataSourceId": ESTIMATED_STEPS},
            {"dataTypeName": "com.google.distance.delta"},
            {"dataTypeName": "com.google.calories.expended"},
            {"dataTypeName": "com.google.active_minutes"},
            {"dataTypeName": "com.google.heart_minutes"},
            {"dataTypeName": "com.google.heart_rate.bpm"},
            {"dataTypeName": "com.google.weight"},
        ],
        "bucketByTime": {"period": {"type": "day", "value": 1, "timeZoneId": "Europe/Warsaw"}},
        # 2026-03-01 00:00 CET = 2026-02-28T23:00Z; 2026-04-01 00:00 CEST = 2026-03-31T22:00Z
        "startTimeMillis": str(int(datetime(2026, 2, 28, 23, tzinfo=UTC).timestamp() * 1000)),
        "endTimeMillis": str(int(datetime(2026, 3, 31, 22, tzinfo=UTC).timestamp() * 1000)),
    }
    assert "durationMillis" not in json.dumps(body)


def test_dst_day_and_empty_day_parse_into_local_dates():
    # Europe/Warsaw springs forward on 2026-03-29: that bucket is 23 hours long.
    buckets = {
        "bucket": [
            bucket(
                ms(2026, 3, 28),
                ms(2026, 3, 29),
                steps=8123,
                distance=6012.44,
                calories=2210.5,
                move=41,
                heart=12,
                bpm=(71.5, 140, 52),
                weight=(82.35, 82.5, 82.2),
            ),
            bucket(ms(2026, 3, 29), ms(2026, 3, 30), steps=15000, distance=11000.0, move=90),
            bucket(ms(2026, 3, 30), ms(2026, 3, 31)),  # phone off: no points at all
        ]
    }
    service, http = service_with([(OK, json.dumps(buckets)), NO_SESSIONS])
    days = FitProvider(service, WARSAW).fetch_days(date(2026, 3, 28), date(2026, 3, 31))

    assert [d.day for d in days] == [date(2026, 3, 28), date(2026, 3, 29)]
    first, dst = days
    assert first.steps == 8123
    assert first.distance_m == Decimal("6012.44")
    assert first.calories_kcal == Decimal("2210.50")
    assert first.active_minutes == 41
    assert first.heart_minutes == 12
    assert first.avg_heart_rate == Decimal("71.50")
    assert first.weight_kg == Decimal("82.35")
    assert dst.steps == 15000 and dst.calories_kcal is None and dst.weight_kg is None

    uri, method, body, _ = http.request_sequence[0]
    assert method == "POST"
    assert urlparse(uri).path == "/fitness/v1/users/me/dataset:aggregate"
    sent = json.loads(body)
    assert sent["startTimeMillis"] == str(ms(2026, 3, 28))
    assert sent["endTimeMillis"] == str(ms(2026, 3, 31))
    assert int(sent["endTimeMillis"]) - int(sent["startTimeMillis"]) == (3 * 24 - 1) * 3600 * 1000


def test_long_backfill_is_split_into_windows_of_at_most_90_days():
    empty = (OK, json.dumps({"bucket": []}))
    service, http = service_with([empty, NO_SESSIONS, empty, NO_SESSIONS, empty, NO_SESSIONS])
    seen: list[int] = []
    FitProvider(service, WARSAW).fetch_days(
        date(2026, 1, 1), date(2026, 7, 1), on_window=seen.append
    )

    aggregates = [json.loads(b) for u, _, b, _ in http.request_sequence if "aggregate" in u]
    starts = [
        datetime.fromtimestamp(int(b["startTimeMillis"]) / 1000, WARSAW).date() for b in aggregates
    ]
    ends = [
        datetime.fromtimestamp(int(b["endTimeMillis"]) / 1000, WARSAW).date() for b in aggregates
    ]
    assert starts == [date(2026, 1, 1), date(2026, 4, 1), date(2026, 6, 30)]
    assert ends == [date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 1)]
    assert all((e - s).days <= 90 for s, e in zip(starts, ends, strict=True))
    assert seen == [90, 90, 1]
    assert all(len(b["aggregateBy"]) == len(AGGREGATE_BY) for b in aggregates)


def test_sleep_sessions_count_asleep_stages_for_the_day_they_end():
    night_start = ms(2026, 3, 28, 23, 30)
    night_end = ms(2026, 3, 29, 7, 0)  # 6.5 real hours across the DST jump
    nap_start, nap_end = ms(2026, 3, 29, 14, 0), ms(2026, 3, 29, 14, 45)

    def seg(stage: int, a: int, b: int) -> dict:
        return point("intVal", stage, start_ns=a * 1_000_000, end_ns=b * 1_000_000)

    minute = 60_000
    segments = {
        "bucket": [
            {
                "dataset": [
                    {
                        "point": [
                            seg(4, night_start, night_start + 120 * minute),  # light
                            seg(1, night_start + 120 * minute, night_start + 135 * minute),  # awake
                            seg(5, night_start + 135 * minute, night_start + 255 * minute),  # deep
                            seg(6, night_start + 255 * minute, night_end - 15 * minute),  # REM
                            seg(3, night_end - 15 * minute, night_end),  # out of bed
                        ]
                    }
                ]
            }
        ]
    }
    sessions = {
        "session": [
            {
                "id": "n1",
                "activityType": 72,
                "startTimeMillis": str(night_start),
                "endTimeMillis": str(night_end),
            },
            {
                "id": "nap",
                "activityType": 72,
                "startTimeMillis": str(nap_start),
                "endTimeMillis": str(nap_end),
            },
            # ends after the window: belongs to a later sync
            {
                "id": "late",
                "activityType": 72,
                "startTimeMillis": str(ms(2026, 3, 29, 23)),
                "endTimeMillis": str(ms(2026, 3, 30, 6)),
            },
        ]
    }
    no_stages = {"bucket": [{"dataset": [{"point": []}]}]}
    service, http = service_with(
        [
            (OK, json.dumps({"bucket": []})),
            (OK, json.dumps(sessions)),
            (OK, json.dumps(segments)),
            (OK, json.dumps(no_stages)),
        ]
    )
    days = FitProvider(service, WARSAW).fetch_days(date(2026, 3, 29), date(2026, 3, 30))

    # night: 390 real minutes - 15 awake - 15 out of bed = 360; nap without stages: 45
    assert [(d.day, d.sleep_minutes, d.steps) for d in days] == [(date(2026, 3, 29), 405, None)]
    uri, method, _, _ = http.request_sequence[1]
    assert method == "GET"
    query = parse_qs(urlparse(uri).query)
    assert urlparse(uri).path == "/fitness/v1/users/me/sessions"
    assert query["activityType"] == ["72"]
    assert query["startTime"] == ["2026-03-28T23:00:00Z"]
    assert query["endTime"] == ["2026-03-29T22:00:00Z"]
    seg_body = json.loads(http.request_sequence[2][2])
    assert seg_body == {
        "aggregateBy": [{"dataTypeName": "com.google.sleep.segment"}],
        "startTimeMillis": str(night_start),
        "endTimeMillis": str(night_end),
    }


def test_missing_estimated_steps_source_falls_back_to_step_count_delta():
    missing = (
        {"status": "400", "content-type": "application/json"},
        json.dumps({"error": {"code": 400, "message": f"datasource not found: {ESTIMATED_STEPS}"}}),
    )
    day = bucket(ms(2026, 3, 2), ms(2026, 3, 3), steps=321)
    service, http = service_with([missing, (OK, json.dumps({"bucket": [day]})), NO_SESSIONS])
    days = FitProvider(service, WARSAW).fetch_days(date(2026, 3, 2), date(2026, 3, 3))

    assert [(d.day, d.steps) for d in days] == [(date(2026, 3, 2), 321)]
    first, retry = (json.loads(b) for u, _, b, _ in http.request_sequence if "aggregate" in u)
    assert first["aggregateBy"][0] == {"dataSourceId": ESTIMATED_STEPS}
    assert retry["aggregateBy"][0] == {"dataTypeName": "com.google.step_count.delta"}
    assert retry["aggregateBy"][1:] == first["aggregateBy"][1:]


def test_other_api_errors_are_raised():
    from googleapiclient.errors import HttpError

    bad = (
        {"status": "400", "content-type": "application/json"},
        json.dumps({"error": {"code": 400, "message": "invalid time range"}}),
    )
    service, _ = service_with([bad])
    with pytest.raises(HttpError):
        FitProvider(service, WARSAW, retry=RetryPolicy(max_attempts=1)).fetch_days(
            date(2026, 3, 2), date(2026, 3, 3)
        )


def test_403_names_the_scopes_the_grant_lacks():
    forbidden = (
        {"status": "403", "content-type": "application/json"},
        json.dumps({"error": {"code": 403, "message": "Request had insufficient authentication "
                              "scopes.", "status": "PERMISSION_DENIED"}}),
    )
    service, _ = service_with([forbidden])
    granted = [s for s in FIT_SCOPES if not s.endswith("body.read")]
    provider = FitProvider(service, WARSAW, granted_scopes=granted)
    with pytest.raises(MissingScopeError) as caught:
        provider.fetch_window(date(2026, 3, 2), date(2026, 3, 3))
    assert caught.value.scopes == ["https://www.googleapis.com/auth/fitness.body.read"]
    assert "fitness.body.read" in str(caught.value)
    assert "auth/start?provider=fit" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "message", "switched_off"),
    [
        (410, "Gone", True),
        (403, "The Fitness API has been turned down. Use the Google Health API.", True),
        (404, "This API is deprecated and no longer available", True),
        (403, "Fitness API has not been used in project 1 before or it is disabled", False),
        (403, "insufficient authentication scopes", False),
        (500, "shut down for maintenance", False),
    ],
)
def test_fit_switched_off_is_recognised(status, message, switched_off):
    from googleapiclient.errors import HttpError

    reply = (
        {"status": str(status), "content-type": "application/json"},
        json.dumps({"error": {"code": status, "message": message}}),
    )
    service, _ = service_with([reply] * 5)
    provider = FitProvider(service, WARSAW, retry=RetryPolicy(max_attempts=1))
    expected = ProviderShutDownError if switched_off else (HttpError, MissingScopeError)
    with pytest.raises(expected):
        provider.fetch_window(date(2026, 3, 2), date(2026, 3, 3))
