"""Fixtures of the health tests: a migrated throwaway database and settings for it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.db import make_engine, make_session_factory


@pytest.fixture(scope="session")
def health_db_url() -> Iterator[str]:
    """A fresh database migrated to head, dropped at the end of the session."""
    from alembic import command

    from app.cli import alembic_config

    server = make_url(
        os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    name = f"lifeboard_t_health_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        config = alembic_config(url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def health_sessions(health_db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(health_db_url, pool_size=2)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def db(health_sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """The session factory, with the health tables and `activity` emptied after each test."""
    yield health_sessions
    with health_sessions() as session:
        session.execute(
            text("TRUNCATE activity, google_credentials, oauth_pending_states, health_sync_state")
        )
        session.commit()


@pytest.fixture
def health_settings(health_db_url: str) -> Settings:
    return Settings(
        api_token="t0ken-for-tests",
        database_url=health_db_url,
        google_client_id="client-id.apps.example",
        google_client_secret="client-secret",
        google_redirect_uri="http://127.0.0.1:8000/api/v1/google/auth/callback",
        health_provider="fit",
        google_fit_api_endpoint="http://127.0.0.1:9/",
        token_encryption_key=Fernet.generate_key().decode(),
        TZ="Europe/Warsaw",
    )
