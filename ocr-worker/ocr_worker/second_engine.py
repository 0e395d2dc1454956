"""A second reading by RapidOCR where Tesseract's is doubtful, and the vote between the two.

Tesseract reads generated and clean receipts well and cheaply, but on real scans (faded
thermal print, small slips on larger pages) it often returns lines whose total or date cannot
be read. RapidOCR (PP-OCR detection and recognition, ``rapid_engine``) reads those far better,
at a few times the cost, and without Polish or German diacritics. So it runs only when the
Tesseract parse is doubtful (``needs_second_engine``), over the same prepared gray image, and
recognises only the boxes that matter (``boxes_to_read``: the rows that decide what is
missing, and text Tesseract did not see at all). Its lines take the place of Tesseract's in
those rows (``hybrid_lines``) and the parse of that is voted against Tesseract's (``vote``):
the total of the parse that proves it (items, payment, VAT sums), or of the only one that has
one; the shop stays Tesseract's unless the other is surer, the date too unless they are
equally sure (then the second engine's digits). Two engines reading the same total is
evidence in itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ocr_worker.ocr import OcrText, OcrWord
from ocr_worker.parser.checks import confidence_of
from ocr_worker.parser.dates import dates_in_line
from ocr_worker.parser.text import fold
from ocr_worker.rapid_engine import Box

#: Below this field confidence the Tesseract total is doubtful: nothing on the receipt (items,
#: payment, VAT sums) confirmed it.
CONFIRMED_TOTAL = 1.0
#: A total that both engines read alike is as sure as one the items confirm.
AGREED_TOTAL = 0.9


def needs_second_engine(result: dict[str, Any]) -> bool:
    """Tesseract's parse lacks a total or a date, or nothing on the receipt confirms its
    total."""
    confidence = result["field_confidence"]
    return (
        result["total"] is None or result["date"] is None
        or confidence.get("total", 0.0) < CONFIRMED_TOTAL
    )


#: Lines that decide the total (read with the line after: OCR puts a label's amount on the
#: next line), the payment that confirms it, and the date.
TOTAL_WORDS = re.compile(
    r"\bTOT[A-Z)|1]{0,3}\b|\bSUM(?:A|ME)?\b|AMOUNT|PAYABLE|\bDUE\b|\bNETT? TOTAL|ROUND|"
    r"ZAHLEN|RAZEM|OGOLEM|BETRAG|GESAMT|ZAPLATY"
)
PAYMENT_WORDS = re.compile(r"\bCASH\b|CHANGE|TENDER|\bBAR\b|RUCKGELD|KART|CARD|RESZTA")
#: a month by its name or its usual abbreviation, as a whole word ("MARGARINE" is not March)
_MONTH = (r"(?:JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|"
          r"SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)\b")
DATE_WORDS = re.compile(
    r"\bDATE\b|\bDATA\b|\bDATUM\b|\d{1,4}\s?[./-]\s?\d{1,2}\s?[./-]\s?\d{2,4}|"
    # the label with a glyph misread ("Datz;", "fate :", "Dale!"), a month name by a number,
    # a date that lost its separators, the time printed beside the date
    r"\b(?:D\wTE|DA\wE|DAT\w|\wATE)\s?[:;!.]|"
    rf"\b{_MONTH}\.?,?\s?\d|\d\s?{_MONTH}\b|"
    r"\b[0-3]\d[01]\d[/.-]?20\d\d\b|\b\d{1,2}:\d{2}\b"
)


def decisive_rows(first: OcrText, result: dict[str, Any]) -> tuple[set[int], list[tuple[int, int]]]:
    """Tesseract's lines that decide what ``result`` lacks or cannot confirm (the total and
    the payment), the date's (a digit of a date misread still makes a date: the second
    engine's reading of those rows costs little once it runs), and the pixel rows they take."""
    want_total = result["field_confidence"].get("total", 0.0) < CONFIRMED_TOTAL
    lines: set[int] = set()
    for index, line in enumerate(first.lines):
        folded = fold(line)
        if want_total and TOTAL_WORDS.search(folded):
            lines |= {j for j in (index, index + 1) if j < len(first.lines)}
        elif (want_total and PAYMENT_WORDS.search(folded)) or DATE_WORDS.search(folded):
            lines.add(index)
    return lines, [first.line_box(index) for index in sorted(lines)]


def _overlaps(word: OcrWord, box: Box) -> bool:
    left, top, right, bottom = box
    return word.left < right and left < word.left + word.width and \
        word.top < bottom and top < word.top + word.height


def boxes_to_read(first: OcrText, rows: list[tuple[int, int]]) -> Callable[[Box], bool]:
    """RapidOCR reads only the boxes in the decisive rows and those where Tesseract found no
    word at all: recognition is most of its cost, and the rest Tesseract read well enough."""
    def keep(box: Box) -> bool:
        middle = (box[1] + box[3]) / 2
        return any(top <= middle <= bottom for top, bottom in rows) or \
            not any(_overlaps(word, box) for word in first.words)
    return keep


