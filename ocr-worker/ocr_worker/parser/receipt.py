"""Lines of OCR text → :class:`Receipt`: find the sections, then read each one."""

from __future__ import annotations

import re

from ocr_worker.parser.checks import reconcile, run_checks
from ocr_worker.parser.cleanup import repair_line
from ocr_worker.parser.currency import detect_currency
from ocr_worker.parser.dates import find_purchase_date, is_month_first
from ocr_worker.parser.header import find_company, find_receipt_number
from ocr_worker.parser.items import classify, parse_items
from ocr_worker.parser.keywords import PAYMENT_START, TAX_SUMMARY, is_paragon_mark
from ocr_worker.parser.model import Receipt
from ocr_worker.parser.payment import parse_payment
from ocr_worker.parser.seller import find_seller
from ocr_worker.parser.tax_ids import find_nip
from ocr_worker.parser.text import clean_line, fold
from ocr_worker.parser.totals import find_totals, is_end_of_items, payment_start
from ocr_worker.parser.vat import parse_vat_block

_ITEM_KINDS = {"full", "price_only", "amount_only", "qty_only"}
_RULE = re.compile(r"^[-=_*~. ]{6,}$")


def numbered_lines(raw_lines: list[str]) -> list[tuple[int, str]]:
    """Cleaned non-empty lines with the index each had in the OCR output."""
    cleaned = ((index, clean_line(line)) for index, line in enumerate(raw_lines))
    return [(index, line) for index, line in cleaned if line]


def normalise_lines(numbered: list[tuple[int, str]], *, polish: bool) -> list[tuple[int, str]]:
    repaired = ((index, repair_line(line, polish=polish)) for index, line in numbered)
    return [(index, line) for index, line in repaired if line]


def _item_section(lines: list[str]) -> tuple[int, int]:
    """Indices [start, end) of the lines that hold items."""
    start = 0
    marked = False
    for index, line in enumerate(lines[: max(len(lines) * 2 // 3, 1)]):
        if is_paragon_mark(line):
            start, marked = index + 1, True
            break
    seen_item = False
    first_end: int | None = None
    for index in range(start, len(lines)):
        line = lines[index]
        folded = fold(line)
        if first_end is not None and not (marked or seen_item) and (
            PAYMENT_START.match(folded) or TAX_SUMMARY.search(folded)
        ):
            # paid, or a tax summary, after total-looking lines and no item read: this is the
            # footer, and the tax table's rows below are not items
            return first_end, first_end
        if is_end_of_items(line):
            if marked or seen_item:
                return start, index
            if first_end is None:
                first_end = index
            start = index + 1  # a tax-number or total-looking line still in the header
            continue
        if not seen_item and not marked and _RULE.match(line):
            start = index + 1  # the rule under the header
            continue
        if classify(line).kind in _ITEM_KINDS:
            seen_item = True
    if not seen_item and first_end is not None:
        return first_end, first_end  # no legible item at all: the totals start there
    return start, len(lines)


def parse_receipt(raw_lines: list[str]) -> Receipt:
    numbered = numbered_lines(raw_lines)
    first_guess, _ = detect_currency([line for _, line in numbered], None)
    numbered = normalise_lines(numbered, polish=first_guess == "PLN")
    lines = [line for _, line in numbered]
    receipt = Receipt()
    fc = receipt.field_confidence
    if not lines:
        receipt.warnings.append("no text found on the image")
        run_checks(receipt)
        return receipt

    receipt.shop, shop_confidence, brand = find_seller(lines)
    receipt.company = find_company(lines)
    fc["shop"] = shop_confidence
    receipt.nip = find_nip(lines)
    receipt.receipt_number = find_receipt_number(lines)

    receipt.currency, fc["currency"] = detect_currency(lines, brand.country if brand else None)
    month_first = is_month_first(receipt.currency)
    found = find_purchase_date(lines, month_first=month_first)
    receipt.date, receipt.time, fc["date"] = found.value, found.time, found.confidence
    if found.line_index is not None:
        receipt.date_line = numbered[found.line_index][0]

    start, end = _item_section(lines)
    items = parse_items(lines[start:end], first_index=start)
    receipt.items = items.items
    receipt.warnings.extend(f"repaired {note}" for note in items.repairs)
    for line in items.unparsed:
        receipt.warnings.append(f"unparsed line: {line}")

    totals = find_totals(lines, end)
    last = totals.total_line if totals.total_line is not None else end - 1
    if start <= last:  # in the caller's numbering: the lines a second OCR pass should re-read
        receipt.item_lines = (numbered[start][0], numbered[last][0])
    receipt.deposits = totals.deposits
    receipt.amount_due = totals.due
    receipt.subtotal = totals.subtotal
    if (
        totals.subtotal is None and totals.tax and totals.total is not None
        and receipt.items_net_sum() == totals.total - totals.tax
    ):
        receipt.subtotal = totals.total - totals.tax  # tax added after the items, no subtotal
    if (
        totals.subtotal is not None and totals.total is not None
        and totals.subtotal > totals.total and totals.subtotal == receipt.items_net_sum()
    ):
        # discounts printed between SUBTOTAL and TOTAL apply to the whole receipt
        receipt.receipt_discount = totals.subtotal - totals.total
    vat_block = parse_vat_block(lines, end)
    receipt.vat = vat_block.rates
    receipt.vat_total = vat_block.total_tax
    receipt.payment = parse_payment(lines, payment_start(totals, end))
    receipt.rounding = totals.rounding

    reconcile(receipt, totals.total, totals.total_digits, items.orphans, items.blank_discounts,
              totals.other_totals)
    run_checks(receipt)
    return receipt
