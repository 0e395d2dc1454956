"""Writes DailyActivity rows into `activity`: one row per local date, merged per field.

Rules (README "Health data", one place in code: `merge_day`):
- A source never erases a value it does not supply: None is "not supplied", not "zero".
- Two sources with a value for the same day and field: the one earlier in SOURCE_PRECEDENCE
  wins; the same source replaces its own earlier value (late uploads, corrections). Fit comes
  first because its numbers are the ones the user saw through 2026 and the Health API's view of
  the same day is another device pool; Takeout is last, a one-time snapshot of Fit.
- `field_sources` records which source gave each field; `source` is the day's main source (the
  highest-precedence one among them). Writing the same data again changes nothing: idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models.activity import Activity
from app.models.states import HealthSource
from app.services.health.provider import METRIC_FIELDS, DailyActivity

SOURCE_PRECEDENCE = (
    HealthSource.FIT, HealthSource.HEALTH_API, HealthSource.HEALTH_CONNECT, HealthSource.TAKEOUT
)


def rank(source: str | None) -> int:
    """Lower wins; an unknown or missing source (rows from before the merge) ranks last."""
    try:
        return SOURCE_PRECEDENCE.index(source or "")
    except ValueError:
        return len(SOURCE_PRECEDENCE)


@dataclass
class MergedDay:
    values: dict[str, Any]
    field_sources: dict[str, str]
    source: str | None
    changed: bool


def merge_day(
    current: Mapping[str, Any],
    current_sources: Mapping[str, str],
    incoming: DailyActivity,
    source: str,
) -> MergedDay:
    """The day after `source` supplied `incoming` on top of what is stored."""
    values = {name: current.get(name) for name in METRIC_FIELDS}
    sources = dict(current_sources)
    changed = False
    for name in METRIC_FIELDS:
        new = getattr(incoming, name)
        if new is None:
            continue  # not supplied: keep whatever is there
        owner = sources.get(name) if values[name] is not None else None
        if owner is not None and owner != source and rank(owner) <= rank(source):
            continue  # a higher-precedence source already gave this field
        if values[name] != new or sources.get(name) != source:
            values[name] = new
            sources[name] = source
            changed = True
    main = min(sources.values(), key=rank) if sources else None
    return MergedDay(values, sources, main, changed)


def upsert_days(session: Session, days: Iterable[DailyActivity], source: str) -> int:
    """Merge the given days into `activity`; returns the number of days that supplied data."""
    by_day: dict[date, DailyActivity] = {}
    for d in days:
        if d.has_data():  # the same day twice in a batch: the later values win per field
            by_day[d.day] = _combine(by_day.get(d.day), d)
    if not by_day:
        return 0
    # Create missing rows first, then lock every row of the batch: concurrent writers (an import
    # beside a sync) merge one after the other instead of overwriting each other.
    session.execute(
        insert(Activity).on_conflict_do_nothing(index_elements=[Activity.date]),
        [{"date": day, "field_sources": {}} for day in sorted(by_day)],
    )
    rows = session.scalars(
        select(Activity)
        .where(Activity.date.in_(list(by_day)))
        .order_by(Activity.date)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        current = {name: getattr(row, name) for name in METRIC_FIELDS}
        merged = merge_day(current, row.field_sources or {}, by_day[row.date], source)
        if not merged.changed:
            continue
        for name, value in merged.values.items():
            setattr(row, name, value)
        row.field_sources = merged.field_sources
        row.source = merged.source
    session.flush()
    return len(by_day)


def _combine(earlier: DailyActivity | None, later: DailyActivity) -> DailyActivity:
    if earlier is None:
        return later
    for name in METRIC_FIELDS:
        if getattr(later, name) is not None:
            setattr(earlier, name, getattr(later, name))
    return earlier
