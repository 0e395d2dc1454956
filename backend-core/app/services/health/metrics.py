"""Prometheus metrics of the health module (default registry, served by the core's /metrics)."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge

from app.models.states import CredentialState, HealthProvider

# what the API and the gauge report: a stored grant's state, or no grant at all
AUTH_STATES = (*(str(s) for s in CredentialState), "missing")

LAST_SYNC = Gauge(
    "lifeboard_health_last_sync_timestamp_seconds",
    "Unix time of the last successful sync or import, per source",
    ["source"],
)
LAST_FAILURE = Gauge(
    "lifeboard_health_last_failure_timestamp_seconds",
    "Unix time of the last failed sync attempt (Google refused or unreachable), per source",
    ["source"],
)
ROWS_WRITTEN = Counter(
    "lifeboard_health_rows_written",
    "Activity rows (days) written, per source",
    ["source"],
)
AUTH_STATE = Gauge(
    "lifeboard_health_auth_state",
    "1 for the current state of the stored Google grant of a provider, 0 for the others",
    ["provider", "state"],
)


def record_success(source: str, rows: int, when: datetime) -> None:
    LAST_SYNC.labels(source=source).set(when.timestamp())
    ROWS_WRITTEN.labels(source=source).inc(rows)


def set_last_sync(source: str, when: datetime) -> None:
    LAST_SYNC.labels(source=source).set(when.timestamp())


def set_last_failure(source: str, when: datetime) -> None:
    LAST_FAILURE.labels(source=source).set(when.timestamp())


def set_auth_state(provider: str, state: str) -> None:
    for candidate in AUTH_STATES:
        AUTH_STATE.labels(provider=provider, state=candidate).set(1 if candidate == state else 0)


ACTIVE_PROVIDER = Gauge(
    "lifeboard_health_active_provider",
    "1 for the cloud provider health syncs use now (HEALTH_PROVIDER or the auto switch)",
    ["provider"],
)
MISSING_DAYS = Gauge(
    "lifeboard_health_missing_days",
    "Days the last sync of a source could not fetch (fetched again by the next run)",
    ["source"],
)


def set_active_provider(provider: str) -> None:
    for candidate in HealthProvider:
        ACTIVE_PROVIDER.labels(provider=candidate).set(1 if candidate == provider else 0)


def set_missing_days(source: str, days: int) -> None:
    MISSING_DAYS.labels(source=source).set(days)
