"""Image bytes → checked image → preprocessing → Tesseract → parsed receipt JSON.

One Tesseract pass over the thresholded image, then re-reads of single bands from the gray
image where that pass is doubtful (``second_pass``): the date line always, the lines from the
first item to the total only when the parse fails its own arithmetic. When the total or date is
still missing or unconfirmed, RapidOCR reads the gray image and the two parses vote
(``second_engine``); otherwise its recogniser alone reads the date line once more (its digits
are the surer). ``reread`` in the result lists the re-reads that were kept (``date``,
``items``, and ``engine:FIELDS`` for the fields RapidOCR's reading gave).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PIL import Image

from ocr_worker import metrics
from ocr_worker.config import Settings
from ocr_worker.contract import ReceiptResult
from ocr_worker.image_input import load_image
from ocr_worker.ocr import OcrError, OcrText, read_text
from ocr_worker.parser import Receipt, parse_receipt
from ocr_worker.parser.dates import is_month_first
from ocr_worker.preprocess import Prepared, prepare
from ocr_worker.rapid_engine import Box, read_text_rapid, recognise_line
from ocr_worker.second_engine import (
    boxes_to_read,
    date_from_line_reading,
    decisive_rows,
    hybrid_lines,
    needs_second_engine,
    vote,
)
from ocr_worker.second_pass import (
    Band,
    band_around,
    band_confidence,
    date_reread_wins,
    needs_item_reread,
    pass_score,
    splice,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


def prepared_or_gray(image: Image.Image) -> Prepared:
    """Preprocessing; an odd image it cannot handle still gets its OCR pass, never a 500."""
    try:
        return prepare(image)
    except Exception:
        log.exception("preprocessing failed; reading the image as it is")
        gray = image.convert("L")
        return Prepared(image=gray, gray=gray, steps=["preprocess_failed"])


def recognise(image: Image.Image, settings: Settings) -> OcrText:
    """One Tesseract pass with the configured language and time limit."""
    return read_text(image, lang=settings.ocr_lang, timeout=settings.ocr_time_limit_seconds)


@dataclass
class Parsed:
    result: dict[str, Any]  # the JSON answer
    item_lines: tuple[int, int] | None = None  # input lines of the items and the total
    date_line: int | None = None  # input line of the date
    guessed: bool = False  # an illegible price was inferred from the total


def parse_lines(lines: list[str]) -> Parsed:
    """Parse OCR lines; a parser bug degrades to an empty receipt with a warning (the image
    is fine, so a 5xx would only make the caller retry the same failure)."""
    try:
        receipt = parse_receipt(lines)
        guessed = any(item.source == "inferred" for item in receipt.items)
        return Parsed(receipt.to_json(), receipt.item_lines, receipt.date_line, guessed)
    except Exception as exc:
        log.exception("parser failed")
        result = Receipt().to_json()
        result["warnings"] = [f"parser failed: {type(exc).__name__}"]
        return Parsed(result)


class Reader:
    """The passes over one prepared image: the first over the thresholded image, re-reads of
    bands of the gray one; keeps the time spent in Tesseract."""

    def __init__(self, prepared: Prepared, settings: Settings) -> None:
        self.prepared, self.settings, self.seconds = prepared, settings, 0.0

    def _read(self, image: Image.Image) -> OcrText:
        started = time.perf_counter()
        text = recognise(image, self.settings)
        self.seconds += time.perf_counter() - started
        return text

    def first_pass(self) -> OcrText:
        return self._read(self.prepared.image)

    def _second_opinion(self, read: Callable[[], T]) -> T | None:
        """``read`` (RapidOCR), its time counted with the passes'; None (logged) when it
        fails or runs out: the Tesseract reading still stands."""
        started = time.perf_counter()
        try:
            return read()
        except OcrError as exc:
            log.warning("second OCR engine failed: %s", exc)
            return None
        finally:
            self.seconds += time.perf_counter() - started

    def second_engine(self, keep: Callable[[Box], bool]) -> OcrText | None:
        """RapidOCR over the gray image, recognising the boxes ``keep`` accepts, within what
        the Tesseract passes left of the time limit (gunicorn's own timeout is only 30 s
        longer)."""
        left = max(1.0, self.settings.ocr_time_limit_seconds - self.seconds)
        return self._second_opinion(
            lambda: read_text_rapid(self.prepared.gray, keep=keep, timeout=left))

    def line_reading(self, box: tuple[int, int, int, int]) -> tuple[str, float] | None:
        """RapidOCR's recogniser over one box of the gray image: text and score."""
        return self._second_opinion(lambda: recognise_line(self.prepared.gray.crop(box)))

    def reread(self, band: Band) -> OcrText:
        gray = self.prepared.gray
        return self._read(gray.crop(band.box(gray.width)))


