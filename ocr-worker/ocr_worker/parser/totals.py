"""SUMA / TOTAL / DO ZAPŁATY lines, deposits (kaucja) of the non-fiscal section."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ocr_worker.parser.amounts import find_amounts, label_amount, strip_currency
from ocr_worker.parser.keywords import (
    AMOUNT_DUE,
    DEPOSIT,
    NON_FISCAL,
    NOT_TOTAL,
    PAID,
    PAYMENT_START,
    PTU_BLOCK,
    ROUNDING,
    SUBTOTAL,
    TAX_SUMMARY,
    is_generic_total,
    is_polish_sum,
    is_ptu_line,
    total_rank,
)
from ocr_worker.parser.text import fold

ZERO = Decimal("0")
#: A rounding line's figure up to this is the adjustment; above it, the rounded total itself
#: ("Rounding Adjustment RM .02" / "Rounding RM 27.30").
_ADJUSTMENT_LIMIT = Decimal("0.10")
_SPACE_FOR_SEPARATOR = re.compile(r"(?<![\d.,])(\d{1,6}) (\d{2})\s*$")
_TAX_LINE = re.compile(r"^\W*(?:SALES\s+)?TAX\b|^\W*(?:VAT|MWST|TVA|BTW)\b")
_BARE_DIGITS = re.compile(r"(?<![\d.,])(\d{3,7})(?![\d.,])")
_TOTAL_LIKE = re.compile(r"\bTOT[A-Z)|1]{1,3}\b|\bSUM(?:A|ME)?\b|PAYABLE|GESAMT|\bRAZEM\b")
_SUMA_WORD = r"\bS\s?[UV]\s?[MH]\s?[AR4]\b"
_BARE_SUMA = re.compile(rf"^\W*{_SUMA_WORD}(?!.*\bPLN\b)")
_DEPOSIT_RETURN = re.compile(r"\bZWROT\b|RETURN|RUCKGABE|LEERGUT|\bREFUND")


@dataclass
class Totals:
    """Amounts of the closing section; ``payment_start`` is where payment lines may begin."""

    total: Decimal | None = None
    total_line: int | None = None
    due: Decimal | None = None
    due_line: int | None = None
    subtotal: Decimal | None = None
    deposits: Decimal = ZERO
    tax: Decimal | None = None  # a sales-tax line between the items and the total (US)
    total_digits: str | None = None  # "75735": a total whose decimal separator was lost
    total_rank: int = 0  # keywords.total_rank of the total line
    rounding: Decimal = ZERO  # the adjustment printed above the total line (it is rounded)
    #: amounts of other lines worded like a total ("Tota) (Inclusive of GST); 9.60"): a second
    #: printed reading, evidence when the chosen total line was misread
    other_totals: list[Decimal] = field(default_factory=list)


def _line_amount(lines: list[str], index: int) -> Decimal | None:
    """Amount on a label line, or on the next line when OCR split label and amount."""
    text = strip_currency(lines[index])
    value = label_amount(text)
    if value is not None:
        return value
    lost_separator = _SPACE_FOR_SEPARATOR.search(text)
    if lost_separator:  # "SUMA PLN 36 47"
        return Decimal(f"{lost_separator[1]}.{lost_separator[2]}")
    for follower in lines[index + 1: index + 3]:
        text = strip_currency(follower)
        found = find_amounts(text, spaced=True)
        letters = sum(ch.isalpha() for ch in text)
        if found and letters <= 2:
            return found[-1][0]
        if letters > 2:
            break
    return None


def find_totals(lines: list[str], start: int) -> Totals:
    result = Totals()
    rounded = False
    adjustment = ZERO
    for index in range(start, len(lines)):
        line = lines[index]
        folded = fold(line)
        if TAX_SUMMARY.search(folded):
            break  # the table's own Total row follows: no total of the receipt's after it
        if AMOUNT_DUE.search(folded) and not NOT_TOTAL.search(folded):
            if result.due is None:
                result.due = _line_amount(lines, index)
                result.due_line = index
            continue
        if SUBTOTAL.search(folded):
            if result.subtotal is None:
                result.subtotal = _line_amount(lines, index)
            continue
        if result.total_line is None and result.tax is None and _TAX_LINE.search(folded):
            found = find_amounts(strip_currency(line))
            if found:
                result.tax = found[-1][0]
            continue
        is_total = (is_polish_sum(line) or is_generic_total(line)) and not (
            # the PTU table's own "Suma" (the tax sum) under its rate lines: SUMA PLN is the
            # receipt's; a bare Suma right after the PTU lines is the table's
            _BARE_SUMA.match(folded) and index > start and _is_ptu_rate_line(lines[index - 1])
        )
        if ROUNDING.search(folded) and not is_total:
            value = _line_amount(lines, index)
            if not (rounded and value is not None and abs(value) > _ADJUSTMENT_LIMIT):
                rounded = True  # the next total is the rounded one
                if value is not None and abs(value) <= _ADJUSTMENT_LIMIT:
                    adjustment = value
                continue
            is_total = True  # a second rounding line with a full figure: the rounded total
        rank = 2 if rounded else total_rank(folded)
        if is_total and result.total is not None:
            # a later line that says its figure is more final wins (TOTAL, ROUNDING, TOTAL)
            value = _line_amount(lines, index)
            if rank > result.total_rank and value is not None and value > 0:
                result.total, result.total_line, result.total_rank = value, index, rank
                result.rounding = adjustment  # ZERO unless a rounding line came first
            continue
        if result.total is None and is_total:
            value = _line_amount(lines, index)
            if value is not None and value >= 0:
                result.total, result.total_line, result.total_rank = value, index, rank
                result.rounding = adjustment  # ZERO unless a rounding line came first
            elif result.total_line is None:
                # the label is legible, its amount is not: deposits still follow it
                result.total_line = index
                digits = _BARE_DIGITS.search(strip_currency(line))
                if digits:
                    result.total_digits = digits.group(1)
            continue
        if result.total_line is not None and DEPOSIT.search(folded):
            found = find_amounts(strip_currency(line))
            if found:
                value = found[-1][0]
                if _DEPOSIT_RETURN.search(folded):
                    value = -abs(value)
                result.deposits += value
    if result.total is None and result.due is not None and not result.deposits:
        result.total = result.due
    result.other_totals = other_total_amounts(lines, result.total_line)
    return result


def other_total_amounts(lines: list[str], total_line: int | None) -> list[Decimal]:
    """Amounts on lines worded like a total other than ``total_line``, anywhere on the slip
    (OCR damage can put the right one above the end of the item section)."""
    amounts = []
    for index, line in enumerate(lines):
        folded = fold(line)
        if index == total_line or not _TOTAL_LIKE.search(folded) or NOT_TOTAL.search(folded) \
                or PTU_BLOCK.search(folded):
            continue
        found = find_amounts(strip_currency(line))
        if found and found[-1][0] > 0:
            amounts.append(found[-1][0])
    return amounts


def _is_ptu_rate_line(line: str) -> bool:
    """A rate line of the PTU table (``PTU C 5,00% 0,49``), not its ``SUMA PTU``."""
    return is_ptu_line(line) and not re.search(_SUMA_WORD, fold(line))


def payment_start(totals: Totals, default: int) -> int:
    """First line after the earliest of the total and amount-due lines."""
    lines = [i for i in (totals.total_line, totals.due_line) if i is not None]
    return min(lines) + 1 if lines else default


def is_end_of_items(line: str) -> bool:
    """A line that closes the item section (totals, tax block, non-fiscal part)."""
    folded = fold(line)
    return bool(
        is_polish_sum(line) or is_generic_total(line) or SUBTOTAL.search(folded)
        or AMOUNT_DUE.search(folded) or NON_FISCAL.search(folded) or is_ptu_line(line)
        or PAYMENT_START.search(folded) or PAID.search(folded)
    )
