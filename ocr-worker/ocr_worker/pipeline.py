"""Image bytes → checked image → preprocessing → one Tesseract pass → parsed receipt JSON."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ocr_worker import metrics
from ocr_worker.config import Settings
from ocr_worker.image_input import load_image
from ocr_worker.ocr import read_text
from ocr_worker.parser import parse_receipt
from ocr_worker.preprocess import prepare


@dataclass
class OcrLines:
    lines: list[str]
    mean_confidence: float
    steps: list[str]


def recognise(image: Image.Image, settings: Settings) -> OcrLines:
    """The one place the pipeline talks to preprocessing and Tesseract."""
    prepared = prepare(image)
    text = read_text(
        prepared.image, lang=settings.ocr_lang, timeout=settings.ocr_time_limit_seconds
    )
    return OcrLines(text.lines, text.mean_confidence, prepared.steps)


def outcome_of(result: dict[str, Any]) -> str:
    if not result["items"] and result["total"] is None:
        return "no_text"
    if result["checks"].get("items_sum_matches_total") and result["date"]:
        return "parsed"
    return "partial"


def process_image(data: bytes, settings: Settings, *, debug: bool = False) -> dict[str, Any]:
    """Full pipeline for one uploaded file; raises InputError (4xx) or OcrError (5xx)."""
    image = load_image(
        data, max_bytes=settings.max_upload_bytes, max_pixels=settings.ocr_max_pixels
    )
    started = time.perf_counter()
    ocr = recognise(image, settings)
    ocr_done = time.perf_counter()
    metrics.OCR_SECONDS.observe(ocr_done - started)
    receipt = parse_receipt(ocr.lines)
    metrics.PARSE_SECONDS.observe(time.perf_counter() - ocr_done)
    result = receipt.to_json()
    result["ocr_confidence"] = round(ocr.mean_confidence / 100, 2)
    if debug:
        result["lines"] = ocr.lines
        result["preprocess"] = ocr.steps
    metrics.RECEIPTS.labels(outcome=outcome_of(result)).inc()
    return result
