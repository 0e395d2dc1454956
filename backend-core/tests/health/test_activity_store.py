"""Upserts into the real (migrated) `activity` table."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.core.db import session_scope
from app.models import Activity
from app.services.health.activity_store import upsert_days
from app.services.health.provider import DailyActivity


def test_reimport_replaces_the_day_and_never_duplicates(db):
    first = [
        DailyActivity(
            day=date(2026, 3, 29),
            steps=1000,
            distance_m=Decimal("800.50"),
            weight_kg=Decimal("81.20"),
        ),
        DailyActivity(day=date(2026, 3, 30), steps=5000),
        DailyActivity(day=date(2026, 3, 31)),  # nothing known: not written
    ]
    with session_scope(db) as session:
        assert upsert_days(session, first, "fit") == 2
    with session_scope(db) as session:
        stamp = session.scalar(
            select(Activity.updated_at).where(Activity.date == date(2026, 3, 29))
        )
    later = [
        DailyActivity(day=date(2026, 3, 29), steps=1200, sleep_minutes=430),
        DailyActivity(day=date(2026, 3, 29), steps=1300),  # same day twice in one batch: last wins
    ]
    with session_scope(db) as session:
        assert upsert_days(session, later, "takeout") == 1

    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 2
        row = session.get(Activity, date(2026, 3, 29))
        assert (row.steps, row.sleep_minutes, row.source) == (1300, None, "takeout")
        assert row.distance_m is None and row.weight_kg is None  # replaced, not merged
        assert row.updated_at >= stamp
        other = session.get(Activity, date(2026, 3, 30))
        assert (other.steps, other.source) == (5000, "fit")
