"""Image bytes → checked image → preprocessing → Tesseract → parsed receipt JSON.

One Tesseract pass over the thresholded image; only when that parse fails its own arithmetic
(see ``needs_second_pass``) one more pass over the same image without the hard threshold (which
turns bold dotted zeros into 6), and the better of the two parses is kept (``pass_score``). At
most two passes per receipt; ``ocr_pass`` in the result says which one was used.
"""

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


def recognise(image: Image.Image, settings: Settings, *, threshold: bool = True) -> OcrLines:
    """The one place the pipeline talks to preprocessing and Tesseract."""
    try:
        prepared = prepare(image, threshold=threshold)
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


#: Fields the kept second pass takes over from the first when it did not read them itself.
HEADER_FIELDS = ("shop", "company", "nip", "date", "time", "receipt_number")


def needs_second_pass(result: dict[str, Any]) -> bool:
    """The parse is clearly bad by the receipt's own arithmetic: items do not add up to the
    total, or a line's quantity × unit price is not its price, or nothing was read."""
    checks = result["checks"]
    if not result["items"] or result["total"] is None:
        return True
    return checks.get("items_sum_matches_total") is not True or \
        checks.get("lines_consistent") is False


def pass_score(result: dict[str, Any], confidence: float) -> tuple[int, int, int, float]:
    """Order between two parses of the same image: items add up to the total, then every line
    consistent, then a total found, then mean OCR word confidence."""
    checks = result["checks"]
    return (
        int(checks.get("items_sum_matches_total") is True),
        int(checks.get("lines_consistent") is not False),
        int(result["total"] is not None),
        confidence,
    )


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
    used = "threshold"
    if needs_second_pass(result):
        second_started = time.perf_counter()
        second = recognise(image, settings, threshold=False)
        second_done = time.perf_counter()
        metrics.OCR_SECONDS.observe(second_done - second_started)
        ocr_done += second_done - second_started  # parser time excludes both OCR passes
        second_result = parse_lines(second.lines)
        if pass_score(second_result, second.mean_confidence) > pass_score(
            result, ocr.mean_confidence
        ):
            for key in HEADER_FIELDS:  # read once, away from the items: keep the first's
                if second_result.get(key) is None and result.get(key) is not None:
                    second_result[key] = result[key]
            ocr, result, used = second, second_result, "gray"
        result["warnings"] = [*result.get("warnings", []), f"second OCR pass; kept: {used}"]
    finished = time.perf_counter()
    metrics.PARSER_SECONDS.observe(finished - ocr_done)
    metrics.PARSE_SECONDS.observe(finished - started)
    result["ocr_confidence"] = round(ocr.mean_confidence / 100, 2)
    result["ocr_pass"] = used
    if debug:
        result["lines"] = ocr.lines
        result["preprocess"] = ocr.steps
    metrics.RECEIPTS.labels(outcome=outcome_of(result)).inc()
    return result
