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
    session: Session, source: str, rows: int, synced_through: date | None = None
) -> HealthSyncState:
    now = datetime.now(UTC)
    row = _row(session, source)
    row.last_attempt_at = row.last_attempt_at or now
    row.last_success_at = now
    row.last_error = None
    row.rows_written = (row.rows_written or 0) + rows
    if synced_through is not None:
        row.synced_through = synced_through
    session.flush()
    metrics.record_success(source, rows, now)
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
    }


def all_sources(session: Session) -> list[HealthSyncState]:
    return list(session.scalars(select(HealthSyncState).order_by(HealthSyncState.source)))


def restore_metrics(session: Session, provider: str | None = None) -> None:
    """After a restart the gauges start from what the database remembers; the configured
    provider's auth state is exported even before any grant exists ("missing")."""
    for row in all_sources(session):
        if row.last_success_at is not None:
            metrics.set_last_sync(row.source, row.last_success_at)
        # last_error is cleared by a success: set, the last attempt was the failure
        if row.last_error is not None and row.last_attempt_at is not None:
            metrics.set_last_failure(row.source, row.last_attempt_at)
    providers = set(session.scalars(select(GoogleCredential.provider)))
    if provider is not None:
        providers.add(provider)
    for name in sorted(providers):
        metrics.set_auth_state(name, grant_state(session, name)[0])
