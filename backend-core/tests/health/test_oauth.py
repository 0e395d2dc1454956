"""OAuth web flow: consent URL (offline, consent, PKCE), verifier kept server-side by state,
code exchange carrying that verifier, encrypted storage. Google's token endpoint is answered by
an in-process requests adapter: nothing leaves the machine."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from requests.adapters import BaseAdapter

from app.core.db import session_scope
from app.models import OAuthPendingState
from app.services.health import oauth
from app.services.health.credential_store import CredentialStore, grant_state
from app.services.health.errors import AuthorizationError, HealthConfigError
from app.services.health.fit_client import FIT_SCOPES
from app.services.health.token_crypto import TokenCipher


class FakeTokenEndpoint(BaseAdapter):
    def __init__(self, payload: dict, status: int = 200):
        super().__init__()
        self.payload = payload
        self.status = status
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(self.payload).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


TOKEN_REPLY = {
    "access_token": "ya29.access",
    "refresh_token": "1//refresh-token",
    "expires_in": 3599,
    "token_type": "Bearer",
    "scope": " ".join(FIT_SCOPES),
}


def start(db, settings):
    cipher = TokenCipher(settings.token_encryption_key.get_secret_value())
    with session_scope(db) as session:
        url = oauth.start_authorization(session, settings, cipher, "fit")
    return cipher, url, parse_qs(urlparse(url).query)


def test_consent_url_asks_for_offline_access_with_pkce(db, health_settings):
    cipher, url, query = start(db, health_settings)
    assert url.startswith("https://accounts.google.com/o/oauth2/auth?")
    assert query["access_type"] == ["offline"]
    assert query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [health_settings.google_redirect_uri]
    assert set(query["scope"][0].split()) == set(FIT_SCOPES)
    with session_scope(db) as session:
        pending = session.get(OAuthPendingState, query["state"][0])
        assert pending is not None and pending.provider == "fit"
        verifier = cipher.decrypt(pending.encrypted_code_verifier)
        assert 43 <= len(verifier) <= 128
        assert verifier.encode() not in pending.encrypted_code_verifier


def test_callback_exchanges_code_with_the_stored_verifier(db, health_settings):
    cipher, _, query = start(db, health_settings)
    state = query["state"][0]
    with session_scope(db) as session:
        verifier = cipher.decrypt(session.get(OAuthPendingState, state).encrypted_code_verifier)
    endpoint = FakeTokenEndpoint(TOKEN_REPLY)
    with session_scope(db) as session:
        provider = oauth.finish_authorization(
            session,
            health_settings,
            cipher,
            state=state,
            code="4/auth-code",
            transport_adapter=endpoint,
        )
    assert provider == "fit"
    (sent,) = endpoint.requests
    assert sent.url == oauth.TOKEN_URI
    form = parse_qs(sent.body if isinstance(sent.body, str) else sent.body.decode())
    assert form["code"] == ["4/auth-code"]
    assert form["code_verifier"] == [verifier]
    assert form["grant_type"] == ["authorization_code"]
    with session_scope(db) as session:
        creds = CredentialStore(session, cipher).load("fit")
        assert (creds.token, creds.refresh_token) == ("ya29.access", "1//refresh-token")
        assert grant_state(session, "fit") == ("ok", None)
        assert session.get(OAuthPendingState, state) is None  # one use only

    with (
        session_scope(db) as session,
        pytest.raises(AuthorizationError, match="unknown or expired"),
    ):
        oauth.finish_authorization(
            session, health_settings, cipher, state=state, code="again", transport_adapter=endpoint
        )


def test_expired_state_and_missing_refresh_token_are_rejected(db, health_settings):
    cipher, _, query = start(db, health_settings)
    state = query["state"][0]
    with session_scope(db) as session:
        session.get(OAuthPendingState, state).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with session_scope(db) as session, pytest.raises(AuthorizationError, match="expired"):
        oauth.finish_authorization(session, health_settings, cipher, state=state, code="c")

    _, _, query = start(db, health_settings)
    no_refresh = {k: v for k, v in TOKEN_REPLY.items() if k != "refresh_token"}
    with session_scope(db) as session, pytest.raises(AuthorizationError, match="no refresh token"):
        oauth.finish_authorization(
            session,
            health_settings,
            cipher,
            state=query["state"][0],
            code="c",
            transport_adapter=FakeTokenEndpoint(no_refresh),
        )

    _, _, query = start(db, health_settings)
    partial = {**TOKEN_REPLY, "scope": FIT_SCOPES[0]}  # the user unticked all but one scope
    with session_scope(db) as session, pytest.raises(AuthorizationError, match="not every"):
        oauth.finish_authorization(
            session,
            health_settings,
            cipher,
            state=query["state"][0],
            code="c",
            transport_adapter=FakeTokenEndpoint(partial),
        )

    _, _, query = start(db, health_settings)
    refused = FakeTokenEndpoint({"error": "invalid_grant"}, status=400)
    with session_scope(db) as session, pytest.raises(AuthorizationError, match="rejected"):
        oauth.finish_authorization(
            session,
            health_settings,
            cipher,
            state=query["state"][0],
            code="c",
            transport_adapter=refused,
        )


def test_missing_configuration_is_reported(health_settings):
    incomplete = health_settings.model_copy(update={"google_client_id": ""})
    with pytest.raises(HealthConfigError, match="GOOGLE_CLIENT_ID"):
        oauth.client_config(incomplete)
    with pytest.raises(HealthConfigError, match="TOKEN_ENCRYPTION_KEY"):
        TokenCipher("")
    with pytest.raises(HealthConfigError, match="not a valid Fernet key"):
        TokenCipher("short")
