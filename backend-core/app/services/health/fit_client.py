"""Google Fit REST adapter: daily buckets from `dataset:aggregate` plus sleep sessions.

Requests use calendar-day buckets in the user's time zone (`period.timeZoneId`), never 24-hour
slices, so DST days come back as one 23- or 25-hour bucket. Each request covers at most 90 days.
Sleep sessions from several apps that overlap count once (the longest sleep). A 403 names the
missing scope; an answer saying the API is switched off raises ProviderShutDownError, which
HEALTH_PROVIDER=auto takes as the signal to move to the Google Health API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from app.models.states import HealthSource
from app.services.health.errors import MissingScopeError, ProviderShutDownError
from app.services.health.provider import (
    MAX_WINDOW_DAYS,
    DailyActivity,
    date_windows,
    local_midnight,
    local_midnight_millis,
    rounded,
)
from app.services.health.request_retry import RetryPolicy, is_transient
from app.services.health.sleep import SleepSpan, minutes_by_day

_SCOPE = "https://www.googleapis.com/auth/fitness."
FIT_SCOPES = [
    _SCOPE + "activity.read",
    _SCOPE + "location.read",
    _SCOPE + "body.read",
    _SCOPE + "heart_rate.read",
    _SCOPE + "sleep.read",
]
# What each request reads (the 403 message names the scopes the grant lacks among these).
AGGREGATE_SCOPES = FIT_SCOPES[:4]
SLEEP_SCOPES = [_SCOPE + "sleep.read", _SCOPE + "activity.read"]

# Google says Fit's REST API is supported until the end of 2026; an answer with one of these
# phrases (any 4xx but 401/429) or 410 Gone means it is switched off.
SHUTDOWN_PHRASES = (
    b"turned down",
    b"shut down",
    b"shutdown",
    b"deprecated",
    b"no longer available",
    b"no longer supported",
    b"discontinued",
)


def is_switched_off(exc: HttpError) -> bool:
    if exc.status_code == 410:
        return True
    if exc.status_code is None or not 400 <= exc.status_code < 500:
        return False
    if exc.status_code in (401, 429):
        return False
    body = (exc.content or b"").lower()
    return any(phrase in body for phrase in SHUTDOWN_PHRASES)


ESTIMATED_STEPS = "derived:com.google.step_count.delta:com.google.android.gms:estimated_steps"
SLEEP_ACTIVITY_TYPE = 72
# Sleep stages that count as asleep: 2 sleep, 4 light, 5 deep, 6 REM (1 awake, 3 out of bed do not).
ASLEEP_STAGES = frozenset({2, 4, 5, 6})

# Order matters: the response holds one dataset per entry, in this order.
AGGREGATE_BY: list[dict[str, str]] = [
    {"dataSourceId": ESTIMATED_STEPS},
    {"dataTypeName": "com.google.distance.delta"},
    {"dataTypeName": "com.google.calories.expended"},
    {"dataTypeName": "com.google.active_minutes"},
    {"dataTypeName": "com.google.heart_minutes"},
    {"dataTypeName": "com.google.heart_rate.bpm"},
    {"dataTypeName": "com.google.weight"},
]


FIT_SERVICE_PATH = "fitness/v1/users/"


def fit_base_url(api_root: str) -> str:
    """GOOGLE_FIT_API_ENDPOINT is the API root (like the discovery rootUrl); the client library
    wants root + servicePath. A value that already ends in the service path is kept."""
    root = api_root if api_root.endswith("/") else api_root + "/"
    return root if root.endswith(FIT_SERVICE_PATH) else root + FIT_SERVICE_PATH


def build_fit_service(
    credentials: Any = None, *, api_endpoint: str | None = None, http: Any = None
) -> Any:
    """A fitness v1 client from the bundled discovery document (no network needed to build it)."""
    client_options = {"api_endpoint": fit_base_url(api_endpoint)} if api_endpoint else None
    return build(
        "fitness",
        "v1",
        credentials=credentials,
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=client_options,
    )


# Accounts that never had the Fit app on Android lack the estimated_steps stream; Google then
# answers 400 "datasource not found" and we fall back to the merged step_count.delta type.
STEPS_FALLBACK = {"dataTypeName": "com.google.step_count.delta"}


def aggregate_body(
    start: date, end: date, tz: ZoneInfo, *, steps_source: dict[str, str] | None = None
) -> dict[str, Any]:
    """The exact `dataset:aggregate` request body for local days [start, end)."""
    aggregate_by = [dict(item) for item in AGGREGATE_BY]
    if steps_source is not None:
        aggregate_by[0] = dict(steps_source)
    return {
        "aggregateBy": aggregate_by,
        "bucketByTime": {"period": {"type": "day", "value": 1, "timeZoneId": tz.key}},
        "startTimeMillis": str(local_midnight_millis(start, tz)),
        "endTimeMillis": str(local_midnight_millis(end, tz)),
    }


def _values(dataset: dict[str, Any], index: int, kind: str) -> list[Any]:
    found = []
    for point in dataset.get("point", []):
        value = point.get("value", [])
        if len(value) > index and value[index].get(kind) is not None:
            found.append(value[index][kind])
    return found


def _ints(dataset: dict[str, Any], index: int = 0) -> int | None:
    values = _values(dataset, index, "intVal")
    return sum(int(v) for v in values) if values else None


def _floats(dataset: dict[str, Any], index: int = 0) -> float | None:
    values = _values(dataset, index, "fpVal")
    return float(sum(values)) if values else None


def _mean_of_summaries(dataset: dict[str, Any]) -> float | None:
    """Summary types (heart rate, weight) carry [average, max, min]; one point per bucket."""
    values = _values(dataset, 0, "fpVal")
    return sum(values) / len(values) if values else None


def parse_aggregate_response(response: dict[str, Any], tz: ZoneInfo) -> list[DailyActivity]:
    """Turn daily buckets into DailyActivity rows; buckets without any point are skipped."""
    days: list[DailyActivity] = []
    for bucket in response.get("bucket", []):
        day = datetime.fromtimestamp(int(bucket["startTimeMillis"]) / 1000, tz).date()
        datasets = bucket.get("dataset", [])
        by_index = {i: datasets[i] if i < len(datasets) else {} for i in range(len(AGGREGATE_BY))}
        weight = _mean_of_summaries(by_index[6])
        heart = _mean_of_summaries(by_index[5])
        row = DailyActivity(
            day=day,
            steps=_ints(by_index[0]),
            distance_m=rounded(_floats(by_index[1])),
            calories_kcal=rounded(_floats(by_index[2])),
            active_minutes=_ints(by_index[3]),
            # heart_minutes.summary: value[0] = intensity (heart points), value[1] = minutes.
            heart_minutes=_ints(by_index[4], 1),
            avg_heart_rate=rounded(heart),
            weight_kg=rounded(weight),
        )
        if row.has_data():
            days.append(row)
    return days


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sleep_minutes_from_segments(response: dict[str, Any]) -> int | None:
    nanos = 0
    found = False
    for bucket in response.get("bucket", []):
        for dataset in bucket.get("dataset", []):
            for point in dataset.get("point", []):
                found = True
                if point["value"][0].get("intVal") in ASLEEP_STAGES:
                    nanos += int(point["endTimeNanos"]) - int(point["startTimeNanos"])
    return nanos // 60_000_000_000 if found else None


class FitProvider:
    """Reads daily activity from the Google Fit REST API."""

    source = HealthSource.FIT
    window_days = MAX_WINDOW_DAYS

    def __init__(
        self,
        service: Any,
        tz: ZoneInfo,
        *,
        retry: RetryPolicy | None = None,
        granted_scopes: list[str] | None = None,
    ) -> None:
        self.service = service
        self.tz = tz
        self.retry = retry or RetryPolicy()
        self.granted_scopes = granted_scopes
        self.steps_source: dict[str, str] | None = None  # None = estimated_steps

    def _execute(self, request: Any, what: str, scopes: list[str]) -> dict[str, Any]:
        try:
            result: dict[str, Any] = self.retry.execute(request)
        except HttpError as exc:
            if is_switched_off(exc):
                raise ProviderShutDownError(
                    f"Google Fit answered {exc.status_code}: {exc.reason or 'switched off'}"
                ) from exc
            if exc.status_code == 403 and not is_transient(exc):
                granted = set(self.granted_scopes or [])
                missing = [s for s in scopes if s not in granted] if granted else scopes
                raise MissingScopeError(
                    self.source, what, missing or scopes, exc.reason or ""
                ) from exc
            raise
        return result

    def _aggregate(self, body: dict[str, Any], what: str = "daily activity") -> dict[str, Any]:
        request = self.service.users().dataset().aggregate(userId="me", body=body)
        scopes = SLEEP_SCOPES if what == "sleep" else AGGREGATE_SCOPES
        return self._execute(request, what, scopes)

    def _daily_buckets(self, start: date, end: date) -> dict[str, Any]:
        body = aggregate_body(start, end, self.tz, steps_source=self.steps_source)
        try:
            return self._aggregate(body)
        except HttpError as exc:
            missing_source = (
                exc.status_code == 400 and b"datasource not found" in (exc.content or b"").lower()
            )
            if self.steps_source is not None or not missing_source:
                raise
            self.steps_source = STEPS_FALLBACK
            return self._aggregate(aggregate_body(start, end, self.tz, steps_source=STEPS_FALLBACK))

    def fetch_window(self, start: date, end: date) -> list[DailyActivity]:
        """Days in [start, end) (at most 90), only days that have any data."""
        merged: dict[date, DailyActivity] = {}
        for row in parse_aggregate_response(self._daily_buckets(start, end), self.tz):
            merged[row.day] = row
        for day, minutes in self.sleep_by_day(start, end).items():
            merged.setdefault(day, DailyActivity(day=day)).sleep_minutes = minutes
        return [merged[d] for d in sorted(merged)]

    def fetch_days(
        self, start: date, end: date, on_window: Callable[[int], None] | None = None
    ) -> list[DailyActivity]:
        days: list[DailyActivity] = []
        for window_start, window_end in date_windows(start, end, self.window_days):
            days += self.fetch_window(window_start, window_end)
            if on_window is not None:
                on_window((window_end - window_start).days)
        return days

    def sleep_sessions(self, start: date, end: date) -> list[dict[str, Any]]:
        """Sleep sessions (activityType 72) that END on a local day in [start, end)."""
        lo, hi = local_midnight(start, self.tz), local_midnight(end, self.tz)
        # With startTime/endTime set the API returns every matching session at once (the
        # nextPageToken is only for incremental sync without a time range).
        request = (
            self.service.users()
            .sessions()
            .list(
                userId="me",
                startTime=_rfc3339(lo),
                endTime=_rfc3339(hi),
                activityType=SLEEP_ACTIVITY_TYPE,
            )
        )
        response = self._execute(request, "sleep", SLEEP_SCOPES)
        sessions: list[dict[str, Any]] = []
        for session in response.get("session", []):
            if session.get("activityType") != SLEEP_ACTIVITY_TYPE:
                continue
            ended = datetime.fromtimestamp(int(session["endTimeMillis"]) / 1000, self.tz)
            if lo <= ended < hi:
                sessions.append(session)
        return sessions

    def sleep_by_day(self, start: date, end: date) -> dict[date, int]:
        """Minutes asleep per local day; a night counts for the day it ends on, and sessions
        of several apps that overlap count once."""
        spans: list[SleepSpan] = []
        for session in self.sleep_sessions(start, end):
            body = {
                "aggregateBy": [{"dataTypeName": "com.google.sleep.segment"}],
                "startTimeMillis": str(session["startTimeMillis"]),
                "endTimeMillis": str(session["endTimeMillis"]),
            }
            minutes = sleep_minutes_from_segments(self._aggregate(body, "sleep"))
            start_ms, end_ms = int(session["startTimeMillis"]), int(session["endTimeMillis"])
            if minutes is None:  # no stages recorded: the whole session was sleep
                minutes = (end_ms - start_ms) // 60_000
            ended = datetime.fromtimestamp(end_ms / 1000, self.tz)
            spans.append(
                SleepSpan(
                    start=datetime.fromtimestamp(start_ms / 1000, UTC),
                    end=ended,
                    minutes_asleep=minutes,
                    end_day=ended.date(),
                )
            )
        return minutes_by_day(spans)
