"""The January switch end to end over real HTTP, against stand-in Fit and Health API servers
built from the bundled discovery documents (standin_google.py): 30 days from Fit with sleep
and weight, then Fit switches off and the Health API (steps only) takes over without erasing a
Fit field or leaving a gap; a 429 then a 500 on one window; a 403 that names the scope."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from google.oauth2 import credentials as google_credentials
from google.oauth2.credentials import Credentials
from prometheus_client import REGISTRY
from sqlalchemy import select

from app.core.db import session_scope
from app.models import Activity, HealthProviderSwitch, HealthSyncState
from app.services.health import request_retry
from app.services.health.credential_store import CredentialStore
from app.services.health.errors import MissingScopeError
from app.services.health.fit_client import FIT_SCOPES
from app.services.health.health_api_client import HEALTH_API_SCOPES
from app.services.health.sync import run_sync
from app.services.health.token_crypto import TokenCipher

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: find the helper
from standin_google import Fault, Request, StandIn

WARSAW = ZoneInfo("Europe/Warsaw")
FIT_TODAY = date(2026, 12, 20)
SWITCH_TODAY = date(2026, 12, 28)
AGGREGATE = "fitness.users.dataset.aggregate"
SESSIONS = "fitness.users.sessions.list"
ROLLUP = "health.users.dataTypes.dataPoints.dailyRollUp"
RECONCILE = "health.users.dataTypes.dataPoints.reconcile"
LIST = "health.users.dataTypes.dataPoints.list"


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def local(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), WARSAW)


# ------------------------------------------------------------------------------ Fit world
def fit_steps(day: date) -> int:
    return 5000 + day.day * 10


def fit_weight(day: date) -> Decimal:
    return Decimal("80.00") + Decimal(day.day) / 10


FIT_SLEEP_ASLEEP = 460  # 8 h in bed (23:00-07:00), 20 min of it awake


def play_fit(fit: StandIn, last_day: date) -> None:
    """Every day up to last_day: steps, weight and a night that ends that morning."""

    def aggregate(request: Request) -> dict:
        body = request.body
        start, end = int(body["startTimeMillis"]), int(body["endTimeMillis"])
        if "bucketByTime" not in body:  # sleep segments of one session
            awake_end = start + 20 * 60_000
            segment = [
                {"startTimeNanos": str(start * 10**6), "endTimeNanos": str(awake_end * 10**6),
                 "dataTypeName": "com.google.sleep.segment", "value": [{"intVal": 1}]},
                {"startTimeNanos": str(awake_end * 10**6), "endTimeNanos": str(end * 10**6),
                 "dataTypeName": "com.google.sleep.segment", "value": [{"intVal": 4}]},
            ]
            return {"bucket": [{"startTimeMillis": str(start), "endTimeMillis": str(end),
                                "dataset": [{"point": segment}]}]}
        assert body["bucketByTime"]["period"] == {"type": "day", "value": 1,
                                                  "timeZoneId": "Europe/Warsaw"}
        buckets = []
        day = datetime.fromtimestamp(start / 1000, WARSAW).date()
        while ms(local(day)) < end:
            datasets: list[dict] = [{"point": []} for _ in body["aggregateBy"]]
            if day <= last_day:
                datasets[0]["point"] = [{"value": [{"intVal": fit_steps(day)}]}]
                w = float(fit_weight(day))
                datasets[6]["point"] = [{"value": [{"fpVal": w}, {"fpVal": w}, {"fpVal": w}]}]
            buckets.append({"startTimeMillis": str(ms(local(day))),
                            "endTimeMillis": str(ms(local(day + timedelta(days=1)))),
                            "dataset": datasets})
            day += timedelta(days=1)
        return {"bucket": buckets}

    def sessions(request: Request) -> dict:
        assert request.query["activityType"] == "72"
        lo = datetime.fromisoformat(request.query["startTime"].replace("Z", "+00:00"))
        hi = datetime.fromisoformat(request.query["endTime"].replace("Z", "+00:00"))
        found = []
        day = lo.astimezone(WARSAW).date()
        while local(day, 7) < hi:
            if lo <= local(day, 7) and day <= last_day:
                found.append({"id": f"night-{day}", "name": "Sleep", "activityType": 72,
                              "startTimeMillis": str(ms(local(day, 7) - timedelta(hours=8))),
                              "endTimeMillis": str(ms(local(day, 7))),
                              "application": {"packageName": "com.google.android.apps.fitness"}})
            day += timedelta(days=1)
        return {"session": found}

    fit.handlers[AGGREGATE] = aggregate
    fit.handlers[SESSIONS] = sessions


# ------------------------------------------------------------------------ Health API world
def ha_steps(day: date) -> int:
    return 7000 + day.day


def civil(day: date) -> dict:
    return {"date": {"year": day.year, "month": day.month, "day": day.day}}


def parse_civil(value: dict) -> date:
    d = value["date"]
    return date(d["year"], d["month"], d["day"])


def play_health_steps_only(health: StandIn, last_day: date) -> None:
    def rollup(request: Request) -> dict:
        assert request.body["windowSizeDays"] == 1
        start = parse_civil(request.body["range"]["start"])
        end = parse_civil(request.body["range"]["end"])
        assert (end - start).days <= 14  # the smallest documented roll-up limit
        if request.path_params["dataTypesId"] != "steps":
            return {"rollupDataPoints": []}
        points = []
        day = start
        while day < end:
            if day <= last_day:
                points.append({"civilStartTime": civil(day),
                               "civilEndTime": civil(day + timedelta(days=1)),
                               "steps": {"countSum": str(ha_steps(day))}})
            day += timedelta(days=1)
        return {"rollupDataPoints": points}

    health.handlers[ROLLUP] = rollup
    health.handlers[RECONCILE] = lambda request: {"dataPoints": []}
    health.handlers[LIST] = lambda request: {"dataPoints": []}


# -------------------------------------------------------------------------------- fixtures
@pytest.fixture
def fit():
    server = StandIn("fitness", "v1").start()
    yield server
    server.stop()
    assert not server.violations


@pytest.fixture
def health():
    server = StandIn("health", "v4").start()
    yield server
    server.stop()
    assert not server.violations


@pytest.fixture
def no_backoff(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(request_retry.time, "sleep", waits.append)
    return waits


@pytest.fixture
def settings(settings_for, fit, health, health_settings):
    return settings_for(**{
        **{k: v for k, v in vars(health_settings).items() if k in (
            "api_token", "google_client_id", "google_client_secret", "google_redirect_uri")},
        "token_encryption_key": health_settings.token_encryption_key.get_secret_value(),
        "health_provider": "auto",
        "google_fit_api_endpoint": fit.url + "/",
        "google_health_api_endpoint": health.url + "/",
        "health_sync_max_attempts": 2,
        "fit_sync_interval_minutes": 0,
    })


def store_grant(db, settings, provider: str, scopes: list[str], token: str = "fresh") -> None:  # noqa: S107
    creds = Credentials(
        token=token, refresh_token="1//r", client_id="cid", client_secret="sec",
        token_uri="https://oauth2.googleapis.com/token",
        expiry=(datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None), scopes=scopes,
    )
    cipher = TokenCipher(settings.token_encryption_key.get_secret_value())
    with session_scope(db) as session:
        CredentialStore(session, cipher).save(provider, creds)


def daily(fit: StandIn) -> list[Request]:
    """Fit's daily-bucket aggregates (not the per-night sleep segment ones)."""
    return [r for r in fit.called(AGGREGATE) if "bucketByTime" in r.body]


