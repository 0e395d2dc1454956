"""Health Connect export (`health_connect_export.db`, or the .zip holding it) → DailyActivity.

Tables read (absent ones are skipped): steps_record_table (count), distance_record_table
(metres), total_calories_burned_record_table (energy in small calories: /1000 = kcal),
weight_record_table (grams), heart_rate_record_table + heart_rate_record_series_table (bpm
samples), resting_heart_rate_record_table, sleep_session_record_table + sleep_stages_table.
Times are epoch milliseconds; a record's local day uses its own zone offset (seconds), or TZ.

ONE SOURCE PER DAY, never a sum across apps: several apps (phone, watch, Fit, Samsung Health)
write the same steps. For every metric and local day the records are grouped by app and exactly
one app is taken:
  - totals (steps, distance, calories, sleep): the app with the LARGEST daily total — apps only
    undercount (phone left on the desk, watch charging), so the largest is the best estimate;
  - averages (weight, heart rate, resting heart rate): the app with the MOST samples that day;
  - ties: the alphabetically first package name (deterministic).
Sleep counts asleep stages (sleeping, light, deep, REM) of a session, or the whole session when
it has no stages, for the local day the session ends.
"""

from __future__ import annotations

import sqlite3
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from app.models.states import HealthSource
from app.services.health.errors import ImportFileError
from app.services.health.provider import DailyActivity, DayRange, rounded

SOURCE = HealthSource.HEALTH_CONNECT
EXPORT_DB_NAME = "health_connect_export.db"
ASLEEP_STAGES = frozenset({2, 4, 5, 6})  # SLEEPING, LIGHT, DEEP, REM
KNOWN_TABLES = (
    "steps_record_table",
    "distance_record_table",
    "total_calories_burned_record_table",
    "weight_record_table",
    "heart_rate_record_table",
    "heart_rate_record_series_table",
    "resting_heart_rate_record_table",
    "sleep_session_record_table",
)

# metric -> (local day, app, sum of values, number of values) per day and app
Observation = tuple[date, str, float, int]
Observations = dict[str, list[Observation]]
EPOCH = date(1970, 1, 1)


@dataclass
class HealthConnectReport(DayRange):
    records: dict[str, int] = field(default_factory=dict)  # table -> rows read
    apps: list[str] = field(default_factory=list)
    # metric -> number of days where more than one app had data (one was chosen)
    multi_app_days: dict[str, int] = field(default_factory=dict)
    chosen_apps: dict[str, dict[str, int]] = field(default_factory=dict)  # metric -> app -> days


@contextmanager
def _database_file(path: Path) -> Iterator[Path]:
    if not path.exists():
        raise ImportFileError(f"{path} does not exist")
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == EXPORT_DB_NAME]
            names = names or [n for n in archive.namelist() if n.lower().endswith(".db")]
            if not names:
                raise ImportFileError(
                    f"{path} is a zip without {EXPORT_DB_NAME}: not a Health Connect export"
                )
            with tempfile.TemporaryDirectory(prefix="hc-import-") as tmp:
                target = Path(tmp) / EXPORT_DB_NAME
                target.write_bytes(archive.read(names[0]))
                yield target
        return
    if not path.is_file():
        raise ImportFileError(f"{path} is not a file")
    yield path


def _local_day(millis: int, offset_seconds: int | None, tz: ZoneInfo) -> date:
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    if offset_seconds is None:
        return moment.astimezone(tz).date()
    return (moment + timedelta(seconds=int(offset_seconds))).date()


