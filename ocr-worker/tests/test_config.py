"""The OCR worker's settings: an empty variable is the same as an unset one."""

from __future__ import annotations

import os

import pytest

from ocr_worker.config import Settings


def test_empty_variables_mean_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    # `set -a; . ./.env` exports .env.example's `OCR_WORKERS=` as an empty string.
    for name in ("OCR_WORKERS", "OCR_MAX_PIXELS", "OCR_MAX_MB", "OCR_TIME_LIMIT_SECONDS",
                 "OCR_LANG", "LOG_LEVEL"):
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert settings.ocr_workers == (os.cpu_count() or 1)
    assert settings.ocr_max_pixels == 40_000_000
    assert settings.ocr_lang == "pol+eng+deu"


def test_set_variables_still_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_WORKERS", "3")
    assert Settings().ocr_workers == 3
