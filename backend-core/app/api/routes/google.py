"""Google authorization: start the OAuth flow and receive Google's redirect.

`router` is mounted under /api/v1 behind the bearer token. `callback_router` is public: Google's
redirect carries no bearer token, so the callback is authenticated by its one-time `state`
(created by /google/auth/start, which does need the token).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import SessionDep, SettingsDep
from app.core.config import Settings, local_today
from app.schemas.common import ERROR_RESPONSES, ErrorOut
from app.schemas.health import NOT_READY_RESPONSES, AuthStartOut
from app.services.health import oauth, provider_choice
from app.services.health.errors import AuthorizationError, HealthConfigError
from app.services.health.token_crypto import TokenCipher

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)
callback_router = APIRouter(tags=["health"])


log = logging.getLogger(__name__)
_NOT_CONFIGURED = "Google authorization is not configured on this server"


def _cipher(settings: Settings) -> TokenCipher:
    try:
        return TokenCipher(settings.token_encryption_key.get_secret_value())
    except HealthConfigError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.get(
    "/google/auth/start",
    response_model=AuthStartOut,
    summary="Start Google authorization (offline access, PKCE)",
    responses={
        **NOT_READY_RESPONSES,
        307: {"description": "Redirect to Google when redirect=true"},
    },
)
def auth_start(
    session: SessionDep,
    settings: SettingsDep,
    redirect: Annotated[bool, Query(description="Answer 307 to Google instead of JSON")] = False,
    provider: Annotated[
        Literal["fit", "health_api"] | None,
        Query(description="Which API to authorize (default: the active provider)"),
    ] = None,
) -> Any:
    cipher = _cipher(settings)
    today = local_today(settings)
    chosen = provider or provider_choice.current_provider(session, settings, today)
    try:
        url = oauth.start_authorization(session, settings, cipher, chosen)
    except HealthConfigError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    if redirect:
        return RedirectResponse(url, status_code=307)
    return AuthStartOut(authorization_url=url, provider=chosen)


@callback_router.get(
    "/api/v1/google/auth/callback",
    response_class=HTMLResponse,
    summary="Google's OAuth redirect target (authenticated by its one-time state)",
    responses={400: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)
def auth_callback(
    session: SessionDep,
    settings: SettingsDep,
    # states are oauthlib tokens (letters, digits); a NUL byte could not even be queried
    state: Annotated[str, Query(max_length=200, pattern=r"^[A-Za-z0-9._~-]*$")] = "",
    code: Annotated[str, Query(max_length=2000, pattern=r"^[^\x00]*$")] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    if error:
        raise HTTPException(400, f"Google authorization was not granted: {error}")
    if not state or not code:
        raise HTTPException(400, "the callback needs both `state` and `code`")
    # Anyone can call this URL: configuration details go to the log, not to the caller.
    try:
        cipher = TokenCipher(settings.token_encryption_key.get_secret_value())
        provider = oauth.finish_authorization(session, settings, cipher, state=state, code=code)
    except AuthorizationError as exc:
        session.commit()  # a used or expired state stays consumed
        raise HTTPException(400, str(exc)) from exc
    except HealthConfigError as exc:
        log.error("Google authorization callback refused: %s", exc)
        raise HTTPException(409, _NOT_CONFIGURED) from exc
    session.commit()
    return HTMLResponse(
        f"<!doctype html><title>Lifeboard</title><p>Google account connected ({provider}). "
        "You can close this tab.</p>"
    )
