"""Ground truth of a generated receipt, in the same shape as the worker's JSON answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class TruthItem:
    name: str
    quantity: Decimal
    unit_price: Decimal
    price: Decimal
    discount: Decimal = Decimal("0.00")
    vat: str | None = None
    weighed: bool = False

    @property
    def value(self) -> Decimal:
        """What the line costs after its discount."""
        return self.price - self.discount

    def quantity_text(self) -> str:
        if self.weighed:
            return f"{self.quantity:.3f}"
        return str(int(self.quantity))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quantity": self.quantity_text(),
            "unit_price": f"{self.unit_price:.2f}",
            "price": f"{self.price:.2f}",
            "discount": f"{self.discount:.2f}",
            "vat": self.vat,
        }


@dataclass
class VatLine:
    letter: str
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass
class ReceiptTruth:
    """Everything printed on one receipt that the worker is expected to read back."""

    layout: str
    shop: str
    company: str
    nip: str | None
    date: dt.date
    time: dt.time
    currency: str
    items: list[TruthItem]
    total: Decimal
    amount_due: Decimal
    vat: list[VatLine] = field(default_factory=list)
    deposit: Decimal = Decimal("0.00")
    payment_method: str = "card"
    paid: Decimal = Decimal("0.00")
    change: Decimal = Decimal("0.00")
    receipt_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "shop": self.shop,
            "company": self.company,
            "nip": self.nip,
            "date": self.date.isoformat(),
            "time": self.time.strftime("%H:%M"),
            "receipt_number": self.receipt_number,
            "currency": self.currency,
            "items": [item.to_json() for item in self.items],
            "total": f"{self.total:.2f}",
            "amount_due": f"{self.amount_due:.2f}",
            "vat": [
                {"letter": v.letter, "rate": f"{v.rate:.2f}", "tax": f"{v.tax:.2f}"}
                for v in self.vat
            ],
            "payment": {
                "method": self.payment_method,
                "paid": f"{self.paid:.2f}",
                "change": f"{self.change:.2f}",
            },
        }
