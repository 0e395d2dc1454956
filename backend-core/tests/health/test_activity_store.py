"""Merges into the real (migrated) `activity` table: per field, by documented precedence."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.db import session_scope
from app.models import Activity
from app.services.health.activity_store import (
    SOURCE_PRECEDENCE,
    merge_day,
    rank,
    upsert_days,
)
from app.services.health.provider import DailyActivity

DAY = date(2026, 12, 20)


def row(db, day=DAY) -> Activity:
    with session_scope(db) as session:
        return session.get(Activity, day)


def test_a_source_never_erases_what_it_does_not_supply(db):
    with session_scope(db) as session:
        fit = DailyActivity(day=DAY, steps=9000, sleep_minutes=431, weight_kg=Decimal("81.20"),
                            active_minutes=44)
        assert upsert_days(session, [fit], "fit") == 1
    with session_scope(db) as session:  # the Health API knows steps (a different number) only
        assert upsert_days(session, [DailyActivity(day=DAY, steps=8000)], "health_api") == 1
    r = row(db)
    assert (r.steps, r.sleep_minutes, r.weight_kg, r.active_minutes) == (
        9000, 431, Decimal("81.20"), 44
    )
    assert r.source == "fit"
    assert r.field_sources == {
        "steps": "fit", "sleep_minutes": "fit", "weight_kg": "fit", "active_minutes": "fit"
    }


def test_fields_a_higher_source_lacks_are_filled_and_recorded(db):
    with session_scope(db) as session:
        upsert_days(session, [DailyActivity(day=DAY, steps=9000)], "fit")
        upsert_days(
            session,
            [DailyActivity(day=DAY, steps=8000, resting_heart_rate=Decimal("54.00"))],
            "health_api",
        )
    r = row(db)
    assert (r.steps, r.resting_heart_rate) == (9000, Decimal("54.00"))
    assert r.field_sources == {"steps": "fit", "resting_heart_rate": "health_api"}
    assert r.source == "fit"  # the day's main source: the highest-precedence one


def test_higher_precedence_replaces_lower_and_same_source_updates_itself(db):
    with session_scope(db) as session:
        upsert_days(session, [DailyActivity(day=DAY, steps=7000, sleep_minutes=400)], "takeout")
        upsert_days(session, [DailyActivity(day=DAY, steps=7100)], "health_connect")
        upsert_days(session, [DailyActivity(day=DAY, steps=7200)], "health_connect")  # late upload
    r = row(db)
    assert (r.steps, r.sleep_minutes, r.source) == (7200, 400, "health_connect")
    assert r.field_sources == {"steps": "health_connect", "sleep_minutes": "takeout"}


def test_reimport_is_idempotent_and_never_duplicates(db):
    days = [
        DailyActivity(day=date(2026, 3, 29), steps=1000, distance_m=Decimal("800.50")),
        DailyActivity(day=date(2026, 3, 30), steps=5000),
        DailyActivity(day=date(2026, 3, 31)),  # nothing known: not written
    ]
    with session_scope(db) as session:
        assert upsert_days(session, days, "fit") == 2
    before = row(db, date(2026, 3, 29))
    with session_scope(db) as session:
        assert upsert_days(session, days, "fit") == 2
    after = row(db, date(2026, 3, 29))
    assert after.updated_at == before.updated_at  # nothing changed: the row was not touched
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 2


def test_same_day_twice_in_one_batch_merges_the_later_values(db):
    batch = [
        DailyActivity(day=DAY, steps=1200, sleep_minutes=430),
        DailyActivity(day=DAY, steps=1300),
    ]
    with session_scope(db) as session:
        assert upsert_days(session, batch, "takeout") == 1
    r = row(db)
    assert (r.steps, r.sleep_minutes) == (1300, 430)


def test_rows_from_before_the_merge_are_overwritten_by_any_source():
    # field_sources empty (a row without bookkeeping): the incoming value wins.
    merged = merge_day({"steps": 10}, {}, DailyActivity(day=DAY, steps=20), "takeout")
    assert (merged.values["steps"], merged.field_sources, merged.changed) == (
        20, {"steps": "takeout"}, True
    )


@pytest.mark.parametrize(
    ("owner", "incoming", "wins"),
    [("fit", "health_api", False), ("health_api", "fit", True), ("takeout", "health_connect",
     True), ("health_connect", "takeout", False), ("fit", "fit", True)],
)
def test_precedence_table(owner, incoming, wins):
    merged = merge_day({"steps": 1}, {"steps": owner}, DailyActivity(day=DAY, steps=2), incoming)
    assert merged.values["steps"] == (2 if wins else 1)
    assert SOURCE_PRECEDENCE == ("fit", "health_api", "health_connect", "takeout")
    assert rank(None) == rank("unknown") == len(SOURCE_PRECEDENCE)
