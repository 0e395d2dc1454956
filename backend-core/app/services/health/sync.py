"""Cloud sync (Google Fit or Google Health API, chosen by HEALTH_PROVIDER) into `activity`.

Each run re-fetches at least the last 7 local days (phones upload late), continues from the
last synced day, and reaches back to any day an earlier run could not fetch; `days` forces a
backfill of that many days ending today. The range is fetched in windows (90 days for Fit, 14
for the Health API); each window is merged into `activity` as soon as it arrives, so a failure
later in the run loses nothing. A window whose requests still fail after the retries
(request_retry: 429 / 5xx / network, backoff with jitter) is reported as missing days and
fetched again by the next run; the other windows land.

Errors that no retry fixes stop the run (what landed stays): a revoked grant (`invalid_grant`)
marks the provider "reauthorization_needed" (later runs stop before calling Google until
someone authorizes again, so the scheduler never spins on a dead token); a 403 names the
missing scope. With HEALTH_PROVIDER=auto, Fit answering that it is switched off moves the
sync to the Health API in the same run (provider_choice).

One run at a time across every core and command: the PostgreSQL advisory lock
HEALTH_SYNC_LOCK (app.core.locks). The scheduler of each replica tries it; the one that gets
it syncs, the others skip, and a replica that gets it right after another finished skips too
(the active source was attempted less than half an interval ago).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError
from httplib2 import HttpLib2Error
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings, local_today
from app.core.db import session_scope
from app.core.locks import HEALTH_SYNC_LOCK, try_advisory_lock
from app.models.health import HealthSyncState
from app.models.states import HealthProvider
from app.services.health import provider_choice, sync_state
from app.services.health.activity_store import upsert_days
from app.services.health.credential_store import CredentialStore
from app.services.health.errors import (
    AuthorizationError,
    HealthError,
    MissingScopeError,
    ProviderShutDownError,
    SyncBusyError,
)
from app.services.health.fit_client import FitProvider, build_fit_service
from app.services.health.health_api_client import HealthApiProvider, build_health_service
from app.services.health.provider import date_windows
from app.services.health.request_retry import RateLimiter, RetryPolicy
from app.services.health.token_crypto import TokenCipher

log = logging.getLogger(__name__)

REFETCH_DAYS = 7
FIRST_SYNC_DAYS = 30
NO_DATA_WARNING = (
    "the Google Health API returned no data for {start}..{last}. It serves Fitbit, Pixel Watch "
    "and Google Health app data: a phone-only Google Fit user gets nothing here. Export Health "
    "Connect on the phone and import it (import-health-connect, or HEALTH_CONNECT_IMPORT_DIR); "
    "README: Health data after Google Fit"
)

ProviderFactory = Callable[[Settings, Credentials], Any]


def retry_policy(settings: Settings, provider: str) -> RetryPolicy:
    # the Health API allows 300 requests a minute per user
    limiter = RateLimiter(300) if provider == HealthProvider.HEALTH_API else None
    return RetryPolicy(
        max_attempts=settings.health_sync_max_attempts,
        base_seconds=settings.health_sync_backoff_seconds,
        cap_seconds=settings.health_sync_backoff_max_seconds,
        limiter=limiter,
    )


def default_provider(settings: Settings, credentials: Credentials) -> Any:
    """A provider for settings.health_provider (always fit or health_api here, never auto)."""
    retry = retry_policy(settings, settings.health_provider)
    if settings.health_provider == HealthProvider.HEALTH_API.value:
        service = build_health_service(
            credentials, api_endpoint=settings.google_health_api_endpoint
        )
        return HealthApiProvider(service, retry=retry)
    service = build_fit_service(credentials, api_endpoint=settings.google_fit_api_endpoint)
    return FitProvider(
        service, ZoneInfo(settings.tz), retry=retry, granted_scopes=credentials.scopes
    )


def sync_range(
    synced_through: date | None,
    today: date,
    days: int | None,
    *,
    missing: list[date] | None = None,
    continue_from: date | None = None,
) -> tuple[date, date]:
    """Half-open [start, end) of local days to fetch; end is tomorrow (today is included).

    `missing`: days an earlier run could not fetch (the range reaches back to them).
    `continue_from`: the last day another provider synced (the auto switch picks up there).
    """
    end = today + timedelta(days=1)
    if days is not None:
        start = today - timedelta(days=max(days, 1) - 1)
    elif synced_through is None:
        start = today - timedelta(days=FIRST_SYNC_DAYS - 1)
        if continue_from is not None:
            start = min(start, continue_from - timedelta(days=REFETCH_DAYS - 1))
    else:
        start = min(synced_through, today) - timedelta(days=REFETCH_DAYS - 1)
    if missing:
        start = min(start, min(missing))
    return start, end


@dataclass
class SyncResult:
    source: str
    start: date
    end: date
    days_with_data: int
    rows_written: int
    missing_days: list[date] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    switched_from: str | None = None
    warning: str | None = None
    windows_fetched: int = 0

    @property
    def complete(self) -> bool:
        return not self.missing_days


@contextlib.contextmanager
def health_sync_lock(factory: sessionmaker[Session]) -> Iterator[bool]:
    """The cluster-wide health sync lock (True when this process got it)."""
    with try_advisory_lock(factory.kw["bind"], HEALTH_SYNC_LOCK) as acquired:
        yield acquired


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
    """One sync now; SyncBusyError when another core or command is syncing."""
    with health_sync_lock(factory) as acquired:
        if not acquired:
            raise SyncBusyError("a health sync is already running (another core or command)")
        return _sync(factory, settings, days, provider_factory, on_window, on_range, today)


def run_scheduled_sync(
    factory: sessionmaker[Session],
    settings: Settings,
    interval: timedelta,
    *,
    provider_factory: ProviderFactory = default_provider,
    today: date | None = None,
) -> SyncResult | None:
    """The scheduler's run: None when another replica holds the lock or synced moments ago."""
    with health_sync_lock(factory) as acquired:
        if not acquired:
            return None
        today = today or local_today(settings)
        with session_scope(factory) as session:
            provider = provider_choice.current_provider(session, settings, today)
            state = session.get(HealthSyncState, provider)  # a provider syncs as its own source
            last = state.last_attempt_at if state else None
        if last is not None and datetime.now(UTC) - last < interval / 2:
            return None
        return _sync(factory, settings, None, provider_factory, None, None, today)