def reread_date(reader: Reader, first: OcrText, parsed: Parsed, skip: Band | None
                ) -> tuple[dict[Band, OcrText], Parsed]:
    """The date line's re-read and the parse with it, when it wins (see ``date_reread_wins``);
    else no re-read and ``parsed``."""
    line = parsed.date_line
    if line is None or (skip is not None and skip.holds(line)):
        return {}, parsed
    band = band_around(first, (line, line), reader.prepared.gray.height)
    text = reader.reread(band)
    with_date = parse_lines(splice(first, {band: text})[0])
    if date_reread_wins(first, band, text, with_date.date_line):
        return {band: text}, with_date
    return {}, parsed


def reread_items(reader: Reader, first: OcrText, band: Band, rereads: dict[Band, OcrText],
                 without: Parsed) -> tuple[dict[Band, OcrText], Parsed]:
    """The item band's re-read joins ``rereads`` when its parse beats ``without`` (the parse
    of ``rereads`` alone); returns the re-reads kept and their parse."""
    text = reader.reread(band)
    with_band = parse_lines(splice(first, {**rereads, band: text})[0])
    if pass_score(with_band.result, text.mean_confidence, guessed=with_band.guessed) > \
            pass_score(without.result, band_confidence(first, band), guessed=without.guessed):
        return {**rereads, band: text}, with_band
    return rereads, without


#: the recogniser's score (0..1) below which its reading of the date line is no evidence: a
#: digit it dropped ("6Apr2018" for "16 Apr 2018") scored 0.75, its right readings 0.85 and more
SURE_LINE = 0.8


def check_date_line(reader: Reader, first: OcrText, line: int, result: dict[str, Any]
                    ) -> str | None:
    """The second engine's recogniser reads the first pass's date line once more (where it
    did not run over the image); its date, when it is one Tesseract's may be a misreading of
    (``second_engine.date_from_line_reading``)."""
    left, top, right, bottom = first.line_rect(line)
    # the recogniser reads a line cropped close best (it scales the crop to its own height)
    margin = max(2, (bottom - top) // 4)
    gray = reader.prepared.gray
    reading = reader.line_reading((max(0, left - margin), max(0, top - margin),
                                   min(gray.width, right + margin),
                                   min(gray.height, bottom + margin)))
    if reading is None or reading[1] < SURE_LINE:
        return None
    return date_from_line_reading(reading[0], result["date"],
                                  month_first=is_month_first(result["currency"]))


def outcome_of(result: dict[str, Any]) -> str:
    if not result["items"] and result["total"] is None:
        return "no_text"
    if result["checks"].get("items_sum_matches_total") and result["date"]:
        return "parsed"
    return "partial"


def process_image(data: bytes, settings: Settings, *, debug: bool = False) -> dict[str, Any]:
    """Full pipeline for one uploaded file: the JSON of a ``contract.ReceiptResult``; raises
    InputError (4xx) or OcrError (5xx)."""
    started = time.perf_counter()
    image = load_image(
        data, max_bytes=settings.max_upload_bytes, max_pixels=settings.ocr_max_pixels
    )
    decoded = time.perf_counter()
    prepared = prepared_or_gray(image)
    preprocessing = time.perf_counter() - decoded
    reader = Reader(prepared, settings)
    first = reader.first_pass()
    parsed = parse_lines(first.lines)
    first_date_line = parsed.date_line
    item_band = None
    if needs_item_reread(parsed.result, guessed=parsed.guessed):
        item_band = band_around(first, parsed.item_lines, prepared.gray.height)
    rereads, parsed = reread_date(reader, first, parsed, skip=item_band)
    kept = ["date"] if rereads else []
    if item_band is not None:
        rereads, parsed = reread_items(reader, first, item_band, rereads, parsed)
        if item_band in rereads:
            kept.append("items")
    lines, confidence = splice(first, rereads)
    # a kept re-read passed the same checks as any first reading: no warning of its own (a
    # warning asks a person to review the receipt); `reread` says what happened
    result = parsed.result
    if needs_second_engine(result):
        replaced, rows = decisive_rows(first, result)
        second = reader.second_engine(boxes_to_read(first, rows))
        if second is not None:
            hybrid = hybrid_lines(first, replaced, second)
            result, taken = vote(result, parse_lines(hybrid).result)
            if taken:
                kept.append("engine:" + "+".join(taken))
            if debug:
                result["second_engine_lines"] = hybrid
    elif first_date_line is not None:
        date = check_date_line(reader, first, first_date_line, result)
        if date is not None:
            result["date"] = date
            kept.append("engine:date")
    finished = time.perf_counter()
    metrics.OCR_SECONDS.observe(preprocessing + reader.seconds)
    metrics.PARSER_SECONDS.observe(finished - decoded - preprocessing - reader.seconds)
    metrics.PARSE_SECONDS.observe(finished - started)
    result["ocr_confidence"] = round(confidence / 100, 2)
    result["reread"] = kept
    if debug:
        result["lines"] = lines
        result["preprocess"] = prepared.steps
    answer = ReceiptResult.model_validate(result).to_json()  # the contract with the core
    metrics.RECEIPTS.labels(outcome=outcome_of(answer)).inc()
    return answer