def activity(db) -> dict[date, Activity]:
    with session_scope(db) as session:
        return {r.date: r for r in session.scalars(select(Activity))}


# ----------------------------------------------------------------------------------- tests
def test_switch_to_health_api_keeps_every_fit_field_without_a_gap(
    db, settings, fit, health, no_backoff, monkeypatch
):
    monkeypatch.setattr(google_credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", health.url + "/token")
    store_grant(db, settings, "fit", FIT_SCOPES)
    store_grant(db, settings, "health_api", HEALTH_API_SCOPES, token="stale")
    health.valid_token = "fresh"  # the stored access token is refused: 401 -> refresh
    play_fit(fit, last_day=FIT_TODAY)

    first = run_sync(db, settings, today=FIT_TODAY)
    assert (first.source, first.days_with_data, first.complete) == ("fit", 30, True)
    fit_days = activity(db)
    assert len(fit_days) == 30
    for day, row in fit_days.items():
        assert (row.steps, row.weight_kg, row.sleep_minutes) == (
            fit_steps(day), fit_weight(day), FIT_SLEEP_ASLEEP), day
    assert not health.calls

    # A week later Fit says it is switched off; the Health API has steps (other numbers) only.
    fit.fail(AGGREGATE, Fault(403, "The Fitness API has been turned down. Use the Google "
                                   "Health API.", status_text="PERMISSION_DENIED"))
    play_health_steps_only(health, last_day=SWITCH_TODAY)
    second = run_sync(db, settings, today=SWITCH_TODAY)
    assert (second.source, second.switched_from, second.complete) == ("health_api", "fit", True)
    assert health.tokens_issued == 1  # 401 -> one refresh, then the request went through
    # The Health API picks up where Fit stopped (its last synced day minus the re-fetch week).
    first_rollup = health.called(ROLLUP)[0].body["range"]["start"]
    assert parse_civil(first_rollup) == min(FIT_TODAY - timedelta(days=6),
                                            SWITCH_TODAY - timedelta(days=29))

    rows = activity(db)
    for day in fit_days:  # every Fit field survives, numbers and source
        assert (rows[day].steps, rows[day].weight_kg, rows[day].sleep_minutes) == (
            fit_steps(day), fit_weight(day), FIT_SLEEP_ASLEEP), day
        assert rows[day].source == "fit"
        assert rows[day].field_sources == {"steps": "fit", "weight_kg": "fit",
                                           "sleep_minutes": "fit"}
    new_days = [FIT_TODAY + timedelta(days=i) for i in range(1, 9)]
    for day in new_days:  # no gap: the days after Fit's last sync come from the Health API
        assert (rows[day].steps, rows[day].source) == (ha_steps(day), "health_api")
        assert rows[day].weight_kg is None and rows[day].sleep_minutes is None
    assert sorted(rows) == [min(rows) + timedelta(days=i) for i in range(len(rows))]

    with session_scope(db) as session:
        switch = session.scalars(select(HealthProviderSwitch)).one()
        assert (switch.from_provider, switch.to_provider) == ("fit", "health_api")
        assert "turned down" in switch.reason

    # Re-syncing is idempotent: nothing changes.
    before = {d: (r.steps, r.updated_at) for d, r in activity(db).items()}
    run_sync(db, settings, today=SWITCH_TODAY)
    assert {d: (r.steps, r.updated_at) for d, r in activity(db).items()} == before
    assert len(daily(fit)) == 1 + 1  # Fit is not asked again after the switch


def test_status_shows_the_switch_and_each_provider(db, settings, fit, health, no_backoff):
    from app.main import create_app

    store_grant(db, settings, "fit", FIT_SCOPES)
    store_grant(db, settings, "health_api", HEALTH_API_SCOPES)
    play_fit(fit, last_day=FIT_TODAY)
    run_sync(db, settings, today=FIT_TODAY)
    play_health_steps_only(health, last_day=date(2027, 1, 2))
    run_sync(db, settings, today=date(2027, 1, 2))  # after 2026-12-31: switched by date
    assert len(daily(fit)) == 1  # Fit was not even asked

    headers = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    with TestClient(create_app(settings), headers=headers) as client:
        status = client.get("/api/v1/health/status").json()
    assert (status["provider"], status["active_provider"], status["source"]) == (
        "auto", "health_api", "health_api")
    assert status["switch"]["reason"] == "Google Fit's REST API is supported until 2026-12-31"
    providers = {p["provider"]: p for p in status["providers"]}
    assert providers["fit"]["last_success_at"] and providers["health_api"]["last_success_at"]
    assert {p["auth_state"] for p in providers.values()} == {"ok"}


def test_429_then_500_on_one_window_the_rest_lands_and_the_next_run_fetches_it(
    db, settings, fit, health, no_backoff
):
    store_grant(db, settings, "health_api", HEALTH_API_SCOPES)
    settings = settings.model_copy(update={"health_provider": "health_api"})
    today = date(2027, 1, 30)
    play_health_steps_only(health, last_day=today)
    # 30 days = windows of 14, 14 and 2 days; the middle one fails twice, then gives up.
    middle = today - timedelta(days=15)

    def in_middle(request: Request) -> bool:
        return parse_civil(request.body["range"]["start"]) == middle

    health.fail(ROLLUP, Fault(429, "Quota exceeded", {"Retry-After": "7"}, in_middle,
                              "RESOURCE_EXHAUSTED"),
                Fault(500, "Internal error", when=in_middle, status_text="INTERNAL"))
    result = run_sync(db, settings, today=today)

    missing = [middle + timedelta(days=i) for i in range(14)]
    assert not result.complete and result.missing_days == missing
    assert "Google API error 500" in result.errors[0]
    assert no_backoff[0] >= 7  # Retry-After honoured (jitter alone would be < 1 s)
    rows = activity(db)
    assert sorted(rows) == sorted(
        set(today - timedelta(days=i) for i in range(30)) - set(missing))
    with session_scope(db) as session:
        state = session.get(HealthSyncState, "health_api")
        assert state.missing_days == missing and state.last_success_at is None
        assert "14 days missing" in state.last_error
    assert REGISTRY.get_sample_value("lifeboard_health_missing_days", {"source": "health_api"}) \
        == 14

    again = run_sync(db, settings, today=today)  # the next run reaches back to them
    assert again.complete and again.start == middle
    assert len(activity(db)) == 30
    with session_scope(db) as session:
        state = session.get(HealthSyncState, "health_api")
        assert state.missing_days == [] and state.last_success_at is not None
    assert REGISTRY.get_sample_value("lifeboard_health_missing_days", {"source": "health_api"}) \
        == 0


def test_403_names_the_missing_scope(db, settings, health, no_backoff, health_settings):
    from app.main import create_app

    store_grant(db, settings, "health_api", HEALTH_API_SCOPES[:2])
    settings = settings.model_copy(update={"health_provider": "health_api"})
    play_health_steps_only(health, last_day=date(2027, 1, 10))
    health.fail(RECONCILE, Fault(403, "Request had insufficient authentication scopes.",
                                 status_text="PERMISSION_DENIED"))
    with pytest.raises(MissingScopeError, match=r"googlehealth\.sleep\.readonly"):
        run_sync(db, settings, today=date(2027, 1, 10))
    assert len(health.called(RECONCILE)) == 1  # a 403 is not retried

    health.fail(RECONCILE, Fault(403, "Request had insufficient authentication scopes.",
                                 status_text="PERMISSION_DENIED"))
    headers = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    with TestClient(create_app(settings), headers=headers) as client:
        answer = client.post("/api/v1/health/sync")
    assert answer.status_code == 409
    assert "googlehealth.sleep.readonly" in answer.json()["detail"]


def test_health_api_without_any_data_tells_the_phone_only_user(db, settings, health):
    store_grant(db, settings, "health_api", HEALTH_API_SCOPES)
    settings = settings.model_copy(update={"health_provider": "health_api"})
    play_health_steps_only(health, last_day=date(2020, 1, 1))  # nothing in range
    result = run_sync(db, settings, today=date(2027, 1, 10))
    assert result.complete and result.days_with_data == 0
    assert "Health Connect" in result.warning and "import-health-connect" in result.warning
    with session_scope(db) as session:
        assert "phone-only" in session.get(HealthSyncState, "health_api").last_warning


def test_cli_lists_missing_days_and_exits_1(run_cli, db, health, grant_file, no_backoff,
                                            monkeypatch):
    import json

    monkeypatch.setattr(google_credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", health.url + "/token")
    monkeypatch.setenv("HEALTH_PROVIDER", "health_api")
    monkeypatch.setenv("GOOGLE_HEALTH_API_ENDPOINT", health.url + "/")
    monkeypatch.setenv("HEALTH_SYNC_MAX_ATTEMPTS", "1")
    today = datetime.now(WARSAW).date()
    first = today - timedelta(days=29)
    play_health_steps_only(health, last_day=today)
    health.fail(ROLLUP, Fault(503, "Backend Error", when=lambda r: parse_civil(
        r.body["range"]["start"]) == first, status_text="UNAVAILABLE"))
    assert run_cli("google-token-import", "--provider", "health_api", str(grant_file))[0] == 0

    code, out, err = run_cli("fit-sync")
    assert code == 1, err
    result = json.loads(out)
    assert result["complete"] is False and result["rows_written"] == 16
    assert result["missing_days"] == [str(first + timedelta(days=i)) for i in range(14)]
    assert "14 days not fetched (the next run fetches them)" in err and "503" in err
    assert "Traceback" not in err

    code, out, err = run_cli("fit-sync")
    assert code == 0, err
    assert json.loads(out)["complete"] is True and len(activity(db)) == 30
