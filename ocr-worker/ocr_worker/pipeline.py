"""Image bytes → checked image → preprocessing → one Tesseract pass → parsed receipt JSON."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ocr_worker import metrics
from ocr_worker.config import Settings
from ocr_worker.image_input import load_image
from ocr_worker.ocr import read_text
from ocr_worker.parser import Receipt, parse_receipt
from ocr_worker.preprocess import prepare

log = logging.getLogger(__name__)


@dataclass
class OcrLines:
    lines: list[str]
    mean_confidence: float
    steps: list[str]


def recognise(image: Image.Image, settings: Settings) -> OcrLines:
    """The one place the pipeline talks to preprocessing and Tesseract."""
    try:
        prepared = prepare(image)
        ready, steps = prepared.image, prepared.steps
    except Exception:  # an odd image must still get its OCR pass, never a 500
        log.exception("preprocessing failed; reading the image as it is")
        ready, steps = image.convert("L"), ["preprocess_failed"]
    text = read_text(ready, lang=settings.ocr_lang, timeout=settings.ocr_time_limit_seconds)
    return OcrLines(text.lines, text.mean_confidence, steps)


def parse_lines(lines: list[str]) -> dict[str, Any]:
    """Parse OCR lines; a parser bug degrades to an empty receipt with a warning (the image
    is fine, so a 5xx would only make the caller retry the same failure)."""
    try:
        return parse_receipt(lines).to_json()
    except Exception as exc:
        log.exception("parser failed")
        result = Receipt().to_json()
        result["warnings"] = [f"parser failed: {type(exc).__name__}"]
        return result


def outcome_of(result: dict[str, Any]) -> str:
    if not result["items"] and result["total"] is None:
        return "no_text"
    if result["checks"].get("items_sum_matches_total") and result["date"]:
        return "parsed"
    return "partial"


def process_image(data: bytes, settings: Settings, *, debug: bool = False) -> dict[str, Any]:
    """Full pipeline for one uploaded file; raises InputError (4xx) or OcrError (5xx)."""
    started = time.perf_counter()
    image = load_image(
        data, max_bytes=settings.max_upload_bytes, max_pixels=settings.ocr_max_pixels
    )
    ocr_started = time.perf_counter()
    ocr = recognise(image, settings)
    ocr_done = time.perf_counter()
    metrics.OCR_SECONDS.observe(ocr_done - ocr_started)
    result = parse_lines(ocr.lines)
    finished = time.perf_counter()
    metrics.PARSER_SECONDS.observe(finished - ocr_done)
    metrics.PARSE_SECONDS.observe(finished - started)
    result["ocr_confidence"] = round(ocr.mean_confidence / 100, 2)
    if debug:
        result["lines"] = ocr.lines
        result["preprocess"] = ocr.steps
    metrics.RECEIPTS.labels(outcome=outcome_of(result)).inc()
    return result