def _middle(text: OcrText, index: int) -> float:
    top, bottom = text.line_box(index)
    return (top + bottom) / 2


def hybrid_lines(first: OcrText, replaced: set[int], second: OcrText) -> list[str]:
    """Tesseract's lines with the ``replaced`` ones left out, and RapidOCR's lines, in the
    order they stand on the receipt."""
    placed = [(_middle(first, i), line) for i, line in enumerate(first.lines)
              if i not in replaced]
    placed += [(_middle(second, i), line) for i, line in enumerate(second.lines)]
    return [line for _, line in sorted(placed, key=lambda pair: pair[0])]


def _plausible_total(result: dict[str, Any]) -> bool:
    """A total is more than nothing (a change of 0.00 read as the total) and not below half
    its own subtotal (a loyalty balance read as the total)."""
    total, subtotal = result["total"], result["subtotal"]
    if total is None:
        return True
    return Decimal(total) > 0 and (subtotal is None or Decimal(total) * 2 >= Decimal(subtotal))


def _total_rank(result: dict[str, Any]) -> tuple[int, float, int, int]:
    checks = result["checks"]
    return (
        int(_plausible_total(result)),
        result["field_confidence"].get("total", 0.0),
        int(checks.get("items_sum_matches_total") is True),
        int(checks.get("payment_matches") is True),
    )


#: how much surer Tesseract's date must be to stand against the second engine's: one label
#: more (``dates.find_purchase_date``'s confidence); a time beside it is more than that
DATE_MARGIN = 0.15


def _surer(name: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    """``a`` has the field and ``b`` lacks it or is less sure of it."""
    return a[name] is not None and (
        b[name] is None
        or a["field_confidence"].get(name, 0.0) > b["field_confidence"].get(name, 0.0)
    )


def vote(first: dict[str, Any], second: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One result from Tesseract's parse (``first``) and the second engine's, and the fields
    that come from ``second``.

    The total decides which parse is the base (its items, VAT and payment belong to it): the
    one the receipt proves better, the second engine's when they are equally proven (it reads
    the digits of real scans more often right: 4 of 4 such ties on the SROIE dev set); the
    date and the shop are Tesseract's (it reads diacritics and spaces) unless the second
    engine is surer of them; two dates read equally sure go to the second engine (on the SROIE
    dev set it was right in 3 of 4 such ties: a year's 8 read as 6, a day's 8 as 6), and so
    does one only a label less sure (where the engines read different dates on the 312 SROIE
    dev receipts, it was right 5 times of 7, Tesseract once).
    """
    second_total = second["total"] is not None and (
        first["total"] is None
        or _total_rank(second) > _total_rank(first)
        or (second["total"] != first["total"] and _total_rank(second) == _total_rank(first))
    )
    base = dict(second if second_total else first)
    taken = ["total"] if second_total else []
    fc = dict(base["field_confidence"])
    warnings = list(base["warnings"])
    for name in ("date", "shop"):
        source = second if _surer(name, second, first) or (
            name == "date" and second["date"] is not None and second["date"] != first["date"]
            and second["field_confidence"].get("date", 0.0)
            >= first["field_confidence"].get("date", 0.0) - DATE_MARGIN
        ) else first
        if source is second:
            taken.append(name)
        base[name] = source[name]
        fc[name] = source["field_confidence"].get(name, 0.0)
        if name == "date":
            base["time"] = source["time"]
        if base[name] is not None:
            warnings = [w for w in warnings if w != f"no {name} found"]
    other = first if second_total else second
    if base["total"] is not None and base["total"] == other["total"]:
        fc["total"] = max(fc.get("total", 0.0), AGREED_TOTAL)
    elif base["total"] is not None and other["total"] is not None \
            and fc.get("total", 0.0) < CONFIRMED_TOTAL:
        warnings.append(f"the two OCR engines read different totals ({first['total']} and "
                        f"{second['total']}); neither is confirmed by the items or the payment")
    base["field_confidence"] = fc
    base["warnings"] = warnings
    base["confidence"] = round(confidence_of(fc), 2)
    return base, taken


#: ISO dates this many characters apart are one reading of the same printed date (a day's or
#: a year's digit or two misread), not two different dates
_SAME_DATE_GLYPHS = 2


def date_from_line_reading(text: str, current: str | None, *, month_first: bool
                           ) -> str | None:
    """The date in the second engine's reading of the date line, where it is one date a glyph
    or two from the first reading's (``current``); None when it reads no date, several, or
    another one. Its digits are the surer: where the two differed so on the 312 SROIE dev
    receipts, it was right 6 times, Tesseract twice (a 6 read as 8, a year's 8 as 3)."""
    found = {value.isoformat() for value in dates_in_line(text, month_first=month_first)}
    if len(found) != 1 or current is None:
        return None
    (date,) = found
    if date == current or len(date) != len(current):
        return None
    differing = sum(a != b for a, b in zip(date, current, strict=True))
    return date if differing <= _SAME_DATE_GLYPHS else None
