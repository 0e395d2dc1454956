"""Cloud sync (Google Fit or Google Health API, chosen by HEALTH_PROVIDER) into `activity`.

Each run re-fetches at least the last 7 local days (phones upload late) and continues from the
last synced day; `days` forces a backfill of that many days ending today. A revoked grant
(`invalid_grant`) marks the provider "reauthorization_needed": later runs stop before calling
Google until someone authorizes again, so the scheduler never spins on a dead token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError
from httplib2 import HttpLib2Error
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.db import session_scope
from app.models.health import HealthSyncState
from app.services.health import sync_state
from app.services.health.activity_store import upsert_days
from app.services.health.credential_store import CredentialStore
from app.services.health.errors import AuthorizationError, HealthError
from app.services.health.fit_client import FitProvider, build_fit_service
from app.services.health.health_api_client import HealthApiProvider, build_health_service
from app.services.health.provider import HealthProvider
from app.services.health.token_crypto import TokenCipher

log = logging.getLogger(__name__)

REFETCH_DAYS = 7
FIRST_SYNC_DAYS = 30
# Source label = provider name (activity.source, sync state, metrics): fit | health_api.
SOURCE_BY_PROVIDER = {"fit": "fit", "health_api": "health_api"}

ProviderFactory = Callable[[Settings, Credentials], HealthProvider]


def default_provider(settings: Settings, credentials: Credentials) -> HealthProvider:
    if settings.health_provider == "health_api":
        service = build_health_service(
            credentials, api_endpoint=settings.google_health_api_endpoint
        )
        return HealthApiProvider(service)
    service = build_fit_service(credentials, api_endpoint=settings.google_fit_api_endpoint)
    return FitProvider(service, ZoneInfo(settings.tz))


def sync_range(synced_through: date | None, today: date, days: int | None) -> tuple[date, date]:
    """Half-open [start, end) of local days to fetch; end is tomorrow (today is included)."""
    end = today + timedelta(days=1)
    if days is not None:
        return today - timedelta(days=max(days, 1) - 1), end
    if synced_through is None:
        return today - timedelta(days=FIRST_SYNC_DAYS - 1), end
    return min(synced_through, today) - timedelta(days=REFETCH_DAYS - 1), end


@dataclass
class SyncResult:
    source: str
    start: date
    end: date
    days_with_data: int
    rows_written: int


def run_sync(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    days: int | None = None,
    provider_factory: ProviderFactory = default_provider,
    on_window: Callable[[int], None] | None = None,
    on_range: Callable[[date, date], None] | None = None,
    today: date | None = None,
) -> SyncResult:
    provider_name = settings.health_provider
    source = SOURCE_BY_PROVIDER[provider_name]
    cipher = TokenCipher(settings.token_encryption_key.get_secret_value())
    today = today or datetime.now(ZoneInfo(settings.tz)).date()
    with session_scope(factory) as session:
        credentials = CredentialStore(session, cipher).load(provider_name)
        state = session.get(HealthSyncState, source)
        start, end = sync_range(state.synced_through if state else None, today, days)
        sync_state.mark_attempt(session, source)
    if on_range is not None:
        on_range(start, end)
    old_token = credentials.token
    try:
        fetched = provider_factory(settings, credentials).fetch_days(start, end, on_window)
    except RefreshError as exc:
        _fail(factory, source, f"token refresh failed: {exc}")
        if "invalid_grant" in str(exc):
            with session_scope(factory) as session:
                CredentialStore(session, cipher).mark_reauthorization_needed(
                    provider_name, str(exc)
                )
            raise AuthorizationError(
                "Google rejected the stored grant (revoked or expired): authorize again via "
                "/api/v1/google/auth/start or google-token-import"
            ) from exc
        raise HealthError(f"token refresh failed: {exc}") from exc
    except HttpError as exc:
        _fail(factory, source, f"Google API error {exc.status_code}: {exc.reason}")
        _save_refreshed(factory, cipher, provider_name, credentials, old_token)
        raise HealthError(f"Google API error {exc.status_code}: {exc.reason}") from exc
    except (TransportError, HttpLib2Error, OSError) as exc:  # DNS, refused, timeout, TLS
        _fail(factory, source, f"cannot reach Google: {exc}")
        _save_refreshed(factory, cipher, provider_name, credentials, old_token)
        raise HealthError(f"cannot reach Google: {exc}") from exc
    with session_scope(factory) as session:
        rows = upsert_days(session, fetched, source)
        CredentialStore(session, cipher).save_if_refreshed(provider_name, credentials, old_token)
        sync_state.mark_success(session, source, rows, synced_through=today)
    return SyncResult(source, start, end, len(fetched), rows)


def _fail(factory: sessionmaker[Session], source: str, error: str) -> None:
    with session_scope(factory) as session:
        sync_state.mark_failure(session, source, error)


def _save_refreshed(
    factory: sessionmaker[Session],
    cipher: TokenCipher,
    provider: str,
    credentials: Credentials,
    old_token: str | None,
) -> None:
    with session_scope(factory) as session:
        CredentialStore(session, cipher).save_if_refreshed(provider, credentials, old_token)


class SyncScheduler:
    """Background loop started from the core's lifespan when FIT_SYNC_INTERVAL_MINUTES > 0."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        provider_factory: ProviderFactory = default_provider,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.provider_factory = provider_factory
        self.interval = settings.fit_sync_interval_minutes * 60
        self._stop = asyncio.Event()
        self._task: asyncio.Task[Any] | None = None
        self.runs = 0

    def start(self) -> None:
        with contextlib.suppress(Exception), session_scope(self.factory) as session:
            sync_state.restore_metrics(session, self.settings.health_provider)
        if self.interval > 0:
            self._task = asyncio.create_task(self._loop(), name="health-sync")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = await asyncio.to_thread(
                    run_sync, self.factory, self.settings, provider_factory=self.provider_factory
                )
                log.info("health sync %s: %d rows", result.source, result.rows_written)
            except HealthError as exc:  # auth missing/revoked, config, API error: wait and retry
                log.warning("health sync skipped: %s", exc)
            except Exception:
                log.exception("health sync failed")
            self.runs += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
