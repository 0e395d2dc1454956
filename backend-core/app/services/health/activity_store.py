"""Writes DailyActivity rows into `activity`: one row per local date, never duplicates.

Writing a day again replaces all of that day's metric values (unknown stays NULL), so re-syncing
the last days or re-importing a file is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models.activity import Activity
from app.services.health.provider import METRIC_FIELDS, DailyActivity


def upsert_days(session: Session, days: Iterable[DailyActivity], source: str) -> int:
    """Insert or replace the given days; returns the number of rows written."""
    by_day = {d.day: d for d in days if d.has_data()}  # one statement cannot hit a row twice
    rows = [{"date": day, **d.metrics(), "source": source} for day, d in sorted(by_day.items())]
    if not rows:
        return 0
    stmt = insert(Activity)
    replace = {name: stmt.excluded[name] for name in (*METRIC_FIELDS, "source")}
    stmt = stmt.on_conflict_do_update(
        index_elements=[Activity.date], set_={**replace, "updated_at": func.now()}
    )
    # executemany: psycopg pipelines the batch (insertmanyvalues), no giant compiled statement
    session.execute(stmt, rows)
    return len(rows)
