"""HEALTH_PROVIDER=auto: which provider a sync uses, and when the switch is recorded."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.db import session_scope
from app.models import HealthProviderSwitch
from app.services.health.errors import HealthError, ProviderShutDownError
from app.services.health.provider_choice import active_provider, current_provider
from app.services.health.sync import run_sync

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: find the helper
from test_provider_switch_loopback import store_grant


@pytest.fixture
def auto(health_settings):
    return health_settings.model_copy(update={"health_provider": "auto"})


def switches(db) -> int:
    with session_scope(db) as session:
        return session.scalar(select(func.count()).select_from(HealthProviderSwitch))


def save_grant(db, settings, provider):
    store_grant(db, settings, provider, [])


def test_fit_until_the_end_of_2026_then_the_health_api_once_recorded(db, auto):
    with session_scope(db) as session:
        assert active_provider(session, auto, date(2026, 12, 31)) == "fit"
        assert current_provider(session, auto, date(2027, 1, 1)) == "health_api"  # not recorded
    assert switches(db) == 0
    for _ in range(2):
        with session_scope(db) as session:
            assert active_provider(session, auto, date(2027, 1, 1)) == "health_api"
    assert switches(db) == 1
    with session_scope(db) as session:  # never back to Fit, whatever the date says
        assert active_provider(session, auto, date(2026, 12, 1)) == "health_api"


def test_pinned_providers_are_used_as_set(db, health_settings):
    with session_scope(db) as session:
        assert active_provider(session, health_settings, date(2027, 6, 1)) == "fit"
    assert switches(db) == 0


def test_only_the_health_api_connected_uses_it_now(db, auto):
    save_grant(db, auto, "health_api")
    with session_scope(db) as session:
        assert active_provider(session, auto, date(2026, 12, 3)) == "health_api"
    save_grant(db, auto, "fit")
    with session_scope(db) as session:
        assert active_provider(session, auto, date(2026, 12, 3)) == "fit"


class SwitchedOffFit:
    window_days = 90

    def fetch_window(self, start, end):
        raise ProviderShutDownError("Google Fit answered 410: Gone")


def test_pinned_fit_switched_off_says_what_to_do(db, health_settings):
    save_grant(db, health_settings, "fit")
    with pytest.raises(HealthError, match="HEALTH_PROVIDER=auto"):
        run_sync(db, health_settings, provider_factory=lambda s, c: SwitchedOffFit(),
                 today=date(2026, 12, 3))
    assert switches(db) == 0
