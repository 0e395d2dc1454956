"""Turn the OCR worker's JSON into typed values ready for the receipts/items/transactions rows.

The worker's answer follows ocr-worker/contract/receipt.schema.json, and `OcrReceipt` reads it.
It is still untrusted (another process, another image): every field is optional and may be
malformed. Bad values become None (unknown) instead of failing the whole receipt; money is
Decimal with 2 places.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

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


def _objects(value: Any) -> list[Any]:
    """The JSON objects of a list (anything else in it, or a non-list, is no item)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# Each field reads what it can and leaves the rest unknown (None) instead of failing the
# receipt: the before-validators below never raise.
Name = Annotated[str | None, BeforeValidator(_text)]
Amount = Annotated[Decimal | None, BeforeValidator(lambda v: to_decimal(v))]
Quantity = Annotated[
    Decimal | None, BeforeValidator(lambda v: to_decimal(v, _MILLI, _MAX_QUANTITY))
]


class OcrItem(BaseModel):
    """One line of the worker's `items` (its contract: ocr-worker/contract/receipt.schema.json,
    `$defs.Item`); only the fields the core stores."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: Name = None
    quantity: Quantity = None
    unit_price: Amount = None
    price: Amount = None
    discount: Amount = None
    vat: Annotated[str | None, BeforeValidator(_vat)] = None


class OcrReceipt(BaseModel):
    """The worker's answer as the core reads it (ocr-worker/contract/receipt.schema.json): the
    fields it books; the rest (checks, warnings, confidence...) stays in receipts.raw_ocr.
    tests/test_ocr_contract.py proves it takes every answer the schema allows."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    shop: Name = None
    company: Name = None
    nip: Annotated[str | None, BeforeValidator(lambda v: _text(v, 20))] = None
    date: Annotated[dt.date | None, BeforeValidator(to_date)] = None
    time: Annotated[dt.time | None, BeforeValidator(to_time)] = None
    total: Amount = None
    amount_due: Amount = None
    currency: Annotated[str, BeforeValidator(_currency)] = "PLN"
    items: Annotated[list[OcrItem], BeforeValidator(_objects)] = Field(default_factory=list)


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
        """What left the wallet: amount due (incl. deposits), else the fiscal total; None when
        neither was read. Never the sum of the items: a missed line or a misread price would be
        booked silently as the receipt's amount."""
        return self.amount_due if self.amount_due is not None else self.total

    @property
    def shows_money(self) -> bool:
        """Any amount at all: a total, an amount due or an item price."""
        return self.spent is not None or any(item.price is not None for item in self.items)


def parse_ocr_result(data: Any, tz: str) -> ParsedReceipt:
    """Map the OCR worker's JSON (ocr-worker/contract/receipt.schema.json) to a ParsedReceipt."""
    if not isinstance(data, dict):
        raise ValueError("OCR result is not a JSON object")
    ocr = OcrReceipt.model_validate(data)
    purchased_at = (
        datetime.combine(ocr.date, ocr.time, tzinfo=ZoneInfo(tz))
        if ocr.date is not None and ocr.time is not None
        else None
    )
    items: list[ParsedItem] = []
    for item in ocr.items:
        if item.name:  # a line without a name is no item
            items.append(ParsedItem(
                position=len(items) + 1, name=item.name, quantity=item.quantity,
                unit_price=item.unit_price, price=item.price, discount=item.discount,
                vat=item.vat,
            ))
    return ParsedReceipt(
        shop=ocr.shop,
        company=ocr.company,
        nip=ocr.nip,
        purchase_date=ocr.date,
        purchased_at=purchased_at,
        total=ocr.total,
        amount_due=ocr.amount_due,
        currency=ocr.currency,
        items=items,
    )
