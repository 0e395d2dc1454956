"""Health API models: Google authorization, sync status and sync runs."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.schemas.common import ErrorOut

# The 409 of the routes that need Google authorization set up.
NOT_READY_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorOut, "description": "Not configured or not authorized"}
}


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


class GoogleConfigOut(BaseModel):
    configured: bool = Field(
        description="False while the Google OAuth client (or the token key) is not set in .env: "
        "no authorization and no sync can happen"
    )
    missing: list[str] = Field(
        description="The .env variables still to set", examples=[["GOOGLE_CLIENT_ID"]]
    )
    message: str | None = Field(
        description="What to do, while not configured",
        examples=[
            "Google is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET in "
            ".env (see .env.example) and restart the core"
        ],
    )


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
    google: GoogleConfigOut = Field(description="Whether Google authorization is set up at all")


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