class _Reader:
    def __init__(self, conn: sqlite3.Connection, tz: ZoneInfo) -> None:
        self.conn = conn
        self.tz = tz
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        self.tables = {r[0] for r in rows}
        self.apps = self._apps()
        self.records: dict[str, int] = {}

    def columns(self, table: str) -> set[str]:
        if table not in self.tables:
            return set()
        return {r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')}

    def _apps(self) -> dict[int, str]:
        if "application_info_table" not in self.tables:
            return {}
        rows = self.conn.execute("SELECT row_id, package_name FROM application_info_table")
        return {int(r[0]): str(r[1]) for r in rows}

    def app(self, app_id: int | None) -> str:
        return self.apps.get(int(app_id), f"app#{app_id}") if app_id is not None else "unknown"

    def _has(self, table: str, needed: set[str]) -> bool:
        return needed <= self.columns(table)

    def _grouped(
        self,
        key: str,
        source_sql: str,
        cols: tuple[str, str, str, str],
        scale: float = 1.0,
    ) -> list[Observation]:
        """Sum and count of a value per (local day, app). `cols` = SQL expressions for
        (app id, epoch millis, zone offset seconds or NULL, value). Records with a zone offset
        are grouped by SQLite on their own local day; records without one use TZ (Python)."""
        app, moment, offset, value = cols
        acc: dict[tuple[date, str], list[float]] = defaultdict(lambda: [0.0, 0])
        if offset != "NULL":
            grouped = (
                f"SELECT {app}, CAST(({moment} + {offset} * 1000) / 86400000 AS INTEGER),"
                f" SUM({value}), COUNT({value}) {source_sql}"
                f" WHERE {offset} IS NOT NULL AND {value} IS NOT NULL GROUP BY 1, 2"
            )
            for app_id, epoch_day, total, count in self.conn.execute(grouped):
                cell = acc[(EPOCH + timedelta(days=int(epoch_day)), self.app(app_id))]
                cell[0] += float(total) * scale
                cell[1] += int(count)
        rows = (
            f"SELECT {app}, {moment}, {value} {source_sql}"
            f" WHERE {offset} IS NULL AND {value} IS NOT NULL"
        )
        for app_id, millis, amount in self.conn.execute(rows):
            cell = acc[(_local_day(int(millis), None, self.tz), self.app(app_id))]
            cell[0] += float(amount) * scale
            cell[1] += 1
        self.records[key] = int(sum(count for _, count in acc.values()))
        return [(day, name, total, int(count)) for (day, name), (total, count) in acc.items()]

    def _values(
        self, table: str, time_col: str, offset_col: str, value_col: str, scale: float
    ) -> list[Observation]:
        if not self._has(table, {time_col, value_col, "app_info_id"}):
            return []
        offset = offset_col if offset_col in self.columns(table) else "NULL"
        cols = ("app_info_id", time_col, offset, value_col)
        return self._grouped(table, f"FROM {table}", cols, scale)

    def interval_values(
        self, table: str, value_column: str, scale: float = 1.0
    ) -> list[Observation]:
        """Interval records (steps, distance, calories) count for the day they start on."""
        return self._values(table, "start_time", "start_zone_offset", value_column, scale)

    def instant_values(
        self, table: str, value_column: str, scale: float = 1.0
    ) -> list[Observation]:
        """Instant records (weight, resting heart rate)."""
        return self._values(table, "time", "zone_offset", value_column, scale)

    def heart_rate_samples(self) -> list[Observation]:
        parent, series = "heart_rate_record_table", "heart_rate_record_series_table"
        if not (
            self._has(parent, {"row_id", "app_info_id"})
            and self._has(series, {"parent_key", "epoch_millis", "beats_per_minute"})
        ):
            return []
        offset = "r.start_zone_offset" if "start_zone_offset" in self.columns(parent) else "NULL"
        source = f"FROM {series} s JOIN {parent} r ON s.parent_key = r.row_id"
        cols = ("r.app_info_id", "s.epoch_millis", offset, "s.beats_per_minute")
        return self._grouped(series, source, cols)

    def sleep_minutes(self) -> list[Observation]:
        table = "sleep_session_record_table"
        if not self._has(table, {"row_id", "start_time", "end_time", "app_info_id"}):
            return []
        stages: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        if self._has("sleep_stages_table", {"parent_key", "stage_start_time", "stage_end_time"}):
            stage_sql = (
                "SELECT parent_key, stage_start_time, stage_end_time, stage_type "
                "FROM sleep_stages_table"
            )
            for parent, start, end, kind in self.conn.execute(stage_sql):
                stages[int(parent)].append((int(start), int(end), int(kind)))
        offset = "end_zone_offset" if "end_zone_offset" in self.columns(table) else "NULL"
        sql = f"SELECT row_id, start_time, end_time, {offset}, app_info_id FROM {table}"  # noqa: S608
        out: list[Observation] = []
        for row_id, start, end, off, app_id in self.conn.execute(sql):
            parts = stages.get(int(row_id))
            if parts:
                millis = sum(e - s for s, e, kind in parts if kind in ASLEEP_STAGES)
            else:
                millis = int(end) - int(start)
            out.append((_local_day(int(end), off, self.tz), self.app(app_id), millis / 60_000, 1))
        self.records[table] = len(out)
        return out


# Totals come from the app with the largest total; every other metric (weight, heart rate) is
# an average, taken from the app with the most samples.
TOTALS = ("steps", "distance_m", "calories_kcal", "sleep_minutes")


def choose_one_app_per_day(
    observations: Observations, report: HealthConnectReport
) -> dict[date, DailyActivity]:
    """Apply the one-source-per-day rule (module docstring) to every metric."""
    days: dict[date, DailyActivity] = {}
    for metric, values in observations.items():
        per_day: dict[date, dict[str, list[float]]] = defaultdict(
            lambda: defaultdict(lambda: [0.0, 0])
        )
        for day, app, total, count in values:
            cell = per_day[day][app]
            cell[0] += total
            cell[1] += count
        for day, by_app in per_day.items():
            if metric in TOTALS:
                app = min(by_app, key=lambda a: (-by_app[a][0], a))
                value = by_app[app][0]
            else:
                app = min(by_app, key=lambda a: (-by_app[a][1], a))
                value = by_app[app][0] / by_app[app][1]
            if len(by_app) > 1:
                report.multi_app_days[metric] = report.multi_app_days.get(metric, 0) + 1
            chosen = report.chosen_apps.setdefault(metric, {})
            chosen[app] = chosen.get(app, 0) + 1
            row = days.setdefault(day, DailyActivity(day=day))
            if metric in ("steps", "sleep_minutes"):
                setattr(row, metric, round(value))
            else:
                setattr(row, metric, rounded(Decimal(str(value))))
    return days


def _read_all(
    conn: sqlite3.Connection, path: Path, tz: ZoneInfo, progress: Callable[[str], None] | None
) -> tuple[Observations, HealthConnectReport]:
    reader = _Reader(conn, tz)
    if not reader.tables & set(KNOWN_TABLES):
        raise ImportFileError(
            f"{path} is an SQLite database but not a Health Connect export "
            f"(none of the tables {', '.join(KNOWN_TABLES[:3])}, ...)"
        )
    steps: list[tuple[str, Callable[[], list[Observation]]]] = [
        ("steps", lambda: reader.interval_values("steps_record_table", "count")),
        ("distance_m", lambda: reader.interval_values("distance_record_table", "distance")),
        (
            "calories_kcal",
            lambda: reader.interval_values("total_calories_burned_record_table", "energy", 1e-3),
        ),
        ("weight_kg", lambda: reader.instant_values("weight_record_table", "weight", 1e-3)),
        ("avg_heart_rate", reader.heart_rate_samples),
        (
            "resting_heart_rate",
            lambda: reader.instant_values("resting_heart_rate_record_table", "beats_per_minute"),
        ),
        ("sleep_minutes", reader.sleep_minutes),
    ]
    observations: Observations = {}
    for metric, read in steps:
        if progress is not None:
            progress(metric)
        observations[metric] = read()
    report = HealthConnectReport(days=[], records=reader.records)
    report.apps = sorted({obs[1] for values in observations.values() for obs in values})
    return observations, report


def parse_health_connect(
    path: Path, tz: ZoneInfo, progress: Callable[[str], None] | None = None
) -> HealthConnectReport:
    with _database_file(path) as db_path:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            observations, report = _read_all(conn, path, tz, progress)
        except sqlite3.DatabaseError as exc:
            raise ImportFileError(
                f"{path} is not a readable Health Connect SQLite database ({exc})"
            ) from exc
        finally:
            conn.close()
    days = choose_one_app_per_day(observations, report)
    report.days = [days[d] for d in sorted(days) if days[d].has_data()]
    return report
