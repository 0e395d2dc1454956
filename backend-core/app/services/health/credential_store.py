"""Google OAuth credentials in the database, encrypted; their state feeds API and metrics."""

from __future__ import annotations

import json
from typing import Any

from google.oauth2.credentials import Credentials
from sqlalchemy.orm import Session

from app.models.health import GoogleCredential
from app.models.states import CredentialState
from app.services.health.errors import AuthorizationError
from app.services.health.metrics import set_auth_state
from app.services.health.token_crypto import TokenCipher

STATE_OK = CredentialState.OK
STATE_REAUTH = CredentialState.REAUTHORIZATION_NEEDED
STATE_MISSING = "missing"


def credentials_from_authorized_user(info: dict[str, Any]) -> Credentials:
    """Validate an authorized-user JSON (what `gcloud`/oauthlib tools write) and load it."""
    if info.get("type", "authorized_user") != "authorized_user":
        raise AuthorizationError(
            f"expected an authorized-user JSON (type 'authorized_user'), got type {info['type']!r}"
            " — a service-account key cannot read personal fitness data"
        )
    missing = [k for k in ("client_id", "client_secret", "refresh_token") if not info.get(k)]
    if missing:
        raise AuthorizationError(f"authorized-user JSON lacks {', '.join(missing)}")
    credentials: Credentials = Credentials.from_authorized_user_info(info)
    return credentials


class CredentialStore:
    def __init__(self, session: Session, cipher: TokenCipher) -> None:
        self.session = session
        self.cipher = cipher

    def save(self, provider: str, credentials: Credentials) -> None:
        row = self.session.get(GoogleCredential, provider) or GoogleCredential(provider=provider)
        row.encrypted_token = self.cipher.encrypt(credentials.to_json())
        row.scopes = " ".join(credentials.scopes or [])
        row.state = STATE_OK
        row.last_error = None
        self.session.add(row)
        self.session.flush()
        set_auth_state(provider, STATE_OK)

    def load(self, provider: str) -> Credentials:
        row = self.session.get(GoogleCredential, provider)
        if row is None or row.encrypted_token is None:
            raise AuthorizationError(
                f"no Google authorization for {provider!r}: open "
                f"/api/v1/google/auth/start?provider={provider} or run "
                f"`python -m app.cli google-token-import --provider {provider} FILE`"
            )
        if row.state == STATE_REAUTH:
            raise AuthorizationError(
                f"the Google grant for {provider!r} was revoked or expired: authorize again"
            )
        info = json.loads(self.cipher.decrypt(row.encrypted_token))
        credentials: Credentials = Credentials.from_authorized_user_info(info)
        return credentials

    def save_if_refreshed(
        self, provider: str, credentials: Credentials, old_token: str | None
    ) -> bool:
        """Persist credentials whose access token changed during a run (refresh happened)."""
        if credentials.token and credentials.token != old_token:
            self.save(provider, credentials)
            return True
        return False

    def mark_reauthorization_needed(self, provider: str, error: str) -> None:
        row = self.session.get(GoogleCredential, provider) or GoogleCredential(provider=provider)
        row.state = STATE_REAUTH
        row.last_error = error[:2000]
        self.session.add(row)
        self.session.flush()
        set_auth_state(provider, STATE_REAUTH)

    def state(self, provider: str) -> tuple[str, str | None]:
        return grant_state(self.session, provider)


def grant_state(session: Session, provider: str) -> tuple[str, str | None]:
    """(state, last error) of a provider's grant; needs no decryption key."""
    row = session.get(GoogleCredential, provider)
    if row is None:
        return STATE_MISSING, None
    if row.state == STATE_REAUTH:
        return STATE_REAUTH, row.last_error
    if row.encrypted_token is None:
        return STATE_MISSING, row.last_error
    return row.state, row.last_error
