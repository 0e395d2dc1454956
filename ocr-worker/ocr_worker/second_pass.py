"""Re-reading parts of a receipt from the gray image, where the first (thresholded) pass is
doubtful. The hard threshold that makes noisy photos legible also turns some bold dotted zeros
into 6 (`2024-12-20` → `2024-12-26`), and only the gray image reads them right. Two parts are
re-read, each as one band of rows cropped from the gray image, never the whole slip again:

- the **item band**, from the first item to the total, when the first parse fails its own
  arithmetic (``needs_item_reread``); the better parse by ``pass_score`` is kept;
- the **date line**: arithmetic cannot check a date, so it is always re-read, and the re-read
  wins when it still gives a date on that line and Tesseract is surer of its words.

The header and the rest stay as the first pass read them, so the extra cost is bounded by the
share of the slip the bands take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocr_worker.ocr import OcrText, OcrWord


@dataclass(frozen=True)
class Band:
    """Lines ``first``..``last`` of the first pass, and the pixel box around them."""

    first: int
    last: int
    top: int
    bottom: int
    left: int = 0
    right: int | None = None  # None: to the right edge

    def box(self, width: int) -> tuple[int, int, int, int]:
        return self.left, self.top, min(width, self.right or width), self.bottom

    def holds(self, line: int) -> bool:
        return self.first <= line <= self.last

    def words(self, text: OcrText) -> list[OcrWord]:
        """The words of ``text`` on this band's lines."""
        return [w for w in text.words if self.holds(w.line)]


def needs_item_reread(result: dict[str, Any], *, guessed: bool) -> bool:
    """The parse is clearly bad by the receipt's own arithmetic: items do not add up to the
    total, or a line's quantity × unit price is not its price, or nothing was read; or it
    adds up only because an illegible price was ``guessed`` from the total."""
    checks = result["checks"]
    if not result["items"] or result["total"] is None or guessed:
        return True
    return checks.get("items_sum_matches_total") is not True or \
        checks.get("lines_consistent") is False


def pass_score(
    result: dict[str, Any], confidence: float, *, guessed: bool
) -> tuple[int, int, int, int, float]:
    """Order between two parses of the same image: items add up to the total, then no price
    guessed from the total, then every line consistent, then a total found, then mean OCR word
    confidence."""
    checks = result["checks"]
    return (
        int(checks.get("items_sum_matches_total") is True),
        int(not guessed),
        int(checks.get("lines_consistent") is not False),
        int(result["total"] is not None),
        confidence,
    )


def band_around(text: OcrText, lines: tuple[int, int] | None, height: int) -> Band:
    """The box holding ``lines`` (all lines when None): rows widened halfway to the
    neighbouring lines (so that no glyph is cut and no neighbour is read twice) or by one text
    height where there is none; columns from the first to the last word plus one text height
    (the table beside the slip only adds noise)."""
    if not text.lines:
        return Band(0, -1, 0, height)
    first, last = lines if lines is not None else (0, len(text.lines) - 1)
    top, bottom = text.line_box(first)[0], text.line_box(last)[1]
    words = [w for w in text.words if first <= w.line <= last]
    margin = max(w.height for w in words)
    if first > 0:
        top = (text.line_box(first - 1)[1] + top) // 2
    else:
        top -= margin
    if last + 1 < len(text.lines):
        bottom = (bottom + text.line_box(last + 1)[0] + 1) // 2
    else:
        bottom += margin
    return Band(
        first, last, max(0, top), min(height, bottom),
        left=max(0, min(w.left for w in words) - margin),
        right=max(w.left + w.width for w in words) + margin,
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def band_confidence(text: OcrText, band: Band) -> float:
    """Mean word confidence of the first pass inside the band (to compare with a re-read)."""
    return _mean([w.confidence for w in band.words(text)])


def splice(first: OcrText, rereads: dict[Band, OcrText]) -> tuple[list[str], float]:
    """The first pass's lines with each band replaced by its re-read (bands do not overlap),
    and the mean word confidence of the result."""
    lines: list[str] = []
    confidences: list[float] = []
    index = 0
    for band in sorted(rereads, key=lambda b: b.first):
        lines += first.lines[index:band.first]
        lines += rereads[band].lines
        confidences += [w.confidence for w in rereads[band].words]
        index = band.last + 1
    lines += first.lines[index:]
    confidences += [w.confidence for w in first.words
                    if not any(band.holds(w.line) for band in rereads)]
    return lines, _mean(confidences)


def _digit_word_confidence(words: list[OcrWord]) -> float:
    return _mean([w.confidence for w in words if any(ch.isdigit() for ch in w.text)])


def date_reread_wins(
    first: OcrText, band: Band, reread: OcrText, reread_date_line: int | None
) -> bool:
    """The re-read of the date line gives a date on that line, and Tesseract is surer of its
    words with digits (the date and time; stray marks at the edges do not count)."""
    return (
        reread_date_line is not None
        and band.first <= reread_date_line < band.first + len(reread.lines)
        and _digit_word_confidence(reread.words)
        > _digit_word_confidence(band.words(first))
    )
