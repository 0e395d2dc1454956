"""Bookkeeping per source in `health_sync_state`, mirrored into the Prometheus metrics."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.health import GoogleCredential, HealthSyncState
from app.services.health import metrics
from app.services.health.credential_store import grant_state


def _row(session: Session, source: str) -> HealthSyncState:
    row = session.get(HealthSyncState, source)
    if row is None:
        row = HealthSyncState(source=source, rows_written=0)
        session.add(row)
    return row


def mark_attempt(session: Session, source: str) -> HealthSyncState:
    row = _row(session, source)
    row.last_attempt_at = datetime.now(UTC)
    session.flush()
    return row


def mark_success(
    session: Session,
    source: str,
    rows: int,
    synced_through: date | None = None,
    warning: str | None = None,
) -> HealthSyncState:
    now = datetime.now(UTC)
    row = _row(session, source)
    row.last_attempt_at = row.last_attempt_at or now
    row.last_success_at = now
    row.last_error = None
    row.last_warning = warning
    row.missing_days = []
    row.rows_written = (row.rows_written or 0) + rows
    if synced_through is not None:
        row.synced_through = synced_through
    session.flush()
    metrics.record_success(source, rows, now)
    metrics.set_missing_days(source, 0)
    return row


def mark_partial(
    session: Session,
    source: str,
    rows: int,
    missing_days: list[date],
    error: str,
    synced_through: date | None = None,
) -> HealthSyncState:
    """Some windows landed, others failed: the run is not a success, but what landed stays
    and the missing days are remembered for the next run."""
    row = _row(session, source)
    row.last_attempt_at = datetime.now(UTC)
    row.last_error = error[:2000]
    row.missing_days = sorted(set(missing_days))
    row.rows_written = (row.rows_written or 0) + rows
    if synced_through is not None:
        row.synced_through = synced_through
    session.flush()
    metrics.ROWS_WRITTEN.labels(source=source).inc(rows)
    metrics.set_missing_days(source, len(row.missing_days))
    metrics.set_last_failure(source, row.last_attempt_at)  # not a success: the alert counts it
    return row


def mark_failure(session: Session, source: str, error: str) -> None:
    row = _row(session, source)
    row.last_attempt_at = datetime.now(UTC)
    row.last_error = error[:2000]
    session.flush()
    metrics.set_last_failure(source, row.last_attempt_at)


def describe(row: HealthSyncState) -> dict[str, Any]:
    return {
        "source": row.source,
        "last_success_at": row.last_success_at,
        "last_attempt_at": row.last_attempt_at,
        "last_error": row.last_error,
        "synced_through": row.synced_through,
        "rows_written": row.rows_written,
        "missing_days": list(row.missing_days or []),
        "last_warning": row.last_warning,
    }


def all_sources(session: Session) -> list[HealthSyncState]:
    return list(session.scalars(select(HealthSyncState).order_by(HealthSyncState.source)))


def restore_metrics(session: Session, provider: str | None = None) -> None:
    """After a restart the gauges start from what the database remembers; the active
    provider's auth state is exported even before any grant exists ("missing")."""
    for row in all_sources(session):
        if row.last_success_at is not None:
            metrics.set_last_sync(row.source, row.last_success_at)
        # last_error is cleared by a success: set, the last attempt was the failure
        if row.last_error is not None and row.last_attempt_at is not None:
            metrics.set_last_failure(row.source, row.last_attempt_at)
        metrics.set_missing_days(row.source, len(row.missing_days or []))
    providers = set(session.scalars(select(GoogleCredential.provider)))
    if provider is not None:
        providers.add(provider)
    for name in sorted(providers):
        metrics.set_auth_state(name, grant_state(session, name)[0])
    if provider is not None:
        metrics.set_active_provider(provider)
