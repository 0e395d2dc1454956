"""The structured receipt the parser builds, and its JSON form (amounts as 2-decimal strings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ocr_worker.parser.amounts import format_money, format_quantity

ZERO = Decimal("0")


@dataclass
class Item:
    name: str
    price: Decimal
    quantity: Decimal = Decimal("1")
    unit_price: Decimal | None = None
    discount: Decimal = ZERO
    vat: str | None = None
    quantity_printed: bool = False  # the receipt printed "qty x unit" for this line
    line_index: int = -1
    source: str = "printed"  # printed | computed (qty × unit) | inferred (from the total)

    @property
    def net(self) -> Decimal:
        return self.price - self.discount

    def to_json(self) -> dict[str, Any]:
        unit = self.unit_price if self.unit_price is not None else (
            self.price / self.quantity if self.quantity else self.price
        )
        return {
            "name": self.name,
            "quantity": format_quantity(self.quantity),
            "unit_price": format_money(unit),
            "price": format_money(self.price),
            "discount": format_money(self.discount),
            "vat": self.vat,
        }


@dataclass
class VatRate:
    letter: str
    rate: Decimal | None = None
    tax: Decimal | None = None
    sales: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "letter": self.letter,
            "rate": format_money(self.rate),
            "tax": format_money(self.tax),
            "sales": format_money(self.sales),
        }


@dataclass
class Payment:
    method: str | None = None  # card | cash | mixed | other
    paid: Decimal | None = None
    change: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "paid": format_money(self.paid),
            "change": format_money(self.change),
        }


@dataclass
class Receipt:
    shop: str | None = None
    company: str | None = None
    nip: str | None = None
    date: date | None = None
    time: str | None = None
    receipt_number: str | None = None
    currency: str | None = None
    items: list[Item] = field(default_factory=list)
    total: Decimal | None = None
    subtotal: Decimal | None = None  # printed before tax is added (US) or whole-receipt discounts
    amount_due: Decimal | None = None
    deposits: Decimal = ZERO
    receipt_discount: Decimal = ZERO
    #: the rounding adjustment printed between the unrounded and the rounded total (Malaysia
    #: rounds cash totals to 0.05): items and tax sums add up to the total less it
    rounding: Decimal = ZERO
    vat: list[VatRate] = field(default_factory=list)
    vat_total: Decimal | None = None
    payment: Payment = field(default_factory=Payment)
    checks: dict[str, bool | None] = field(default_factory=dict)
    field_confidence: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    items_fitted: bool = False  # an item was repaired so that the items add up to the total
    warnings: list[str] = field(default_factory=list)
    #: First and last input line (as numbered in the OCR output) of the items and the total.
    item_lines: tuple[int, int] | None = None
    date_line: int | None = None  # the input line the date was read from, same numbering

    def items_net_sum(self) -> Decimal:
        return sum((item.net for item in self.items), ZERO)

    def items_target(self) -> Decimal | None:
        """What Σ(price − discount) must equal: the subtotal when tax or a receipt-level
        discount sits between the items and the total, else the total."""
        if self.subtotal is not None and self.subtotal != self.total:
            return self.subtotal
        return None if self.total is None else self.total - self.rounding

    def to_json(self) -> dict[str, Any]:
        return {
            "shop": self.shop,
            "company": self.company,
            "nip": self.nip,
            "date": self.date.isoformat() if self.date else None,
            "time": self.time,
            "receipt_number": self.receipt_number,
            "currency": self.currency,
            "items": [item.to_json() for item in self.items],
            "total": format_money(self.total),
            "subtotal": format_money(self.subtotal),
            "amount_due": format_money(self.amount_due),
            "deposits": format_money(self.deposits) if self.deposits else None,
            "vat": [rate.to_json() for rate in self.vat],
            "payment": self.payment.to_json(),
            "checks": dict(self.checks),
            "confidence": round(self.confidence, 2),
            "field_confidence": {k: round(v, 2) for k, v in self.field_confidence.items()},
            "warnings": list(self.warnings),
        }
