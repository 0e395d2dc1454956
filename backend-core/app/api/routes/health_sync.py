"""GET /health/status and POST /health/sync: where the Google health sync stands, and a run now.

Mounted under /api/v1 behind the bearer token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, SettingsDep
from app.core.config import Settings, local_today
from app.models import HealthProviderSwitch
from app.schemas.common import ERROR_RESPONSES, ErrorOut
from app.schemas.health import (
    NOT_READY_RESPONSES,
    GoogleConfigOut,
    HealthStatusOut,
    ProviderOut,
    SourceStateOut,
    SwitchOut,
    SyncOut,
)
from app.services.health import provider_choice, sync_state
from app.services.health.credential_store import grant_state
from app.services.health.errors import (
    AuthorizationError,
    HealthConfigError,
    HealthError,
    SyncBusyError,
)
from app.services.health.oauth import missing_settings
from app.services.health.sync import SyncResult, run_sync

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)


@router.get("/health/status", response_model=HealthStatusOut, summary="Health sync status")
def health_status(session: SessionDep, settings: SettingsDep) -> HealthStatusOut:
    active = provider_choice.current_provider(session, settings, local_today(settings))
    state, error = grant_state(session, active)
    sources = sync_state.all_sources(session)
    last_success = {row.source: row.last_success_at for row in sources}
    # A provider's sync state is kept under its own name (activity.source, metrics too).
    providers = [
        _provider_out(session, name, last_success.get(name)) for name in provider_choice.PROVIDERS
    ]
    return HealthStatusOut(
        provider=settings.health_provider,
        active_provider=active,
        source=active,
        auth_state=state,
        auth_error=error,
        sync_interval_minutes=settings.fit_sync_interval_minutes,
        switch=_switch_out(provider_choice.latest_switch(session)),
        providers=providers,
        sources=[SourceStateOut(**sync_state.describe(r)) for r in sources],
        google=_google_out(settings),
    )


def _google_out(settings: Settings) -> GoogleConfigOut:
    """Not configured is said as such: without it the status looks like a sync never run."""
    missing = missing_settings(settings)
    names = " and ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
    message = (
        f"Google is not configured: set {names} in .env (see .env.example) and restart the "
        "core; until then nothing is authorized or synced"
        if missing
        else None
    )
    return GoogleConfigOut(configured=not missing, missing=missing, message=message)


def _provider_out(session: Session, name: str, last_success_at: datetime | None) -> ProviderOut:
    grant, grant_error = grant_state(session, name)
    return ProviderOut(
        provider=name, auth_state=grant, auth_error=grant_error, last_success_at=last_success_at
    )


def _switch_out(switch: HealthProviderSwitch | None) -> SwitchOut | None:
    if switch is None:
        return None
    return SwitchOut(
        switched_at=switch.switched_at,
        from_provider=switch.from_provider,
        to_provider=switch.to_provider,
        reason=switch.reason,
    )


@router.post(
    "/health/sync",
    response_model=SyncOut,
    summary="Sync now (last 7 days at least, or `days` days back)",
    description="Windows that still fail after retries are listed in `missing_days` "
    "(`complete: false`); the next run fetches them. 409: not configured, not authorized "
    "(a 403 names the missing scope) or another sync is running.",
    responses={**NOT_READY_RESPONSES, 502: {"model": ErrorOut, "description": "Google API failed"}},
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


def _sync_out(result: SyncResult) -> dict[str, Any]:
    return {**vars(result), "complete": result.complete}
