"""Google OAuth web flow for a headless server (google-auth-oauthlib).

`start_authorization` builds the consent URL (offline access, prompt=consent, PKCE S256) and
keeps the PKCE code verifier server-side, encrypted, under the random `state`. The callback
(`finish_authorization`) looks the verifier up by `state`, exchanges the code and stores the
credentials encrypted. Without the stored verifier Google answers "Missing code verifier".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from google_auth_oauthlib.flow import Flow
from requests.adapters import BaseAdapter
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.models.health import OAuthPendingState
from app.models.states import HealthProvider
from app.services.health.credential_store import CredentialStore
from app.services.health.errors import AuthorizationError, HealthConfigError
from app.services.health.fit_client import FIT_SCOPES
from app.services.health.health_api_client import HEALTH_API_SCOPES
from app.services.health.token_crypto import TokenCipher

AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)
STATE_TTL = timedelta(minutes=15)


def scopes_for(provider: str) -> list[str]:
    return list(HEALTH_API_SCOPES if provider == HealthProvider.HEALTH_API else FIT_SCOPES)


def missing_client_settings(settings: Settings) -> list[str]:
    """The .env variables of the Google OAuth client that are not set (empty: configured)."""
    return [
        name
        for name, value in (
            ("GOOGLE_CLIENT_ID", settings.google_client_id),
            ("GOOGLE_CLIENT_SECRET", settings.google_client_secret.get_secret_value()),
            ("GOOGLE_REDIRECT_URI", settings.google_redirect_uri),
        )
        if not value
    ]


def missing_settings(settings: Settings) -> list[str]:
    """Every .env variable Google authorization still needs: the OAuth client's, and the key
    the credentials are stored encrypted with."""
    missing = missing_client_settings(settings)
    if not settings.token_encryption_key.get_secret_value():
        missing.append("TOKEN_ENCRYPTION_KEY")
    return missing


def client_config(settings: Settings) -> dict[str, Any]:
    secret = settings.google_client_secret.get_secret_value()
    missing = missing_client_settings(settings)
    if missing:
        raise HealthConfigError(f"Google OAuth is not configured: set {', '.join(missing)}")
    return {
        "web": {
            "client_id": settings.google_client_id,
            "client_secret": secret,
            "auth_uri": AUTH_URI,
            "token_uri": TOKEN_URI,
            "redirect_uris": [settings.google_redirect_uri],
        }
    }


def start_authorization(
    session: Session, settings: Settings, cipher: TokenCipher, provider: str
) -> str:
    """Return the Google consent URL for `provider` (fit | health_api); remember
    state -> PKCE verifier for the callback."""
    flow = Flow.from_client_config(
        client_config(settings),
        scopes=scopes_for(provider),
        redirect_uri=settings.google_redirect_uri,
        autogenerate_code_verifier=True,
    )
    url, state = flow.authorization_url(access_type="offline", prompt="consent")
    now = datetime.now(UTC)
    session.execute(delete(OAuthPendingState).where(OAuthPendingState.expires_at < now))
    session.add(
        OAuthPendingState(
            state=state,
            provider=provider,
            encrypted_code_verifier=cipher.encrypt(flow.code_verifier or ""),
            expires_at=now + STATE_TTL,
        )
    )
    session.flush()
    return str(url)


def finish_authorization(
    session: Session,
    settings: Settings,
    cipher: TokenCipher,
    *,
    state: str,
    code: str,
    transport_adapter: BaseAdapter | None = None,
) -> str:
    """Exchange the callback's code (with the stored verifier); returns the provider name.

    `transport_adapter` (a requests adapter mounted for https://) lets a proxy or a test answer
    the token request."""
    pending = session.get(OAuthPendingState, state) if state else None
    if pending is None or pending.expires_at < datetime.now(UTC):
        raise AuthorizationError("unknown or expired OAuth state: start the authorization again")
    provider = pending.provider
    verifier = cipher.decrypt(pending.encrypted_code_verifier)
    session.delete(pending)  # one use only
    session.flush()
    flow = Flow.from_client_config(
        client_config(settings),
        scopes=scopes_for(provider),
        redirect_uri=settings.google_redirect_uri,
        state=state,
        code_verifier=verifier,
        autogenerate_code_verifier=False,
    )
    if transport_adapter is not None:
        flow.oauth2session.mount("https://", transport_adapter)
    try:
        flow.fetch_token(code=code)
    except Warning as exc:  # oauthlib: the granted scopes differ from the requested ones
        raise AuthorizationError(
            "not every requested permission was granted (granular consent); authorize again "
            f"and allow all of them: {exc}"
        ) from exc
    except Exception as exc:  # oauthlib and requests raise many types
        raise AuthorizationError(f"Google rejected the authorization code: {exc}") from exc
    credentials = flow.credentials
    if not credentials.refresh_token:
        raise AuthorizationError(
            "Google returned no refresh token; revoke Lifeboard's access in your Google account "
            "and authorize again (prompt=consent is needed for offline access)"
        )
    CredentialStore(session, cipher).save(provider, credentials)
    return provider