def _sync(
    factory: sessionmaker[Session],
    settings: Settings,
    days: int | None,
    provider_factory: ProviderFactory,
    on_window: Callable[[int], None] | None,
    on_range: Callable[[date, date], None] | None,
    today: date | None,
) -> SyncResult:
    today = today or local_today(settings)
    with session_scope(factory) as session:
        provider = provider_choice.active_provider(session, settings, today)
    run = _ProviderRun(factory, settings, provider_factory, on_window, on_range, today)
    try:
        return run.sync(provider, days)
    except ProviderShutDownError as exc:
        if settings.health_provider != "auto" or provider != HealthProvider.FIT:
            raise HealthError(
                f"{exc}. Google Fit is switched off: set HEALTH_PROVIDER=auto (or health_api) "
                "and connect the Google Health API (README: Health data after Google Fit)"
            ) from exc
        with session_scope(factory) as session:
            provider_choice.record_switch(
                session, HealthProvider.FIT, HealthProvider.HEALTH_API, str(exc)
            )
    result = run.sync(HealthProvider.HEALTH_API, days)
    result.switched_from = HealthProvider.FIT
    return result


class _ProviderRun:
    """A sync of one provider, window by window."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        provider_factory: ProviderFactory,
        on_window: Callable[[int], None] | None,
        on_range: Callable[[date, date], None] | None,
        today: date,
    ) -> None:
        self.factory, self.settings, self.provider_factory = factory, settings, provider_factory
        self.on_window, self.on_range, self.today = on_window, on_range, today
        self.cipher = TokenCipher(settings.token_encryption_key.get_secret_value())

    def sync(self, provider_name: str, days: int | None) -> SyncResult:
        source = provider_name  # the source label of a provider's rows, state and metrics
        with session_scope(self.factory) as session:
            credentials = CredentialStore(session, self.cipher).load(provider_name)
            state = session.get(HealthSyncState, source)
            handover = None
            if (self.settings.health_provider == "auto"
                    and provider_name == HealthProvider.HEALTH_API):
                fit_state = session.get(HealthSyncState, HealthProvider.FIT)
                handover = fit_state.synced_through if fit_state else None
            old_missing = list(state.missing_days or []) if state else []
            start, end = sync_range(
                state.synced_through if state else None,
                self.today,
                days,
                missing=old_missing,
                continue_from=handover,
            )
            sync_state.mark_attempt(session, source)
        if self.on_range is not None:
            self.on_range(start, end)
        concrete = self.settings.model_copy(update={"health_provider": provider_name})
        provider = self.provider_factory(concrete, credentials)
        result = SyncResult(source, start, end, 0, 0)
        token = credentials.token
        for window_start, window_end in date_windows(start, end, provider.window_days):
            try:
                window = provider.fetch_window(window_start, window_end)
            except RefreshError as exc:
                error = f"token refresh failed: {exc}"
                self._stop(source, provider_name, credentials, token, error)
                if "invalid_grant" in str(exc):
                    with session_scope(self.factory) as session:
                        CredentialStore(session, self.cipher).mark_reauthorization_needed(
                            provider_name, str(exc)
                        )
                    raise AuthorizationError(
                        "Google rejected the stored grant (revoked or expired): authorize "
                        f"again via /api/v1/google/auth/start?provider={provider_name} or "
                        "google-token-import"
                    ) from exc
                raise HealthError(f"token refresh failed: {exc}") from exc
            except MissingScopeError as exc:
                self._stop(source, provider_name, credentials, token, str(exc))
                raise
            except ProviderShutDownError as exc:
                self._stop(source, provider_name, credentials, token, str(exc))
                raise
            except HttpError as exc:
                if exc.status_code == 401:  # the client refreshed already: the grant is bad
                    message = f"Google rejected the access token after a refresh: {exc.reason}"
                    self._stop(source, provider_name, credentials, token, message)
                    raise AuthorizationError(message) from exc
                self._missing(
                    result,
                    window_start,
                    window_end,
                    f"Google API error {exc.status_code}: {exc.reason}",
                )
            except (TransportError, HttpLib2Error, OSError) as exc:  # DNS, refused, timeout
                self._missing(result, window_start, window_end, f"cannot reach Google: {exc}")
            else:
                with session_scope(self.factory) as session:
                    result.rows_written += upsert_days(session, window, source)
                    CredentialStore(session, self.cipher).save_if_refreshed(
                        provider_name, credentials, token
                    )
                token = credentials.token
                result.days_with_data += len(window)
                result.windows_fetched += 1
            if self.on_window is not None:
                self.on_window((window_end - window_start).days)
        return self._finish(result, provider_name, credentials, token, old_missing)

    def _missing(self, result: SyncResult, start: date, end: date, error: str) -> None:
        days = [start + timedelta(days=i) for i in range((end - start).days)]
        result.missing_days += days
        result.errors.append(f"{start}..{days[-1]}: {error}")
        log.warning("health sync %s: %s..%s not fetched: %s", result.source, start, end, error)

    def _finish(
        self,
        result: SyncResult,
        provider_name: str,
        credentials: Credentials,
        token: str | None,
        old_missing: list[date],
    ) -> SyncResult:
        source = result.source
        # Days missing from an older run outside this range (a shorter --days) stay missing.
        still = [d for d in old_missing if not result.start <= d < result.end]
        missing = sorted(set(still) | set(result.missing_days))
        if result.missing_days and not result.windows_fetched:  # nothing landed: a failed run
            with session_scope(self.factory) as session:
                sync_state.mark_partial(session, source, 0, missing, "; ".join(result.errors))
                CredentialStore(session, self.cipher).save_if_refreshed(
                    provider_name, credentials, token
                )
            raise HealthError(result.errors[0].split(": ", 1)[1])
        no_data = result.days_with_data == 0 and not missing
        if provider_name == HealthProvider.HEALTH_API and no_data:
            result.warning = NO_DATA_WARNING.format(
                start=result.start, last=result.end - timedelta(days=1)
            )
            log.warning("health sync: %s", result.warning)
        with session_scope(self.factory) as session:
            if missing:
                summary = (
                    f"{len(missing)} days missing ({missing[0]}..{missing[-1]}), fetched "
                    "again on the next run: " + "; ".join(result.errors)
                )
                sync_state.mark_partial(
                    session,
                    source,
                    result.rows_written,
                    missing,
                    summary,
                    synced_through=self.today,
                )
            else:
                sync_state.mark_success(
                    session,
                    source,
                    result.rows_written,
                    synced_through=self.today,
                    warning=result.warning,
                )
        result.missing_days = missing
        return result

    def _stop(
        self,
        source: str,
        provider_name: str,
        credentials: Credentials,
        token: str | None,
        error: str,
    ) -> None:
        with session_scope(self.factory) as session:
            sync_state.mark_failure(session, source, error)
            CredentialStore(session, self.cipher).save_if_refreshed(
                provider_name, credentials, token
            )


class SyncScheduler:
    """Background loop started from the core's lifespan when FIT_SYNC_INTERVAL_MINUTES > 0.

    Every replica runs one; the advisory lock lets one of them sync per interval. It also
    imports Health Connect exports dropped into HEALTH_CONNECT_IMPORT_DIR.
    """

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
        self.synced = 0

    def start(self) -> None:
        with contextlib.suppress(Exception), session_scope(self.factory) as session:
            provider = provider_choice.current_provider(
                session, self.settings, local_today(self.settings)
            )
            sync_state.restore_metrics(session, provider)
        if self.interval > 0:
            self._task = asyncio.create_task(self._loop(), name="health-sync")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    def run_once(self) -> SyncResult | None:
        from app.services.health.imports import import_health_connect_folder

        folder = self.settings.health_connect_import_dir
        if folder is not None:
            import_health_connect_folder(self.factory, folder, ZoneInfo(self.settings.tz))
        result = run_scheduled_sync(
            self.factory,
            self.settings,
            timedelta(seconds=self.interval),
            provider_factory=self.provider_factory,
        )
        if result is not None:
            self.synced += 1
        return result

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = await asyncio.to_thread(self.run_once)
                if result is None:
                    log.info("health sync skipped: another core ran it")
                else:
                    log.info(
                        "health sync %s: %d rows, %d days missing",
                        result.source,
                        result.rows_written,
                        len(result.missing_days),
                    )
            except HealthError as exc:  # auth missing/revoked, config, API error: wait and retry
                log.warning("health sync skipped: %s", exc)
            except Exception:
                log.exception("health sync failed")
            self.runs += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
