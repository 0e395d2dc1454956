"""Google Health API v4 adapter: `users/me/dataTypes/{type}/dataPoints:dailyRollUp`.

The API rolls up over civil (local) days itself, so ranges are plain calendar dates. Ranges are
at most 90 days, 14 for heart-rate, active-minutes and total-calories; every response page is
followed. dailyRollUp has no sleep or resting heart rate: those come from `dataPoints.list`
(sleep sessions by their civil end date, minutesAsleep from the session summary; the daily
resting heart rate by its date).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from googleapiclient.discovery import build

from app.services.health.provider import DailyActivity, date_windows, rounded

HEALTH_API_SCOPES = [
    "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",
    "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly",
    "https://www.googleapis.com/auth/googlehealth.sleep.readonly",
]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _active_minutes(v: dict[str, Any]) -> int | None:
    levels = v.get("activeMinutesRollupByActivityLevel", [])
    values = [int(x["activeMinutesSum"]) for x in levels if "activeMinutesSum" in x]
    return sum(values) if values else None


def _zone_minutes(v: dict[str, Any]) -> int | None:
    keys = ("sumInFatBurnHeartZone", "sumInCardioHeartZone", "sumInPeakHeartZone")
    values = [int(v[k]) for k in keys if k in v]
    return sum(values) if values else None


def _weight_kg(v: dict[str, Any]) -> Any:
    grams = v.get("weightGramsAvg")
    return None if grams is None else grams / 1000


@dataclass(frozen=True)
class RollUp:
    data_type: str  # path segment, e.g. "total-calories"
    field: str  # DailyRollupDataPoint property, e.g. "totalCalories"
    target: str  # DailyActivity attribute
    max_days: int
    extract: Callable[[dict[str, Any]], Any]


ROLLUPS: tuple[RollUp, ...] = (
    RollUp("steps", "steps", "steps", 90, lambda v: _int(v.get("countSum"))),
    RollUp(
        "distance",
        "distance",
        "distance_m",
        90,
        lambda v: None if v.get("millimetersSum") is None else int(v["millimetersSum"]) / 1000,
    ),
    RollUp("total-calories", "totalCalories", "calories_kcal", 14, lambda v: v.get("kcalSum")),
    RollUp("active-minutes", "activeMinutes", "active_minutes", 14, _active_minutes),
    RollUp("active-zone-minutes", "activeZoneMinutes", "heart_minutes", 90, _zone_minutes),
    RollUp("heart-rate", "heartRate", "avg_heart_rate", 14, lambda v: v.get("beatsPerMinuteAvg")),
    RollUp("weight", "weight", "weight_kg", 90, _weight_kg),
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


class HealthApiProvider:
    """Reads daily activity from the Google Health API (the Fit successor)."""

    source = "health_api"

    def __init__(self, service: Any, *, num_retries: int = 2) -> None:
        self.service = service
        self.num_retries = num_retries

    def _paged(self, make_request: Callable[[str | None], Any], key: str) -> list[dict[str, Any]]:
        """Follow nextPageToken until the last page; `key` names the list in each response."""
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            response = make_request(page_token).execute(num_retries=self.num_retries)
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
        )

    def _list(self, data_type: str, filter_expr: str, page_size: int) -> list[dict[str, Any]]:
        points = self.service.users().dataTypes().dataPoints()

        def request(token: str | None) -> Any:
            extra = {"pageToken": token} if token else {}
            return points.list(
                parent=f"users/me/dataTypes/{data_type}",
                filter=filter_expr,
                pageSize=page_size,
                **extra,
            )

        return self._paged(request, "dataPoints")

    def sleep_by_day(self, start: date, end: date) -> dict[date, int]:
        """Minutes asleep per local day the sleep ended on."""
        expr = _between("sleep.interval.civil_end_time", start, end)
        totals: dict[date, int] = {}
        for point in self._list("sleep", expr, 25):
            sleep = point.get("sleep", {})
            asleep = sleep.get("summary", {}).get("minutesAsleep")
            civil_end = sleep.get("interval", {}).get("civilEndTime")
            if asleep is None or civil_end is None:
                continue
            day = _civil_date(civil_end)
            totals[day] = totals.get(day, 0) + int(asleep)
        return totals

    def resting_heart_rate_by_day(self, start: date, end: date) -> dict[date, float]:
        expr = _between("daily_resting_heart_rate.date", start, end)
        found: dict[date, float] = {}
        for point in self._list("daily-resting-heart-rate", expr, 1000):
            value = point.get("dailyRestingHeartRate", {})
            if "beatsPerMinute" in value and "date" in value:
                found[_civil_date(value)] = float(value["beatsPerMinute"])
        return found

    def fetch_days(
        self, start: date, end: date, on_window: Callable[[int], None] | None = None
    ) -> list[DailyActivity]:
        merged: dict[date, DailyActivity] = {}
        for window_start, window_end in date_windows(start, end):
            for rollup in ROLLUPS:
                for sub_start, sub_end in date_windows(window_start, window_end, rollup.max_days):
                    for point in self._points(rollup.data_type, sub_start, sub_end):
                        value = point.get(rollup.field)
                        extracted = None if value is None else rollup.extract(value)
                        if extracted is None:
                            continue
                        if rollup.target in DECIMAL_TARGETS:
                            extracted = rounded(extracted)
                        row = merged.setdefault(_day(point), DailyActivity(day=_day(point)))
                        setattr(row, rollup.target, extracted)
            for day, minutes in self.sleep_by_day(window_start, window_end).items():
                merged.setdefault(day, DailyActivity(day=day)).sleep_minutes = minutes
            for day, bpm in self.resting_heart_rate_by_day(window_start, window_end).items():
                merged.setdefault(day, DailyActivity(day=day)).resting_heart_rate = rounded(bpm)
            if on_window is not None:
                on_window((window_end - window_start).days)
        return [merged[d] for d in sorted(merged) if merged[d].has_data()]
