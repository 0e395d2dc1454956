"""Payment method, amount paid and change, from the lines after the total."""

from __future__ import annotations

from decimal import Decimal

from ocr_worker.parser.amounts import label_amount, strip_currency
from ocr_worker.parser.keywords import CARD, CASH, CHANGE, PAID
from ocr_worker.parser.model import Payment
from ocr_worker.parser.text import fold


def parse_payment(lines: list[str], start: int) -> Payment:
    card: Decimal | None = None
    cash: Decimal | None = None
    handed: Decimal | None = None  # paid, the method not said on the line
    change: Decimal | None = None
    card_mentioned = cash_mentioned = False
    for line in lines[start:]:
        folded = fold(line)
        amount = label_amount(strip_currency(line))
        value = abs(amount) if amount is not None else None
        if CHANGE.search(folded):
            if value is not None and change is None:
                change = value
            continue
        if CARD.search(folded):
            card_mentioned = True
            if value is not None and card is None:
                card = value
        elif CASH.search(folded):
            cash_mentioned = True
            if value is not None and cash is None:
                cash = value
        elif PAID.search(folded) and value is not None and handed is None:
            handed = value
    method = None
    if card is not None and cash is not None:
        method = "mixed"
    elif card is not None or (card_mentioned and cash is None):
        method = "card"
    elif cash is not None or cash_mentioned:
        method = "cash"
    paid = None
    if card is not None or cash is not None:
        paid = (card or Decimal("0")) + (cash or Decimal("0"))
    elif handed is not None:
        paid = handed
    return Payment(method=method, paid=paid, change=change)
