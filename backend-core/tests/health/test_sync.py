"""Sync runs against the real database with Google mocked by HttpMockSequence: token refresh is
saved, a revoked grant turns into "reauthorization_needed" (and stops calling Google), the last
7 days are always fetched again, metrics follow."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import google_auth_httplib2
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.http import HttpMockSequence
from prometheus_client import REGISTRY

from app.core.db import session_scope
from app.models import Activity, GoogleCredential, HealthSyncState
from app.services.health.credential_store import CredentialStore, grant_state
from app.services.health.errors import AuthorizationError
from app.services.health.fit_client import FitProvider, build_fit_service
from app.services.health.sync import run_sync, sync_range
from app.services.health.token_crypto import TokenCipher

WARSAW = ZoneInfo("Europe/Warsaw")
TODAY = date(2026, 3, 31)
OK = {"status": "200", "content-type": "application/json"}


def day_ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), WARSAW).timestamp() * 1000)


def steps_bucket(day: date, steps: int) -> dict:
    datasets = [{"point": []} for _ in range(7)]
    datasets[0]["point"] = [{"value": [{"intVal": steps}]}]
    return {
        "startTimeMillis": str(day_ms(day)),
        "endTimeMillis": str(day_ms(day + timedelta(days=1))),
        "dataset": datasets,
    }


def store_grant(db, settings, *, expired: bool) -> None:
    expiry = datetime.now(UTC) + timedelta(hours=-1 if expired else 1)
    creds = Credentials(
        token="old-access-token",
        refresh_token="1//refresh",
        client_id="cid",
        client_secret="csecret",
        token_uri="https://oauth2.googleapis.com/token",
        expiry=expiry.replace(tzinfo=None),
        scopes=["https://www.googleapis.com/auth/fitness.activity.read"],
    )
    with session_scope(db) as session:
        CredentialStore(
            session, TokenCipher(settings.token_encryption_key.get_secret_value())
        ).save("fit", creds)


class MockGoogle:
    """provider_factory that sends every request (token refresh too) into one mock sequence."""

    def __init__(self, responses):
        self.http = HttpMockSequence(responses)
        self.credentials = None

    def __call__(self, settings, credentials):
        self.credentials = credentials
        authed = google_auth_httplib2.AuthorizedHttp(credentials, http=self.http)
        service = build_fit_service(http=authed, api_endpoint=settings.google_fit_api_endpoint)
        return FitProvider(service, WARSAW)


def metric(name, **labels):
    return REGISTRY.get_sample_value(name, labels)


def test_sync_range_refetches_last_seven_days():
    assert sync_range(None, TODAY, None) == (TODAY - timedelta(days=29), TODAY + timedelta(days=1))
    assert sync_range(TODAY, TODAY, None) == (date(2026, 3, 25), date(2026, 4, 1))
    # the server was down for two weeks: continue from the last synced day, minus 6
    assert sync_range(date(2026, 3, 10), TODAY, None)[0] == date(2026, 3, 4)
    assert sync_range(TODAY, TODAY, 120) == (TODAY - timedelta(days=119), TODAY + timedelta(days=1))


def test_expired_token_is_refreshed_saved_and_rows_written(db, health_settings):
    store_grant(db, health_settings, expired=True)
    written_before = metric("lifeboard_health_rows_written_total", source="fit") or 0
    buckets = {"bucket": [steps_bucket(date(2026, 3, 29), 9000), steps_bucket(TODAY, 1200)]}
    google = MockGoogle(
        [
            (
                OK,
                json.dumps(
                    {"access_token": "new-access-token", "expires_in": 3599, "token_type": "Bearer"}
                ),
            ),
            (OK, json.dumps(buckets)),
            (OK, json.dumps({"session": []})),
        ]
    )
    result = run_sync(db, health_settings, provider_factory=google, today=TODAY)

    assert (result.start, result.end, result.rows_written) == (
        date(2026, 3, 2),
        date(2026, 4, 1),
        2,
    )
    refresh_uri, _, refresh_body, _ = google.http.request_sequence[0]
    assert refresh_uri == "https://oauth2.googleapis.com/token"
    assert b"grant_type=refresh_token" in refresh_body
    _, _, _, api_headers = google.http.request_sequence[1]
    assert api_headers["authorization"] == "Bearer new-access-token"

    cipher = TokenCipher(health_settings.token_encryption_key.get_secret_value())
    with session_scope(db) as session:
        stored = CredentialStore(session, cipher).load("fit")
        assert stored.token == "new-access-token"  # the refreshed token was persisted
        raw = session.get(GoogleCredential, "fit").encrypted_token
        assert b"new-access-token" not in raw and b"1//refresh" not in raw  # encrypted at rest
        assert session.get(Activity, date(2026, 3, 29)).steps == 9000
        state = session.get(HealthSyncState, "fit")
        assert state.synced_through == TODAY and state.last_error is None
    assert metric("lifeboard_health_rows_written_total", source="fit") == written_before + 2
    last = metric("lifeboard_health_last_sync_timestamp_seconds", source="fit")
    assert abs(last - datetime.now(UTC).timestamp()) < 60


def test_revoked_grant_marks_reauthorization_needed_without_crash_loop(db, health_settings):
    store_grant(db, health_settings, expired=True)
    google = MockGoogle(
        [
            (
                {"status": "400", "content-type": "application/json"},
                json.dumps(
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    }
                ),
            ),
        ]
    )
    before = datetime.now(UTC).timestamp()
    with pytest.raises(AuthorizationError, match="authorize again"):
        run_sync(db, health_settings, provider_factory=google, today=TODAY)

    with session_scope(db) as session:
        state, error = grant_state(session, "fit")
        assert state == "reauthorization_needed" and "invalid_grant" in error
        assert "token refresh failed" in session.get(HealthSyncState, "fit").last_error
    # the HealthSyncFailing alert compares this with the last success
    failed_at = metric("lifeboard_health_last_failure_timestamp_seconds", source="fit")
    assert before - 1 <= failed_at <= datetime.now(UTC).timestamp() + 1
    assert (
        metric("lifeboard_health_auth_state", provider="fit", state="reauthorization_needed") == 1
    )
    assert metric("lifeboard_health_auth_state", provider="fit", state="ok") == 0

    # the next (scheduled) run fails fast, before any request to Google
    again = MockGoogle([])
    with pytest.raises(AuthorizationError, match="revoked or expired"):
        run_sync(db, health_settings, provider_factory=again, today=TODAY)
    assert again.credentials is None and again.http.request_sequence == []

    # a new grant clears the state
    store_grant(db, health_settings, expired=False)
    with session_scope(db) as session:
        assert grant_state(session, "fit") == ("ok", None)
    assert metric("lifeboard_health_auth_state", provider="fit", state="ok") == 1


def test_no_grant_at_all_is_a_clear_error(db, health_settings):
    with pytest.raises(AuthorizationError, match="no Google authorization"):
        run_sync(db, health_settings, provider_factory=MockGoogle([]), today=TODAY)


def test_health_provider_setting_selects_the_adapter(health_settings):
    from app.services.health.health_api_client import HealthApiProvider
    from app.services.health.sync import default_provider

    creds = Credentials(token="t")
    assert isinstance(default_provider(health_settings, creds), FitProvider)
    other = health_settings.model_copy(update={"health_provider": "health_api"})
    assert isinstance(default_provider(other, creds), HealthApiProvider)


def test_scheduler_runs_on_its_interval_and_survives_a_revoked_grant(db, health_settings):
    import asyncio

    from app.services.health.sync import SyncScheduler

    store_grant(db, health_settings, expired=True)
    revoked = (
        {"status": "400", "content-type": "application/json"},
        json.dumps({"error": "invalid_grant"}),
    )
    google = MockGoogle([revoked])
    fast = health_settings.model_copy(update={"fit_sync_interval_minutes": 0.001})  # 60 ms

    async def run_for(seconds: float) -> SyncScheduler:
        scheduler = SyncScheduler(db, fast, provider_factory=google)
        scheduler.start()
        await asyncio.sleep(seconds)
        await scheduler.stop()
        return scheduler

    scheduler = asyncio.run(run_for(0.5))
    assert scheduler.runs >= 3  # kept going after the failure
    assert len(google.http.request_sequence) == 1  # Google was asked once, not in a loop
    with session_scope(db) as session:
        assert grant_state(session, "fit")[0] == "reauthorization_needed"

    off = SyncScheduler(db, health_settings)  # interval 0: no task

    async def start_stop() -> None:
        off.start()
        await off.stop()

    asyncio.run(start_stop())
    assert off.runs == 0


def test_metrics_are_restored_from_the_database_after_a_restart(db, health_settings):
    from prometheus_client import REGISTRY as registry

    from app.services.health import metrics, sync_state

    when = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    failed = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    with session_scope(db) as session:
        session.add(HealthSyncState(source="health_connect", last_success_at=when, rows_written=5))
        session.add(HealthSyncState(source="health_api", last_success_at=when, rows_written=1,
                                    last_attempt_at=failed, last_error="cannot reach Google"))
        CredentialStore(
            session, TokenCipher(health_settings.token_encryption_key.get_secret_value())
        ).mark_reauthorization_needed("health_api", "invalid_grant")
    metrics.set_auth_state("health_api", "ok")  # a fresh process knows nothing yet
    metrics.LAST_SYNC.labels(source="health_connect").set(0)
    metrics.LAST_FAILURE.labels(source="health_api").set(0)
    metrics.LAST_FAILURE.labels(source="health_connect").set(0)
    with session_scope(db) as session:
        sync_state.restore_metrics(session, "fit")
    assert (
        registry.get_sample_value(
            "lifeboard_health_last_sync_timestamp_seconds", {"source": "health_connect"}
        )
        == when.timestamp()
    )
    # a source whose last attempt failed is failing again after the restart; one that
    # succeeded last is not
    failure = "lifeboard_health_last_failure_timestamp_seconds"
    assert registry.get_sample_value(failure, {"source": "health_api"}) == failed.timestamp()
    assert registry.get_sample_value(failure, {"source": "health_connect"}) == 0
    assert (
        registry.get_sample_value(
            "lifeboard_health_auth_state",
            {"provider": "health_api", "state": "reauthorization_needed"},
        )
        == 1
    )
