"""One health sync at a time across core replicas (PostgreSQL advisory lock), and the
scheduler's other job, the watched Health Connect folder."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.core.db import make_engine, make_session_factory, session_scope
from app.core.locks import HEALTH_SYNC_LOCK, lock_key, try_advisory_lock
from app.models import Activity, HealthSyncState
from app.services.health.errors import SyncBusyError
from app.services.health.fit_client import FIT_SCOPES
from app.services.health.imports import import_health_connect_folder
from app.services.health.sync import SyncScheduler, run_sync

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: find the helpers
from standin_google import StandIn
from test_health_connect_import import WARSAW, make_export
from test_provider_switch_loopback import daily, play_fit, store_grant


@pytest.fixture
def fit():
    server = StandIn("fitness", "v1").start()
    yield server
    server.stop()
    assert not server.violations


@pytest.fixture
def core_engines(core_db_url):
    """Two engines = two core processes, each with its own connection pool."""
    engines = [make_engine(core_db_url, pool_size=2) for _ in range(2)]
    yield engines
    for engine in engines:
        engine.dispose()


def test_lock_key_is_stable_and_64_bit():
    assert lock_key(HEALTH_SYNC_LOCK) == lock_key("lifeboard.health-sync")
    assert -(2**63) <= lock_key(HEALTH_SYNC_LOCK) < 2**63
    assert lock_key("a") != lock_key("b")


def test_only_one_holder_at_a_time_and_released_after(core_engines):
    first, second = core_engines
    with try_advisory_lock(first, "test.lock") as got_first:
        assert got_first
        with try_advisory_lock(second, "test.lock") as got_second:
            assert not got_second
    with try_advisory_lock(second, "test.lock") as again:
        assert again


def test_a_holder_that_dies_releases_the_lock(core_engines):
    first, second = core_engines
    with try_advisory_lock(first, "test.crash") as got:
        assert got
        with second.connect() as conn:  # the replica holding it dies (its connection closes)
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND granted AND pid <> pg_backend_pid() AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())"))
            conn.commit()
        deadline = time.monotonic() + 10
        while True:
            with try_advisory_lock(second, "test.crash") as taken:
                if taken or time.monotonic() > deadline:
                    break
            time.sleep(0.1)
        assert taken


def test_a_manual_sync_during_another_is_refused(db, core_engines, health_settings):
    with try_advisory_lock(core_engines[0], HEALTH_SYNC_LOCK) as held:
        assert held
        with pytest.raises(SyncBusyError, match="already running"):
            run_sync(db, health_settings)


def test_two_cores_started_at_once_sync_once(db, core_engines, fit, settings_for,
                                             health_settings):
    settings = settings_for(
        token_encryption_key=health_settings.token_encryption_key.get_secret_value(),
        health_provider="auto",
        google_fit_api_endpoint=fit.url + "/",
        fit_sync_interval_minutes=60,
    )
    store_grant(db, settings, "fit", FIT_SCOPES)
    today = date.today()
    play_fit(fit, last_day=today)
    fit.delay = 0.2  # each answer takes a while: the two cores overlap
    schedulers = [SyncScheduler(make_session_factory(e), settings) for e in core_engines]
    barrier = threading.Barrier(2)

    def core(scheduler: SyncScheduler) -> None:
        async def lifespan() -> None:
            barrier.wait()
            scheduler.start()  # as the app's lifespan does: the first round runs at once
            while scheduler.runs < 1:
                await asyncio.sleep(0.02)
            await scheduler.stop()

        asyncio.run(lifespan())

    threads = [threading.Thread(target=core, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [s.runs for s in schedulers] == [1, 1]
    assert sorted(s.synced for s in schedulers) == [0, 1]  # one synced, the other skipped
    assert len(daily(fit)) == 1  # Google was asked once
    with session_scope(db) as session:
        assert session.get(HealthSyncState, "fit").last_success_at is not None
        assert len(session.scalars(select(Activity)).all()) == 30

    # A replica whose round comes right after the other finished skips too.
    assert schedulers[0].run_once() is None and schedulers[1].run_once() is None
    assert len(daily(fit)) == 1


def test_watched_folder_imports_health_connect_exports(db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export = make_export(inbox / "health_connect_export.db")
    (inbox / "notes.txt").write_text("not an export")
    broken = inbox / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    fresh = inbox / "copying.db"
    fresh.write_bytes(b"")
    old = time.time() - 60
    for path in (export, broken):
        os.utime(path, (old, old))

    outcome = import_health_connect_folder(db, inbox, WARSAW)
    assert outcome.imported == ["health_connect_export.db"]
    assert list(outcome.failed) == ["broken.zip"]
    assert (inbox / "imported" / "health_connect_export.db").exists()
    assert (inbox / "failed" / "broken.zip").exists()
    assert fresh.exists() and (inbox / "notes.txt").exists()  # still copying / not an export
    with session_scope(db) as session:
        day = session.get(Activity, date(2024, 5, 10))
        assert (day.steps, day.source) == (6800, "health_connect")
    assert "not a readable Health Connect" in outcome.failed["broken.zip"]

    again = import_health_connect_folder(db, inbox, WARSAW, now=time.time() + 60)
    assert again.imported == [] and list(again.failed) == ["copying.db"]  # empty: not an export
