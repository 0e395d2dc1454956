"""File imports (Takeout, Health Connect) written into `activity` with their bookkeeping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from app.core.db import session_scope
from app.services.health import health_connect_import, sync_state, takeout_import
from app.services.health.activity_store import upsert_days
from app.services.health.health_connect_import import HealthConnectReport
from app.services.health.takeout_import import TakeoutReport


def import_takeout(
    factory: sessionmaker[Session], path: Path, progress: Callable[[str], None] | None = None
) -> tuple[TakeoutReport, int]:
    report = takeout_import.parse_takeout(path, progress)
    with session_scope(factory) as session:
        rows = upsert_days(session, report.days, takeout_import.SOURCE)
        sync_state.mark_success(session, takeout_import.SOURCE, rows)
    return report, rows


def import_health_connect(
    factory: sessionmaker[Session],
    path: Path,
    tz: ZoneInfo,
    progress: Callable[[str], None] | None = None,
) -> tuple[HealthConnectReport, int]:
    report = health_connect_import.parse_health_connect(path, tz, progress)
    with session_scope(factory) as session:
        rows = upsert_days(session, report.days, health_connect_import.SOURCE)
        sync_state.mark_success(session, health_connect_import.SOURCE, rows)
    return report, rows
