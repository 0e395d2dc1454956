"""The interface every daily-activity source implements, and the value it returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

MAX_WINDOW_DAYS = 90

METRIC_FIELDS = (
    "steps",
    "distance_m",
    "calories_kcal",
    "active_minutes",
    "heart_minutes",
    "heart_points",
    "avg_heart_rate",
    "resting_heart_rate",
    "weight_kg",
    "sleep_minutes",
)


@dataclass
class DailyActivity:
    """One local day. Every metric is optional: None means unknown, which is not zero."""

    day: date
    steps: int | None = None
    distance_m: Decimal | None = None
    calories_kcal: Decimal | None = None
    active_minutes: int | None = None
    heart_minutes: int | None = None  # minutes (Fit, Takeout); never zone points
    heart_points: int | None = None  # active zone points: 1 per fat-burn, 2 per cardio/peak minute
    avg_heart_rate: Decimal | None = None
    resting_heart_rate: Decimal | None = None
    weight_kg: Decimal | None = None
    sleep_minutes: int | None = None

    def has_data(self) -> bool:
        return any(getattr(self, name) is not None for name in METRIC_FIELDS)

    def metrics(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in METRIC_FIELDS}


@dataclass
class DayRange:
    """Base of import reports: the imported days, sorted."""

    days: list[DailyActivity]

    @property
    def first_day(self) -> date | None:
        return self.days[0].day if self.days else None

    @property
    def last_day(self) -> date | None:
        return self.days[-1].day if self.days else None


class HealthProvider(Protocol):
    """A cloud source of daily activity (Google Fit, Google Health API)."""

    source: str

    def fetch_days(self, start: date, end: date) -> list[DailyActivity]:
        """Days in [start, end) (local dates), only days that have any data."""
        ...


def date_windows(
    start: date, end: date, max_days: int = MAX_WINDOW_DAYS
) -> Iterator[tuple[date, date]]:
    """Split [start, end) into consecutive half-open windows of at most max_days days."""
    if max_days < 1:
        raise ValueError("max_days must be >= 1")
    cursor = start
    while cursor < end:
        window_end = min(cursor + timedelta(days=max_days), end)
        yield cursor, window_end
        cursor = window_end


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def local_midnight_millis(day: date, tz: ZoneInfo) -> int:
    return int(local_midnight(day, tz).timestamp() * 1000)


def rounded(value: float | Decimal | None, places: str = "0.01") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places))
