"""Google Health API v4 adapter: `users/me/dataTypes/{type}/dataPoints:dailyRollUp`.

The API rolls up over civil (local) days itself, so ranges are plain calendar dates. Ranges are
at most 90 days, 14 for heart-rate, active-minutes and total-calories, so a sync window is 14
days (every roll-up in one request per window); every response page is followed. dailyRollUp
has no sleep or resting heart rate: sleep comes from `dataPoints:reconcile` (one stream merged
across devices; `list` would return each device's copy of a night), further deduplicated by
overlap, counted for its civil end date; the daily resting heart rate from `dataPoints.list`.

Active zone minutes are points (1 per fat-burn minute, 2 per cardio or peak minute): they go
to `heart_points`; `heart_minutes` gets the minutes (fat-burn + (cardio + peak) / 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from app.models.states import HealthSource
from app.services.health.errors import MissingScopeError
from app.services.health.provider import DailyActivity, date_windows, rounded
from app.services.health.request_retry import RateLimiter, RetryPolicy, is_transient
from app.services.health.sleep import SleepSpan, minutes_by_day

_SCOPE = "https://www.googleapis.com/auth/googlehealth."
ACTIVITY_SCOPE = _SCOPE + "activity_and_fitness.readonly"
METRICS_SCOPE = _SCOPE + "health_metrics_and_measurements.readonly"
SLEEP_SCOPE = _SCOPE + "sleep.readonly"
HEALTH_API_SCOPES = [ACTIVITY_SCOPE, METRICS_SCOPE, SLEEP_SCOPE]
# The scope each data type we read needs (named in the error when Google answers 403).
SCOPE_BY_DATA_TYPE = {
    "steps": ACTIVITY_SCOPE,
    "distance": ACTIVITY_SCOPE,
    "total-calories": ACTIVITY_SCOPE,
    "active-minutes": ACTIVITY_SCOPE,
    "active-zone-minutes": ACTIVITY_SCOPE,
    "heart-rate": METRICS_SCOPE,
    "weight": METRICS_SCOPE,
    "daily-resting-heart-rate": METRICS_SCOPE,
    "sleep": SLEEP_SCOPE,
}
# The API's documented per-user limit.
REQUESTS_PER_MINUTE = 300
WINDOW_DAYS = 14


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _active_minutes(v: dict[str, Any]) -> int | None:
    levels = v.get("activeMinutesRollupByActivityLevel", [])
    values = [int(x["activeMinutesSum"]) for x in levels if "activeMinutesSum" in x]
    return sum(values) if values else None


ZONE_KEYS = ("sumInFatBurnHeartZone", "sumInCardioHeartZone", "sumInPeakHeartZone")


def zone_points(v: dict[str, Any]) -> int | None:
    """Active zone minutes as the API counts them: points."""
    values = [int(v[k]) for k in ZONE_KEYS if k in v]
    return sum(values) if values else None


def zone_minutes(v: dict[str, Any]) -> int | None:
    """Minutes in a heart zone: a fat-burn minute earns 1 point, a cardio or peak minute 2."""
    if not any(k in v for k in ZONE_KEYS):
        return None
    fat_burn = int(v.get("sumInFatBurnHeartZone", 0))
    vigorous = int(v.get("sumInCardioHeartZone", 0)) + int(v.get("sumInPeakHeartZone", 0))
    return fat_burn + (vigorous + 1) // 2  # an odd total (rounding upstream) rounds half up


def _weight_kg(v: dict[str, Any]) -> Any:
    grams = v.get("weightGramsAvg")
    return None if grams is None else grams / 1000


Extract = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class RollUp:
    data_type: str  # path segment, e.g. "total-calories"
    field: str  # DailyRollupDataPoint property, e.g. "totalCalories"
    targets: tuple[tuple[str, Extract], ...]  # (DailyActivity attribute, value -> number)
    max_days: int


def _one(target: str, extract: Extract) -> tuple[tuple[str, Extract], ...]:
    return ((target, extract),)


ROLLUPS: tuple[RollUp, ...] = (
    RollUp("steps", "steps", _one("steps", lambda v: _int(v.get("countSum"))), 90),
    RollUp(
        "distance",
        "distance",
        _one(
            "distance_m",
            lambda v: None if v.get("millimetersSum") is None else int(v["millimetersSum"]) / 1000,
        ),
        90,
    ),
    RollUp(
        "total-calories", "totalCalories", _one("calories_kcal", lambda v: v.get("kcalSum")), 14
    ),
    RollUp("active-minutes", "activeMinutes", _one("active_minutes", _active_minutes), 14),
    RollUp(
        "active-zone-minutes",
        "activeZoneMinutes",
        (("heart_minutes", zone_minutes), ("heart_points", zone_points)),
        90,
    ),
    RollUp(
        "heart-rate", "heartRate", _one("avg_heart_rate", lambda v: v.get("beatsPerMinuteAvg")), 14
    ),
    RollUp("weight", "weight", _one("weight_kg", _weight_kg), 90),
)
DECIMAL_TARGETS = {"distance_m", "calories_kcal", "avg_heart_rate", "weight_kg"}


def build_health_service(
    credentials: Any = None, *, api_endpoint: str | None = None, http: Any = None
) -> Any:
    client_options = {"api_endpoint": api_endpoint} if api_endpoint else None
    return build(
        "health",
        "v4",
        credentials=credentials,
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=client_options,
    )


def civil(day: date) -> dict[str, Any]:
    return {"date": {"year": day.year, "month": day.month, "day": day.day}}


def rollup_body(start: date, end: date, page_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "range": {"start": civil(start), "end": civil(end)},
        "windowSizeDays": 1,
    }
    if page_token:
        body["pageToken"] = page_token
    return body


def _between(field: str, start: date, end: date) -> str:
    """AIP-160 filter for [start, end) on a civil date field."""
    return f'{field} >= "{start.isoformat()}" AND {field} < "{end.isoformat()}"'


def _civil_date(civil_time: dict[str, Any]) -> date:
    """The `date` of a CivilDateTime (or of any object with a `date` Date)."""
    d = civil_time["date"]
    return date(int(d["year"]), int(d["month"]), int(d["day"]))


def _day(point: dict[str, Any]) -> date:
    return _civil_date(point["civilStartTime"])


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class HealthApiProvider:
    """Reads daily activity from the Google Health API (the Fit successor)."""

    source = HealthSource.HEALTH_API
    window_days = WINDOW_DAYS

    def __init__(self, service: Any, *, retry: RetryPolicy | None = None) -> None:
        self.service = service
        self.retry = retry or RetryPolicy(limiter=RateLimiter(REQUESTS_PER_MINUTE))

    def _execute(self, request: Any, data_type: str) -> dict[str, Any]:
        try:
            result: dict[str, Any] = self.retry.execute(request)
        except HttpError as exc:
            if exc.status_code == 403 and not is_transient(exc):
                raise MissingScopeError(
                    self.source, data_type, [SCOPE_BY_DATA_TYPE[data_type]], exc.reason or ""
                ) from exc
            raise
        return result

    def _paged(
        self, make_request: Callable[[str | None], Any], key: str, data_type: str
    ) -> list[dict[str, Any]]:
        """Follow nextPageToken until the last page; `key` names the list in each response."""
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            response = self._execute(make_request(page_token), data_type)
            items.extend(response.get(key, []))
            page_token = response.get("nextPageToken")
            if not page_token:
                return items

    def _points(self, data_type: str, start: date, end: date) -> list[dict[str, Any]]:
        points = self.service.users().dataTypes().dataPoints()
        return self._paged(
            lambda token: points.dailyRollUp(
                parent=f"users/me/dataTypes/{data_type}", body=rollup_body(start, end, token)
            ),
            "rollupDataPoints",
            data_type,
        )

    def _list(
        self, data_type: str, filter_expr: str, page_size: int, method: str = "list"
    ) -> list[dict[str, Any]]:
        points = self.service.users().dataTypes().dataPoints()
        call = getattr(points, method)  # list, or reconcile (one stream across devices)

        def request(token: str | None) -> Any:
            extra = {"pageToken": token} if token else {}
            return call(
                parent=f"users/me/dataTypes/{data_type}",
                filter=filter_expr,
                pageSize=page_size,
                **extra,
            )

        return self._paged(request, "dataPoints", data_type)

    def sleep_spans(self, start: date, end: date) -> list[SleepSpan]:
        """Reconciled sleep sessions that end on a civil day in [start, end)."""
        expr = _between("sleep.interval.civil_end_time", start, end)
        spans: list[SleepSpan] = []
        for point in self._list("sleep", expr, 25, method="reconcile"):
            sleep = point.get("sleep", {})
            interval = sleep.get("interval", {})
            asleep = sleep.get("summary", {}).get("minutesAsleep")
            if asleep is None or "civilEndTime" not in interval:
                continue
            if "startTime" not in interval or "endTime" not in interval:
                continue
            spans.append(
                SleepSpan(
                    start=_timestamp(interval["startTime"]),
                    end=_timestamp(interval["endTime"]),
                    minutes_asleep=int(asleep),
                    end_day=_civil_date(interval["civilEndTime"]),
                )
            )
        return spans

    def sleep_by_day(self, start: date, end: date) -> dict[date, int]:
        """Minutes asleep per local day the sleep ended on; overlapping sessions count once."""
        return minutes_by_day(self.sleep_spans(start, end))

    def resting_heart_rate_by_day(self, start: date, end: date) -> dict[date, float]:
        expr = _between("daily_resting_heart_rate.date", start, end)
        found: dict[date, float] = {}
        for point in self._list("daily-resting-heart-rate", expr, 1000):
            value = point.get("dailyRestingHeartRate", {})
            if "beatsPerMinute" in value and "date" in value:
                found[_civil_date(value)] = float(value["beatsPerMinute"])
        return found

    def fetch_window(self, start: date, end: date) -> list[DailyActivity]:
        """Days in [start, end) (at most window_days), only days that have any data."""
        merged: dict[date, DailyActivity] = {}
        for rollup in ROLLUPS:
            for sub_start, sub_end in date_windows(start, end, rollup.max_days):
                for point in self._points(rollup.data_type, sub_start, sub_end):
                    value = point.get(rollup.field)
                    if value is None:
                        continue
                    for target, extract in rollup.targets:
                        extracted = extract(value)
                        if extracted is None:
                            continue
                        if target in DECIMAL_TARGETS:
                            extracted = rounded(extracted)
                        row = merged.setdefault(_day(point), DailyActivity(day=_day(point)))
                        setattr(row, target, extracted)
        for day, minutes in self.sleep_by_day(start, end).items():
            merged.setdefault(day, DailyActivity(day=day)).sleep_minutes = minutes
        for day, bpm in self.resting_heart_rate_by_day(start, end).items():
            merged.setdefault(day, DailyActivity(day=day)).resting_heart_rate = rounded(bpm)
        return [merged[d] for d in sorted(merged) if merged[d].has_data()]

    def fetch_days(
        self, start: date, end: date, on_window: Callable[[int], None] | None = None
    ) -> list[DailyActivity]:
        days: list[DailyActivity] = []
        for window_start, window_end in date_windows(start, end, self.window_days):
            days += self.fetch_window(window_start, window_end)
            if on_window is not None:
                on_window((window_end - window_start).days)
        return days
