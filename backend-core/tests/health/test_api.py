"""HTTP API of the health module through the real app (database real, Google never called)."""

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

from app.core.db import session_scope
from app.services.health.activity_store import upsert_days
from app.services.health.credential_store import CredentialStore
from app.services.health.provider import DailyActivity


def test_everything_but_the_callback_needs_the_token(health_api):
    for method, path in [
        ("GET", "/api/v1/google/auth/start"),
        ("GET", "/api/v1/health/status"),
        ("POST", "/api/v1/health/sync"),
        ("GET", "/api/v1/activity"),
    ]:
        response = health_api.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401, path
        assert "detail" in response.json()
    # Google's redirect has no token: the callback answers on its own terms (bad state -> 400)
    response = health_api.get(
        "/api/v1/google/auth/callback?state=nope&code=x", headers={"Authorization": ""}
    )
    assert response.status_code == 400
    assert "unknown or expired OAuth state" in response.json()["detail"]


def test_auth_start_returns_url_or_redirect_and_status_tracks_it(health_api):
    status = health_api.get("/api/v1/health/status").json()
    assert status["provider"] == "fit" and status["source"] == "fit"
    assert status["auth_state"] == "missing"

    body = health_api.get("/api/v1/google/auth/start").json()
    query = parse_qs(urlparse(body["authorization_url"]).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    redirect = health_api.get("/api/v1/google/auth/start?redirect=true", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"].startswith("https://accounts.google.com/")

    for params, message in [("error=access_denied", "not granted"), ("state=abc", "both")]:
        response = health_api.get(f"/api/v1/google/auth/callback?{params}")
        assert response.status_code == 400 and message in response.json()["detail"]
    for params in ("state=a%00b&code=c", "state=abc&code=x%00y", f"state={'a' * 201}&code=c"):
        response = health_api.get(f"/api/v1/google/auth/callback?{params}")
        assert response.status_code == 422, params  # never reaches the database


def test_sync_without_grant_is_409_and_revoked_grant_shows_in_status_and_metrics(
    health_api, db, health_settings
):
    response = health_api.post("/api/v1/health/sync")
    assert response.status_code == 409
    assert "no Google authorization" in response.json()["detail"]
    assert health_api.post("/api/v1/health/sync?days=0").status_code == 422

    from app.services.health.token_crypto import TokenCipher

    cipher = TokenCipher(health_settings.token_encryption_key.get_secret_value())
    with session_scope(db) as session:
        CredentialStore(session, cipher).mark_reauthorization_needed(
            "fit", "invalid_grant: revoked"
        )
    status = health_api.get("/api/v1/health/status").json()
    assert status["auth_state"] == "reauthorization_needed"
    assert "invalid_grant" in status["auth_error"]
    assert health_api.post("/api/v1/health/sync").status_code == 409
    metrics = health_api.get("/metrics").text
    assert (
        'lifeboard_health_auth_state{provider="fit",state="reauthorization_needed"} 1.0' in metrics
    )


def test_activity_list_filters_and_pages(health_api, db):
    days = [
        DailyActivity(day=date(2026, 3, d), steps=1000 * d, distance_m=Decimal("10.50"))
        for d in range(1, 11)
    ]
    with session_scope(db) as session:
        upsert_days(session, days, "takeout")
    page = health_api.get("/api/v1/activity?date_from=2026-03-03&date_to=2026-03-08&limit=4").json()
    assert page["total"] == 6
    assert [item["date"] for item in page["items"]] == [
        "2026-03-08",
        "2026-03-07",
        "2026-03-06",
        "2026-03-05",
    ]
    first = page["items"][0]
    assert first["steps"] == 8000 and first["distance_m"] == "10.50"
    assert first["weight_kg"] is None and first["source"] == "takeout"
    bad = health_api.get("/api/v1/activity?date_from=2026-03-09&date_to=2026-03-01")
    assert bad.status_code == 422 and "after" in bad.json()["detail"]
    assert health_api.get("/api/v1/activity?date_from=yesterday").status_code == 422


def test_auth_start_for_a_chosen_provider_asks_for_its_scopes(health_api):
    body = health_api.get("/api/v1/google/auth/start?provider=health_api").json()
    assert body["provider"] == "health_api"
    scopes = parse_qs(urlparse(body["authorization_url"]).query)["scope"][0].split()
    assert "https://www.googleapis.com/auth/googlehealth.sleep.readonly" in scopes
    assert not any("/auth/fitness." in s for s in scopes)
    assert health_api.get("/api/v1/google/auth/start?provider=strava").status_code == 422


def test_status_lists_both_providers_and_no_switch(health_api):
    status = health_api.get("/api/v1/health/status").json()
    assert status["active_provider"] == "fit" and status["switch"] is None
    assert [p["provider"] for p in status["providers"]] == ["fit", "health_api"]
    assert {p["auth_state"] for p in status["providers"]} == {"missing"}


def test_activity_shows_heart_points_and_field_sources(health_api, db):
    with session_scope(db) as session:
        upsert_days(session, [DailyActivity(day=date(2027, 1, 5), steps=900)], "fit")
        upsert_days(session, [DailyActivity(day=date(2027, 1, 5), steps=1, heart_minutes=10,
                                            heart_points=14)], "health_api")
    item = health_api.get("/api/v1/activity").json()["items"][0]
    assert (item["steps"], item["heart_minutes"], item["heart_points"]) == (900, 10, 14)
    assert item["field_sources"] == {"steps": "fit", "heart_minutes": "health_api",
                                     "heart_points": "health_api"}
    assert item["source"] == "fit"


def test_health_routes_keep_their_operations(health_api):
    """Clients generated from the OpenAPI document name these operations: moving a route
    between modules must keep its path, method, operation id, tag and response model."""
    schema = health_api.get("/openapi.json").json()
    expected = {
        ("/api/v1/google/auth/start", "get"): ("auth_start_api_v1_google_auth_start_get",
                                               "AuthStartOut"),
        ("/api/v1/health/status", "get"): ("health_status_api_v1_health_status_get",
                                           "HealthStatusOut"),
        ("/api/v1/health/sync", "post"): ("health_sync_api_v1_health_sync_post", "SyncOut"),
        ("/api/v1/activity", "get"): ("list_activity_api_v1_activity_get",
                                      "Page_ActivityOut_"),
    }
    for (path, method), (operation_id, model) in expected.items():
        operation = schema["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert operation["tags"] == ["health"]
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{model}"}


def test_status_says_plainly_when_google_is_not_configured(api):
    """Without the OAuth client in .env the status must not look like a sync never run."""
    status = api.get("/api/v1/health/status")
    assert status.status_code == 200, status.text
    google = status.json()["google"]
    assert google["configured"] is False
    assert {"GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"} <= set(google["missing"])
    assert google["message"].startswith("Google is not configured: set GOOGLE_CLIENT_ID, ")
    assert ".env" in google["message"]
    # the fields clients already read are still there
    assert {"provider", "active_provider", "source", "auth_state", "sources"} <= set(status.json())


def test_status_says_configured_when_it_is(health_api):
    google = health_api.get("/api/v1/health/status").json()["google"]
    assert google == {"configured": True, "missing": [], "message": None}
