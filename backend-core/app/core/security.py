"""Bearer-token protection for /api/v1 (token from API_TOKEN, compared in constant time)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description="The API_TOKEN from .env, sent as `Authorization: Bearer <token>`.",
)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=message,
        headers={"WWW-Authenticate": "Bearer"},
    )


def token_matches(presented: str, expected: str) -> bool:
    if not expected:
        return False  # no token configured: nothing can match
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing bearer token")
    expected = request.app.state.settings.api_token.get_secret_value()
    if not token_matches(credentials.credentials, expected):
        raise _unauthorized("invalid bearer token")
