"""Which cloud provider a sync uses: HEALTH_PROVIDER=fit|health_api as set, or `auto`.

`auto` (the default) uses Google Fit while it answers and moves to the Google Health API once
Fit is switched off: Fit answered that it is (ProviderShutDownError), or the day is after
FIT_LAST_DAY. Someone who only connected the Health API (no usable Fit grant) uses it at once.
The move is recorded once in `health_provider_switches` (shown by GET /api/v1/health/status and
the boards), logged, and never undone.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.models.health import HealthProviderSwitch
from app.models.states import HealthProvider
from app.services.health import metrics
from app.services.health.credential_store import STATE_OK, grant_state

log = logging.getLogger(__name__)

PROVIDERS = tuple(HealthProvider)
# Google Fit's REST API is supported until the end of 2026.
FIT_LAST_DAY = date(2026, 12, 31)


def latest_switch(session: Session) -> HealthProviderSwitch | None:
    return session.scalars(
        select(HealthProviderSwitch).order_by(HealthProviderSwitch.id.desc()).limit(1)
    ).first()


def record_switch(
    session: Session, from_provider: str, to_provider: str, reason: str
) -> HealthProviderSwitch:
    switch = HealthProviderSwitch(
        from_provider=from_provider, to_provider=to_provider, reason=reason[:2000]
    )
    session.add(switch)
    session.flush()
    log.warning("health provider switched from %s to %s: %s", from_provider, to_provider, reason)
    metrics.set_active_provider(to_provider)
    return switch


def active_provider(session: Session, settings: Settings, today: date) -> str:
    """The provider to sync from now (records the date-based switch when it happens)."""
    if settings.health_provider != "auto":
        return settings.health_provider
    switch = latest_switch(session)
    if switch is not None:
        return switch.to_provider
    if today > FIT_LAST_DAY:
        record_switch(
            session,
            HealthProvider.FIT,
            HealthProvider.HEALTH_API,
            f"Google Fit's REST API is supported until {FIT_LAST_DAY.isoformat()}",
        )
        return HealthProvider.HEALTH_API
    return _without_switch(session)


def _without_switch(session: Session) -> str:
    """Before the switch: Fit, unless only the Health API is connected."""
    fit_ok = grant_state(session, HealthProvider.FIT)[0] == STATE_OK
    if not fit_ok and grant_state(session, HealthProvider.HEALTH_API)[0] == STATE_OK:
        return HealthProvider.HEALTH_API
    return HealthProvider.FIT


def current_provider(session: Session, settings: Settings, today: date) -> str:
    """The provider the next sync will use, without recording anything (status, OAuth)."""
    if settings.health_provider != "auto":
        return settings.health_provider
    switch = latest_switch(session)
    if switch is not None:
        return switch.to_provider
    return HealthProvider.HEALTH_API if today > FIT_LAST_DAY else _without_switch(session)
