"""Google authorization, health sync status/trigger and the daily activity list.

`router` is mounted under /api/v1 behind the bearer token. `callback_router` is public: Google's
redirect carries no bearer token, so the callback is authenticated by its one-time `state`
(created by /google/auth/start, which does need the token).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from app.api.deps import SessionDep, SettingsDep
from app.models import Activity
from app.schemas.common import ERROR_RESPONSES, ErrorOut, Page
from app.services.health import oauth, provider_choice, sync_state
from app.services.health.credential_store import grant_state
from app.services.health.errors import (
    AuthorizationError,
    HealthConfigError,
    HealthError,
    SyncBusyError,
)
from app.services.health.sync import SOURCE_BY_PROVIDER, run_sync
from app.services.health.token_crypto import TokenCipher

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)
callback_router = APIRouter(tags=["health"])

_CONFLICT = {409: {"model": ErrorOut, "description": "Not configured or not authorized"}}


class AuthStartOut(BaseModel):
    authorization_url: str
    provider: str


class SourceStateOut(BaseModel):
    source: str
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    synced_through: date | None
    rows_written: int
    missing_days: list[date] = Field(description="Days the last run could not fetch")
    last_warning: str | None


class ProviderOut(BaseModel):
    provider: str = Field(examples=["fit", "health_api"])
    auth_state: str = Field(examples=["ok", "reauthorization_needed", "missing"])
    auth_error: str | None
    last_success_at: datetime | None


class SwitchOut(BaseModel):
    switched_at: datetime
    from_provider: str
    to_provider: str
    reason: str


class HealthStatusOut(BaseModel):
    provider: str = Field(examples=["auto"], description="HEALTH_PROVIDER as configured")
    active_provider: str = Field(examples=["fit"], description="What the next sync uses")
    source: str = Field(examples=["fit"])
    auth_state: str = Field(examples=["ok", "reauthorization_needed", "missing"])
    auth_error: str | None
    sync_interval_minutes: float
    switch: SwitchOut | None = Field(description="When auto moved from Fit to the Health API")
    providers: list[ProviderOut]
    sources: list[SourceStateOut]


class SyncOut(BaseModel):
    source: str
    start: date
    end: date = Field(description="Exclusive end (local date)")
    days_with_data: int
    rows_written: int
    complete: bool = Field(description="False when some windows failed (see missing_days)")
    missing_days: list[date] = Field(description="Not fetched; the next run fetches them")
    errors: list[str]
    switched_from: str | None = Field(description="Set when this run moved off Google Fit")
    warning: str | None


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    date: date
    steps: int | None
    distance_m: Decimal | None
    calories_kcal: Decimal | None
    active_minutes: int | None
    heart_minutes: int | None = Field(description="Minutes in a heart zone (never points)")
    heart_points: int | None = Field(
        description="Active zone points: 1 per fat-burn minute, 2 per cardio/peak minute"
    )
    avg_heart_rate: Decimal | None
    resting_heart_rate: Decimal | None
    weight_kg: Decimal | None
    sleep_minutes: int | None
    source: str | None = Field(description="The day's main source")
    field_sources: dict[str, str] = Field(description="Which source gave each field")
    updated_at: datetime


log = logging.getLogger(__name__)
_NOT_CONFIGURED = "Google authorization is not configured on this server"


def _cipher(settings: Any) -> TokenCipher:
    try:
        return TokenCipher(settings.token_encryption_key.get_secret_value())
    except HealthConfigError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.get(
    "/google/auth/start",
    response_model=AuthStartOut,
    summary="Start Google authorization (offline access, PKCE)",
    responses={**_CONFLICT, 307: {"description": "Redirect to Google when redirect=true"}},
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
    provider = provider or provider_choice.current_provider(session, settings, _today(settings))
    try:
        url = oauth.start_authorization(session, settings, cipher, provider)
    except HealthConfigError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    if redirect:
        return RedirectResponse(url, status_code=307)
    return AuthStartOut(authorization_url=url, provider=provider)


def _today(settings: Any) -> date:
    return datetime.now(ZoneInfo(settings.tz)).date()


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


@router.get("/health/status", response_model=HealthStatusOut, summary="Health sync status")
def health_status(session: SessionDep, settings: SettingsDep) -> HealthStatusOut:
    active = provider_choice.current_provider(session, settings, _today(settings))
    state, error = grant_state(session, active)
    sources = sync_state.all_sources(session)
    last_success = {row.source: row.last_success_at for row in sources}
    providers = []
    for name in provider_choice.PROVIDERS:
        grant, grant_error = grant_state(session, name)
        providers.append(ProviderOut(provider=name, auth_state=grant, auth_error=grant_error,
                                     last_success_at=last_success.get(SOURCE_BY_PROVIDER[name])))
    switch = provider_choice.latest_switch(session)
    return HealthStatusOut(
        provider=settings.health_provider,
        active_provider=active,
        source=SOURCE_BY_PROVIDER[active],
        auth_state=state,
        auth_error=error,
        sync_interval_minutes=settings.fit_sync_interval_minutes,
        switch=None if switch is None else SwitchOut(
            switched_at=switch.switched_at, from_provider=switch.from_provider,
            to_provider=switch.to_provider, reason=switch.reason,
        ),
        providers=providers,
        sources=[SourceStateOut(**sync_state.describe(r)) for r in sources],
    )


@router.post(
    "/health/sync",
    response_model=SyncOut,
    summary="Sync now (last 7 days at least, or `days` days back)",
    description="Windows that still fail after retries are listed in `missing_days` "
    "(`complete: false`); the next run fetches them. 409: not configured, not authorized "
    "(a 403 names the missing scope) or another sync is running.",
    responses={**_CONFLICT, 502: {"model": ErrorOut, "description": "Google API failed"}},
)
def health_sync(
    request: Request,
    settings: SettingsDep,
    days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> SyncOut:
    try:
        result = run_sync(request.app.state.sessions, settings, days=days)
    except (AuthorizationError, HealthConfigError, SyncBusyError) as exc:
        raise HTTPException(409, str(exc)) from exc
    except HealthError as exc:
        raise HTTPException(502, str(exc)) from exc
    return SyncOut(**_sync_out(result))


def _sync_out(result: Any) -> dict[str, Any]:
    return {**vars(result), "complete": result.complete}


@router.get("/activity", response_model=Page[ActivityOut], summary="Daily activity, newest first")
def list_activity(
    session: SessionDep,
    date_from: Annotated[date | None, Query(description="First local day, inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Last local day, inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[ActivityOut]:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from is after date_to")
    where = []
    if date_from:
        where.append(Activity.date >= date_from)
    if date_to:
        where.append(Activity.date <= date_to)
    total = session.scalar(select(func.count()).select_from(Activity).where(*where)) or 0
    rows = session.scalars(
        select(Activity).where(*where).order_by(Activity.date.desc()).limit(limit).offset(offset)
    ).all()
    return Page[ActivityOut](
        items=[ActivityOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )
