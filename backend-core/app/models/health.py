"""Health sync bookkeeping: encrypted Google OAuth credentials, pending OAuth states (with the
PKCE verifier kept server-side), and the sync state of each data source."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Identity, Integer, LargeBinary, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.states import CredentialState, HealthProvider, HealthSource, sql_in


class GoogleCredential(Base):
    """One stored grant per provider ('fit' | 'health_api'); the token JSON is Fernet-encrypted."""

    __tablename__ = "google_credentials"
    __table_args__ = (
        CheckConstraint(sql_in("state", CredentialState), name="state"),
        CheckConstraint(sql_in("provider", HealthProvider), name="provider_valid"),
    )

    provider: Mapped[str] = mapped_column(Text, primary_key=True)
    encrypted_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    scopes: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(
        Text, default=CredentialState.OK, server_default=CredentialState.OK.value
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class OAuthPendingState(Base):
    """An authorization started with /google/auth/start, waiting for its callback."""

    __tablename__ = "oauth_pending_states"
    __table_args__ = (
        CheckConstraint(sql_in("provider", HealthProvider), name="provider_valid"),
    )

    state: Mapped[str] = mapped_column(Text, primary_key=True)
    provider: Mapped[str] = mapped_column(Text)
    encrypted_code_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HealthSyncState(Base):
    """Per source (fit, health_api, takeout, health_connect)."""

    __tablename__ = "health_sync_state"
    __table_args__ = (CheckConstraint(sql_in("source", HealthSource), name="source_valid"),)

    source: Mapped[str] = mapped_column(Text, primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    synced_through: Mapped[date | None] = mapped_column(Date)  # last local day fetched
    rows_written: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Days a failed window left out; the next run starts early enough to fetch them again.
    missing_days: Mapped[list[date]] = mapped_column(
        ARRAY(Date), default=list, server_default="{}"
    )
    last_warning: Mapped[str | None] = mapped_column(Text)


class HealthProviderSwitch(Base):
    """HEALTH_PROVIDER=auto moved from one provider to another (Fit -> Health API), and why."""

    __tablename__ = "health_provider_switches"
    __table_args__ = (
        CheckConstraint(sql_in("from_provider", HealthProvider), name="from_provider_valid"),
        CheckConstraint(sql_in("to_provider", HealthProvider), name="to_provider_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    switched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    from_provider: Mapped[str] = mapped_column(Text)
    to_provider: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
