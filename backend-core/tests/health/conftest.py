"""Fixtures of the health tests, built on backend-core/tests/conftest.py (`core_db_url`,
`core_sessions`: one throwaway migrated database per test session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app import cli
from app.core.config import Settings, get_settings

HEALTH_API_TOKEN = "health-test-token"
HEALTH_TABLES = (
    "activity, google_credentials, oauth_pending_states, health_sync_state, "
    "health_provider_switches"
)


@pytest.fixture
def db(core_sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """The session factory; `activity` and the health tables are emptied before each test."""
    with core_sessions() as session:
        session.execute(text(f"TRUNCATE {HEALTH_TABLES}"))
        session.commit()
    return core_sessions


#: What the health tests need on top of the core's test settings (tests/conftest.py).
HEALTH_SETTINGS: dict[str, object] = {
    "api_token": HEALTH_API_TOKEN,
    "google_client_id": "client-id.apps.example",
    "google_client_secret": "client-secret",
    "google_redirect_uri": "http://127.0.0.1:8000/api/v1/google/auth/callback",
    "health_provider": "fit",
    "google_fit_api_endpoint": "http://127.0.0.1:9/",
    "token_encryption_key": Fernet.generate_key().decode(),
    "fit_sync_interval_minutes": 0,
}


@pytest.fixture(scope="session")
def _session_health_settings(settings_for: Callable[..., Settings]) -> Settings:
    return settings_for(**HEALTH_SETTINGS)


@pytest.fixture
def health_settings(_session_health_settings: Settings) -> Settings:
    return _session_health_settings


@pytest.fixture(scope="session")
def health_app(_session_health_settings: Settings):
    from app.main import create_app

    return create_app(_session_health_settings)


@pytest.fixture
def health_api(health_app, db) -> Iterator[TestClient]:
    """Client with the bearer token against an app configured for Google (mocked)."""
    headers = {"Authorization": f"Bearer {HEALTH_API_TOKEN}"}
    with TestClient(health_app, headers=headers, raise_server_exceptions=False) as client:
        yield client


CLI_KEY = Fernet.generate_key().decode()


@pytest.fixture
def run_cli(db, core_db_url, monkeypatch, capsys):
    """Run `python -m app.cli ...` in-process against the test database; returns
    (exit code, stdout, stderr). Set more env with monkeypatch before calling it."""
    monkeypatch.setenv("DATABASE_URL", core_db_url)
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", CLI_KEY)
    monkeypatch.setenv("HEALTH_PROVIDER", "fit")
    monkeypatch.setenv("TZ", "Europe/Warsaw")

    def run(*argv: str) -> tuple[int, str, str]:
        get_settings.cache_clear()  # settings come from the env as it is now
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


@pytest.fixture
def grant_file(tmp_path):
    """An authorized-user JSON as `google-token-import` expects it."""
    path = tmp_path / "authorized_user.json"
    path.write_text(
        '{"type": "authorized_user", "client_id": "cid", "client_secret": "sec",'
        ' "refresh_token": "1//r"}'
    )
    return path
