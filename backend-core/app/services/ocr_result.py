"""Turn the OCR worker's JSON into typed values ready for the receipts/items/transactions rows.

The OCR output is untrusted: every field is optional and may be malformed. Bad values become
None (unknown) instead of failing the whole receipt; money is Decimal with 2 places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

_MAX_AMOUNT = Decimal("9999999999.99")  # NUMERIC(12,2)
_MAX_QUANTITY = Decimal("999999999.999")  # NUMERIC(12,3)
_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_NAME_LIMIT = 300


def to_decimal(value: Any, places: Decimal = _CENT, limit: Decimal = _MAX_AMOUNT) -> Decimal | None:
    """'6,98' / '6.98' / 6.98 / '1 234,50' → Decimal('6.98'); anything else → None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) > limit:
        return None
    return number.quantize(places, rounding=ROUND_HALF_UP)


def to_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return parsed if 1990 <= parsed.year <= 2100 else None


def to_time(value: Any) -> time | None:
    if not isinstance(value, str):
        return None
    match = _TIME.match(value.strip())
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _text(value: Any, limit: int = _NAME_LIMIT) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _currency(value: Any) -> str:
    text = _text(value)
    ok = text is not None and len(text) == 3 and text.isascii() and text.isalpha()
    return text.upper() if ok and text else "PLN"


def _vat(value: Any) -> str | None:
    text = _text(value, 1)
    return text.upper() if text and text.isalpha() else None


@dataclass(frozen=True)
class ParsedItem:
    position: int
    name: str
    quantity: Decimal | None
    unit_price: Decimal | None
    price: Decimal | None
    discount: Decimal | None
    vat: str | None


@dataclass(frozen=True)
class ParsedReceipt:
    shop: str | None
    company: str | None
    nip: str | None
    purchase_date: date | None
    purchased_at: datetime | None
    total: Decimal | None
    amount_due: Decimal | None
    currency: str
    items: list[ParsedItem] = field(default_factory=list)

    @property
    def spent(self) -> Decimal | None:
        """What left the wallet: amount due (incl. deposits), else the fiscal total, else the
        sum of item prices; None when the receipt shows no money at all."""
        if self.amount_due is not None:
            return self.amount_due
        if self.total is not None:
            return self.total
        prices = [item.price for item in self.items if item.price is not None]
        return sum(prices, Decimal("0.00")) if prices else None


def parse_ocr_result(data: Any, tz: str) -> ParsedReceipt:
    """Map the OCR worker's JSON (see contracts: ocr-worker API) to a ParsedReceipt."""
    if not isinstance(data, dict):
        raise ValueError("OCR result is not a JSON object")
    purchase_date = to_date(data.get("date"))
    clock = to_time(data.get("time"))
    purchased_at = (
        datetime.combine(purchase_date, clock, tzinfo=ZoneInfo(tz))
        if purchase_date is not None and clock is not None
        else None
    )
    raw_items = data.get("items")
    items: list[ParsedItem] = []
    for raw in raw_items if isinstance(raw_items, list) else []:
        if not isinstance(raw, dict):
            continue
        name = _text(raw.get("name"))
        if not name:
            continue
        items.append(
            ParsedItem(
                position=len(items) + 1,
                name=name,
                quantity=to_decimal(raw.get("quantity"), _MILLI, _MAX_QUANTITY),
                unit_price=to_decimal(raw.get("unit_price")),
                price=to_decimal(raw.get("price")),
                discount=to_decimal(raw.get("discount")),
                vat=_vat(raw.get("vat")),
            )
        )
    return ParsedReceipt(
        shop=_text(data.get("shop")),
        company=_text(data.get("company")),
        nip=_text(data.get("nip"), 20),
        purchase_date=purchase_date,
        purchased_at=purchased_at,
        total=to_decimal(data.get("total")),
        amount_due=to_decimal(data.get("amount_due")),
        currency=_currency(data.get("currency")),
        items=items,
    )
