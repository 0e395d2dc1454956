"""Settings of backend-core, read from the environment (and `.env` files) by pydantic-settings.

One `Settings` class, its fields grouped by what they configure. Env names are the upper-case
field names (the README's Configuration table lists them).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_CORE_DIR = Path(__file__).resolve().parents[2]
# Later files win: the repository root .env, then backend-core/.env. Process env beats both.
_ENV_FILES = (_CORE_DIR.parent / ".env", _CORE_DIR / ".env")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=_ENV_FILES, env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        populate_by_name=True,
        # `HEALTH_PROVIDER=` in .env means "use the default", as ${VAR:-default} does in compose
        # and as scripts/native-stack.sh reads it; it must not fail validation at start-up.
        env_ignore_empty=True,
    )

    # --- core -----------------------------------------------------------------------------
    api_token: SecretStr = Field(default=SecretStr(""), description="Bearer token for /api/v1")
    database_url: str | None = None
    postgres_user: str = "postgres"
    postgres_password: SecretStr = SecretStr("")
    postgres_host: str = "db"
    postgres_port: int = 5432
    postgres_db: str = "lifeboard"

    # POST {ocr_worker_url}/parse-receipt answers ocr-worker/contract/receipt.schema.json
    ocr_worker_url: str = "http://ocr-worker:5000"
    ocr_timeout_seconds: float = Field(default=60.0, gt=0)
    ocr_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    tz: str = Field(default="Europe/Warsaw", alias="TZ")
    max_upload_mb: float = Field(default=20, gt=0)
    ocr_max_pixels: int = Field(default=40_000_000, gt=0)

    job_concurrency: int = Field(default=2, ge=1, le=64)
    job_max_attempts: int = Field(default=5, ge=1)
    job_lease_seconds: float = Field(default=120.0, gt=0)
    job_poll_seconds: float = Field(default=1.0, gt=0)
    job_backoff_base_seconds: float = Field(default=2.0, ge=0)
    job_backoff_max_seconds: float = Field(default=300.0, ge=0)
    job_shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    job_worker_enabled: bool = True

    # consume folder (app/services/consume_folder.py): empty = off
    consume_dir: Path | None = None
    consume_poll_seconds: float = Field(default=5.0, gt=0)
    consume_settle_seconds: float = Field(default=2.0, ge=0)

    forwarded_allow_ips: str = "127.0.0.1"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _lease_outlives_ocr_call(self) -> Settings:
        if self.job_lease_seconds <= self.ocr_timeout_seconds:
            raise ValueError("JOB_LEASE_SECONDS must be larger than OCR_TIMEOUT_SECONDS")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL, or one built from POSTGRES_*; always with the psycopg (v3) driver."""
        url = self.database_url
        if not url:
            password = self.postgres_password.get_secret_value()
            auth = quote(self.postgres_user, safe="")
            if password:
                auth += ":" + quote(password, safe="")
            url = f"postgresql://{auth}@{self.postgres_host}:{self.postgres_port}/{self.postgres_db}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    # --- health data: Google authorization, sync, imports ---------------------------------
    google_client_id: str = ""
    google_client_secret: SecretStr = SecretStr("")
    google_redirect_uri: str = ""  # e.g. https://host/api/v1/google/auth/callback
    # auto: Google Fit while it answers, the Google Health API once Fit is switched off
    health_provider: Literal["auto", "fit", "health_api"] = "auto"
    google_fit_api_endpoint: str | None = None  # API root override (tests, proxies)
    google_health_api_endpoint: str | None = None
    fit_sync_interval_minutes: float = Field(default=0, ge=0)  # 0 = no scheduled sync
    token_encryption_key: SecretStr = SecretStr("")  # Fernet key for stored OAuth tokens
    # Retries of one Google request on 429 / 5xx / network errors (full-jitter backoff).
    health_sync_max_attempts: int = Field(default=5, ge=1, le=20)
    health_sync_backoff_seconds: float = Field(default=1.0, ge=0)
    health_sync_backoff_max_seconds: float = Field(default=60.0, ge=0)
    # A folder watched by the scheduled sync: Health Connect exports dropped here are imported.
    health_connect_import_dir: Path | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()


def local_today(settings: Settings) -> date:
    """Today's date in `TZ`: the local day that health data and spending are filed under."""
    return datetime.now(ZoneInfo(settings.tz)).date()
