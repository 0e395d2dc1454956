"""Fixtures of the ocr-worker tests: the Flask test client, tiny rendered receipts, hostile
files, and the realistic OCR-text fixtures under fixtures/receipts/."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from PIL import Image, ImageDraw, ImageFont

from ocr_worker.app import create_app
from ocr_worker.config import Settings
from ocr_worker.contract import SCHEMA_PATH, ReceiptResult

FIXTURES = Path(__file__).parent / "fixtures" / "receipts"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")

SIMPLE_RECEIPT = [
    "Jeronimo Martins Polska S.A.",
    "NIP 779-10-11-327",
    "2026-11-20 14:35",
    "PARAGON FISKALNY",
    "Mleko UHT 3,2% 1L 2 x3,49 6,98 C",
    "Chleb wiejski 1 x4,99 4,99 C",
    "SUMA PLN 11,97",
    "Karta 11,97",
]


CONTRACT = Draft202012Validator(
    json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), format_checker=FormatChecker()
)


@pytest.fixture(autouse=True)
def answers_match_the_schema_file(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every receipt any worker test makes (HTTP, CLI or process_image) is validated against
    the checked-in contract file, the one the core's tests read."""
    made = ReceiptResult.to_json

    def checked(self: ReceiptResult) -> dict[str, Any]:
        answer = made(self)
        CONTRACT.validate(answer)
        return answer

    monkeypatch.setattr(ReceiptResult, "to_json", checked)
    yield


@pytest.fixture
def contract_schema() -> Draft202012Validator:
    return CONTRACT


@pytest.fixture
def settings() -> Settings:
    return Settings(ocr_max_mb=1, ocr_max_pixels=4_000_000, ocr_time_limit_seconds=30)


@pytest.fixture
def client(settings: Settings) -> FlaskClient:
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def render_text(lines: list[str], font_px: int = 26) -> Image.Image:
    """A clean white slip with ``lines`` in a monospace font."""
    font = ImageFont.truetype(str(FONT), font_px)
    width = max(int(font.getlength(line)) for line in lines) + 60
    height = len(lines) * int(font_px * 1.5) + 60
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((30, 30 + row * int(font_px * 1.5)), line, font=font, fill=0)
    return image


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def simple_receipt_png() -> bytes:
    return encode(render_text(SIMPLE_RECEIPT))


@pytest.fixture
def receipt_text() -> Callable[[str], list[str]]:
    """Lines of a realistic OCR-text fixture by file stem."""

    def load(name: str) -> list[str]:
        return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8").splitlines()

    return load
