"""Settings of the OCR worker, read from the environment (see .env.example)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment-driven configuration; names are the env vars without a prefix."""

    # An empty variable (`OCR_WORKERS=` in .env, exported by `set -a; . ./.env`) means unset.
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_ignore_empty=True)

    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    ocr_max_pixels: int = Field(default=40_000_000, ge=1)
    ocr_max_mb: float = Field(default=20, gt=0)
    ocr_time_limit_seconds: float = Field(default=60, gt=0)
    ocr_lang: str = "pol+eng+deu"
    log_level: str = "INFO"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.ocr_max_mb * 1024 * 1024)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
